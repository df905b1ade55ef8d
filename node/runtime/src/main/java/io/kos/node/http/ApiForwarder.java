package io.kos.node.http;

import io.kos.verticle.Addresses;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.RouteSpec;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
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

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns an HTTP request on a verticle's route into an event-bus request to
 * {@code kos.<verticle>.<operation>}, so whichever cluster member deploys the verticle serves it,
 * and turns the reply or failure back into HTTP.
 */
final class ApiForwarder implements Handler<RoutingContext> {

  private static final AtomicLong REQUEST_IDS = new AtomicLong();
  private static final String JSON = "application/json";

  private final EventBus eventBus;
  private final String verticle;
  private final String address;
  private final int successStatus;
  private final long timeoutMillis;
  private final String requestIdPrefix;

  ApiForwarder(EventBus eventBus, String verticle, RouteSpec route, long timeoutMillis, String requestIdPrefix) {
    this.eventBus = eventBus;
    this.verticle = verticle;
    this.address = Addresses.of(verticle, route.operation());
    this.successStatus = route.successStatus();
    this.timeoutMillis = timeoutMillis;
    this.requestIdPrefix = requestIdPrefix;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Object body = null;
    Buffer raw = ctx.body().available() ? ctx.body().buffer() : null;
    if (raw != null && raw.length() > 0) {
      if (!isJson(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE))) {
        HttpErrors.send(ctx, 415, "unsupported_media_type", "send the body as application/json");
        return;
      }
      try {
        body = Json.decodeValue(raw);
      } catch (DecodeException e) {
        HttpErrors.send(ctx, 400, "malformed_json", "the body is not valid JSON");
        return;
      }
    }
    String requestId = ctx.request().getHeader("X-Request-Id");
    if (requestId == null || requestId.length() > 64) {
      requestId = requestIdPrefix + Long.toHexString(REQUEST_IDS.incrementAndGet());
    }
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(timeoutMillis)
        .addHeader(Addresses.HEADER_REQUEST_ID, requestId);
    JsonObject envelope = ApiRequest.envelope(toJson(ctx.pathParams()), toJson(ctx.queryParams()), body);
    String id = requestId;
    eventBus.request(address, envelope, options).onComplete(
        reply -> respond(ctx, reply, id),
        failure -> fail(ctx, failure, id));
  }

  private void respond(RoutingContext ctx, Message<Object> reply, String requestId) {
    String override = reply.headers().get(Addresses.HEADER_STATUS);
    int status = override == null ? successStatus : Integer.parseInt(override);
    Object body = reply.body();
    var response = ctx.response().setStatusCode(status).putHeader("X-Request-Id", requestId);
    if (body == null) {
      response.end();
    } else {
      response.putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(encode(body));
    }
  }

  private void fail(RoutingContext ctx, Throwable failure, String requestId) {
    ctx.response().putHeader("X-Request-Id", requestId);
    if (!(failure instanceof ReplyException reply)) {
      HttpErrors.send(ctx, 500, "internal_error", "unexpected failure forwarding to " + verticle);
      return;
    }
    switch (reply.failureType()) {
      case NO_HANDLERS -> HttpErrors.send(ctx, 503, "verticle_unavailable",
          "no node of this cluster serves the " + verticle + " verticle right now");
      case TIMEOUT -> HttpErrors.send(ctx, 504, "timeout",
          "the " + verticle + " verticle did not answer within " + timeoutMillis + " ms");
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

  private static JsonObject toJson(Map<String, String> map) {
    return map.isEmpty() ? new JsonObject() : new JsonObject(new java.util.LinkedHashMap<>(map));
  }

  private static JsonObject toJson(MultiMap map) {
    JsonObject json = new JsonObject();
    for (String name : map.names()) {
      json.put(name, map.get(name));
    }
    return json;
  }

  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    return type.equalsIgnoreCase(JSON);
  }
}
