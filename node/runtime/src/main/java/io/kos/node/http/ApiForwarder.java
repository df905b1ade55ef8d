package io.kos.node.http;

import io.kos.verticle.Addresses;
import io.kos.verticle.Errors;
import io.kos.verticle.RouteSpec;
import io.kos.verticle.StreamReply;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;


/**
 * Turns an HTTP request on a verticle's route into an event-bus request to
 * {@code kos.<verticle>.<operation>}, so whichever cluster member deploys the verticle serves it,
 * and turns the reply or failure back into HTTP.
 */
final class ApiForwarder implements Handler<RoutingContext> {

  private static final String JSON = "application/json";

  private final EventBus eventBus;
  private final String verticle;
  private final String address;
  private final int successStatus;
  private final long timeoutMillis;

  ApiForwarder(EventBus eventBus, String verticle, RouteSpec route, long timeoutMillis) {
    this.eventBus = eventBus;
    this.verticle = verticle;
    this.address = Addresses.of(verticle, route.operation());
    this.successStatus = route.successStatus();
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public void handle(RoutingContext ctx) {
    ApiEntry.Call call = ctx.get(ApiEntry.CALL);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMillis).setHeaders(call.headers());
    eventBus.request(address, call.envelope(), options).onComplete(
        reply -> respond(ctx, reply),
        failure -> fail(ctx, failure));
  }

  private void respond(RoutingContext ctx, Message<Object> reply) {
    String stream = reply.headers().get(Addresses.HEADER_STREAM);
    if (stream != null) {
      relay(ctx, stream, reply);
      return;
    }
    String override = reply.headers().get(Addresses.HEADER_STATUS);
    int status = override == null ? successStatus : Integer.parseInt(override);
    Object body = reply.body();
    var response = ctx.response().setStatusCode(status);
    if (body == null) {
      response.end();
    } else {
      response.putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(encode(body));
    }
  }

  /**
   * A streamed answer ({@code StreamReply}): pulls chunk after chunk from the verticle's address and
   * writes them, pulling the next only when the response has room; a client that goes away cancels it.
   */
  private void relay(RoutingContext ctx, String address, Message<Object> reply) {
    var response = ctx.response().setStatusCode(successStatus)
        .putHeader(HttpHeaders.CONTENT_TYPE, reply.headers().get(Addresses.HEADER_STREAM_TYPE));
    String length = reply.headers().get(Addresses.HEADER_STREAM_LENGTH);
    if (length != null) {
      response.putHeader(HttpHeaders.CONTENT_LENGTH, length);
    } else {
      response.setChunked(true);
    }
    if (ctx.request().method() == io.vertx.core.http.HttpMethod.HEAD) {
      eventBus.send(address, StreamReply.CANCEL);
      response.end();
      return;
    }
    boolean[] gone = {false};
    response.closeHandler(v -> {
      if (!response.ended()) {
        gone[0] = true;
        eventBus.send(address, StreamReply.CANCEL);
      }
    });
    pull(ctx, address, gone);
  }

  private void pull(RoutingContext ctx, String address, boolean[] gone) {
    var response = ctx.response();
    eventBus.<Buffer>request(address, null, new DeliveryOptions().setSendTimeout(StreamReply.PULL_TIMEOUT_MS)).onComplete(chunk -> {
      if (gone[0]) {
        return;
      }
      boolean last = chunk.headers().contains(Addresses.HEADER_STREAM_END);
      Buffer bytes = chunk.body();
      if (last) {
        response.end(bytes == null ? Buffer.buffer() : bytes);
        return;
      }
      response.write(bytes);
      if (response.writeQueueFull()) {
        response.drainHandler(v -> pull(ctx, address, gone));
      } else {
        pull(ctx, address, gone);
      }
    }, failure -> {
      // the status is sent: all that is left is to cut the body short so the client sees it incomplete
      if (!gone[0]) {
        eventBus.send(address, StreamReply.CANCEL);
        ctx.request().connection().close();
      }
    });
  }

  private void fail(RoutingContext ctx, Throwable failure) {
    if (!(failure instanceof ReplyException reply)) {
      HttpErrors.send(ctx, Errors.INTERNAL_ERROR, "unexpected failure forwarding to " + verticle);
      return;
    }
    switch (reply.failureType()) {
      case NO_HANDLERS -> HttpErrors.send(ctx, Errors.VERTICLE_UNAVAILABLE,
          "no node of this cluster serves the " + verticle + " verticle right now");
      case TIMEOUT -> HttpErrors.send(ctx, Errors.TIMEOUT,
          "the " + verticle + " verticle did not answer within http.request_timeout (" + timeoutMillis + " ms)");
      default -> HttpErrors.send(ctx, statusOf(reply.failureCode()), errorBody(reply));
    }
  }

  private static int statusOf(int failureCode) {
    return failureCode >= 400 && failureCode <= 599 ? failureCode : 500;
  }

  private static JsonObject errorBody(ReplyException reply) {
    String message = reply.getMessage();
    if (message != null && message.startsWith("{")) {
      try {
        return new JsonObject(message);
      } catch (DecodeException ignored) {
        // not one of ours: fall through to a generic body
      }
    }
    return new JsonObject().put("error", "internal_error").put("message", "the verticle failed");
  }

  private static Buffer encode(Object body) {
    if (body instanceof Buffer encoded) {
      return encoded;
    }
    if (body instanceof JsonObject object) {
      return object.toBuffer();
    }
    if (body instanceof JsonArray array) {
      return array.toBuffer();
    }
    return Json.encodeToBuffer(body);
  }
}
