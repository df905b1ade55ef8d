package io.kos.node.http;

import io.kos.node.auth.AuthApi;
import io.kos.verticle.Addresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.Errors;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.Caller;
import io.kos.verticle.Errors;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * First handler of every API route: reads the JSON body, names the request, authenticates the
 * caller, and leaves an {@link Call} for the handler that dispatches it. The caller comes only from
 * a bearer token or an API key checked here; headers with the internal names sent by the client are
 * never copied into the call.
 */
final class ApiEntry implements Handler<RoutingContext> {

  static final String CALL = "kos.call";
  private static final String JSON = "application/json";
  private static final String BEARER = "Bearer ";
  private static final String API_KEY_HEADER = "X-API-Key";
  private static final AtomicLong REQUEST_IDS = new AtomicLong();

  /** A request ready to dispatch: its id, its {@link ApiRequest} envelope and the headers that go with it. */
  record Call(String requestId, JsonObject envelope, MultiMap headers) {
  }

  private final boolean anonymous;
  private final boolean binary;
  private final Supplier<AuthApi> auth;
  private final String requestIdPrefix;

  ApiEntry(boolean anonymous, boolean binary, Supplier<AuthApi> auth, String requestIdPrefix) {
    this.anonymous = anonymous;
    this.binary = binary;
    this.auth = auth;
    this.requestIdPrefix = requestIdPrefix;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Object body = null;
    Buffer raw = ctx.body().available() ? ctx.body().buffer() : null;
    if (binary) {
      body = raw == null ? Buffer.buffer() : raw;
    } else if (raw != null && raw.length() > 0) {
      if (!isJson(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE))) {
        HttpErrors.send(ctx, Errors.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json");
        return;
      }
      try {
        body = Json.decodeValue(raw);
      } catch (DecodeException e) {
        HttpErrors.send(ctx, Errors.MALFORMED_JSON, "the body is not valid JSON");
        return;
      }
    }
    String requestId = requestId(ctx, requestIdPrefix);
    JsonObject envelope = ApiRequest.envelope(toJson(ctx.pathParams()), toJson(ctx.queryParams()), body);
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add(Addresses.HEADER_REQUEST_ID, requestId)
        .add(Addresses.HEADER_CLIENT_ADDRESS, ctx.request().remoteAddress().hostAddress());
    String id = requestId;
    caller(ctx).onComplete(caller -> {
      if (caller != null) {
        caller.addTo(headers);
      }
      ctx.put(CALL, new Call(id, envelope, headers));
      ctx.next();
    }, failure -> HttpErrors.sendFailure(ctx, failure, id));
  }

  /**
   * The request's id: the client's {@code X-Request-Id} when it is safe to log (letters, digits,
   * {@code . _ : -}, at most 64), else a new one; echoed in the response.
   */
  static String requestId(RoutingContext ctx, String prefix) {
    String requestId = HttpEdge.safeRequestId(ctx.request().getHeader("X-Request-Id"));
    if (requestId == null) {
      requestId = prefix + Long.toHexString(REQUEST_IDS.incrementAndGet());
    }
    ctx.response().putHeader("X-Request-Id", requestId);
    return requestId;
  }

  /** The authenticated caller; null on an anonymous route called without credentials. */
  private Future<Caller> caller(RoutingContext ctx) {
    String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    String apiKey = ctx.request().getHeader(API_KEY_HEADER);
    if (authorization == null && apiKey == null) {
      return anonymous ? Future.succeededFuture() : Future.failedFuture(
          Errors.UNAUTHORIZED.error("send Authorization: Bearer <access token> or X-API-Key: <key>"));
    }
    if (authorization != null && apiKey != null) {
      return Future.failedFuture(Errors.AMBIGUOUS_CREDENTIALS.error("send a bearer token or an API key, not both"));
    }
    AuthApi api = auth.get();
    if (api == null) {
      return Future.failedFuture(Errors.STARTING.error("the node is still starting"));
    }
    if (apiKey != null) {
      return api.authenticateApiKey(apiKey);
    }
    if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Future.failedFuture(Errors.INVALID_TOKEN.error("the Authorization header must be Bearer <access token>"));
    }
    return api.authenticateToken(authorization.substring(BEARER.length()).trim());
  }

  private static JsonObject toJson(java.util.Map<String, String> map) {
    return map.isEmpty() ? new JsonObject() : new JsonObject(new LinkedHashMap<>(map));
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
