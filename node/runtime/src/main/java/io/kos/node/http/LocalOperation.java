package io.kos.node.http;

import io.kos.verticle.ApiRequest;
import io.kos.verticle.Errors;
import io.kos.verticle.ApiResponse;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Function;
import java.util.function.Supplier;

/** Runs one of the node's own operations (the auth API) in the ingress, with the same contract as a verticle's. */
final class LocalOperation implements Handler<RoutingContext> {

  private final Supplier<Function<ApiRequest, Future<?>>> operation;
  private final int successStatus;

  /** @param operation the operation, or null while the node is still starting */
  LocalOperation(Supplier<Function<ApiRequest, Future<?>>> operation, int successStatus) {
    this.operation = operation;
    this.successStatus = successStatus;
  }

  @Override
  public void handle(RoutingContext ctx) {
    ApiEntry.Call call = ctx.get(ApiEntry.CALL);
    Function<ApiRequest, Future<?>> handler = operation.get();
    if (handler == null) {
      HttpErrors.send(ctx, Errors.STARTING, "the node is still starting");
      return;
    }
    Future<?> result;
    try {
      result = handler.apply(new ApiRequest(call.envelope(), call.headers()));
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(value -> respond(ctx, value), failure -> HttpErrors.sendFailure(ctx, failure, call.requestId()));
  }

  private void respond(RoutingContext ctx, Object value) {
    int status = successStatus;
    Object body = value;
    if (value instanceof ApiResponse response) {
      status = response.status();
      body = response.body();
    }
    var response = ctx.response().setStatusCode(status);
    if (body == null) {
      response.end();
    } else {
      response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(Json.encodeToBuffer(body));
    }
  }
}
