package io.kos.node.http;

import io.kos.verticle.ApiError;
import io.kos.node.klf.KlfErrors;
import io.kos.verticle.ErrorCode;
import io.kos.verticle.Errors;
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

  public static void send(RoutingContext ctx, ErrorCode code, String message) {
    send(ctx, code.status(), new JsonObject().put("error", code.code()).put("message", message));
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
  static void install(io.vertx.ext.web.Router router, int bodyLimit, HttpEdge edge) {
    router.errorHandler(400, ctx -> send(ctx, Errors.BAD_REQUEST, "the request is malformed"));
    router.errorHandler(404, ctx -> send(ctx, Errors.NOT_FOUND,
        "no route for " + ctx.request().method() + " " + ctx.request().path()));
    router.errorHandler(405, ctx -> {
      String allowed = edge.allowed(ctx.request().path());
      ctx.response().putHeader(HttpHeaders.ALLOW, allowed);
      send(ctx, Errors.METHOD_NOT_ALLOWED, ctx.request().method() + " is not allowed on " + ctx.request().path() + "; it takes " + allowed);
    });
    // before the status handlers: a body the client broke is not our failure
    router.route().order(-2).failureHandler(ctx -> {
      if (!edge.clientFailure(ctx)) {
        ctx.next();
      }
    });
    router.errorHandler(413, ctx -> {
      if (ctx.request().path().equals(IngressVerticle.KLF_MESSAGE)) {
        send(ctx, KlfErrors.MESSAGE_TOO_LARGE, "the message exceeds klf.max_message_bytes; send large data by reference");
      } else {
        send(ctx, Errors.PAYLOAD_TOO_LARGE, "the request body exceeds http.body_limit (" + bodyLimit + " bytes on this node); send less per request");
      }
    });
    router.errorHandler(415, ctx -> send(ctx, Errors.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json"));
    router.errorHandler(500, ctx -> {
      LOG.error("unhandled failure on {} {}",
          ctx.request().method(), ctx.request().path(), ctx.failure());
      send(ctx, Errors.INTERNAL_ERROR, "unexpected failure; see the node log");
    });
  }
}
