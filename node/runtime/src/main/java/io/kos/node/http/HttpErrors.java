package io.kos.node.http;

import io.kos.verticle.ApiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Writes the uniform error body {@code {"error": code, "message": text}}. */
public final class HttpErrors {

  /** Seconds a client should wait before retrying a 503. */
  public static final String RETRY_AFTER_SECONDS = "5";
  private static final Logger LOG = LoggerFactory.getLogger(HttpErrors.class);
  private static final String JSON = "application/json";

  private HttpErrors() {
  }

  public static void send(RoutingContext ctx, int status, String code, String message) {
    send(ctx, status, new JsonObject().put("error", code).put("message", message));
  }

  public static void send(RoutingContext ctx, int status, JsonObject body) {
    HttpServerResponse response = ctx.response();
    if (response.headWritten()) {
      ctx.request().connection().close();
      return;
    }
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON);
    if (status == 503) {
      response.putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
    } else if (status == 429 && body.containsKey("retry_after_seconds")) {
      response.putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(body.getValue("retry_after_seconds")));
    } else if (status == 401) {
      response.putHeader("WWW-Authenticate", "Bearer realm=\"kos\"");
    }
    response.end(body.toBuffer());
  }

  /**
   * A failed operation as HTTP: an {@link ApiError} as its status and body, an unreachable database
   * as 503, anything else as 500 logged with the request id.
   */
  public static void sendFailure(RoutingContext ctx, Throwable failure, String requestId) {
    if (ApiError.isUnexpected(failure)) {
      LOG.error("{} {} failed (request {})", ctx.request().method(), ctx.request().path(), requestId, failure);
    }
    ApiError error = ApiError.of(failure, requestId);
    send(ctx, error.status(), error.toJson());
  }

  /** Router-level failures (no route, wrong method, body too large, ...) as JSON. */
  public static void install(io.vertx.ext.web.Router router) {
    router.errorHandler(400, ctx -> send(ctx, 400, "bad_request", "the request is malformed"));
    router.errorHandler(404, ctx -> send(ctx, 404, "not_found",
        "no route for " + ctx.request().method() + " " + ctx.request().path()));
    router.errorHandler(405, ctx -> send(ctx, 405, "method_not_allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    router.errorHandler(413, ctx -> send(ctx, 413, "payload_too_large", "the request body exceeds the configured limit"));
    router.errorHandler(415, ctx -> send(ctx, 415, "unsupported_media_type", "send the body as application/json"));
    router.errorHandler(500, ctx -> {
      LOG.error("unhandled failure on {} {}",
          ctx.request().method(), ctx.request().path(), ctx.failure());
      send(ctx, 500, "internal_error", "unexpected failure; see the node log");
    });
  }
}
