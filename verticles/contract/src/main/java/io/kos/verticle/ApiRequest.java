package io.kos.verticle;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * An HTTP request as the ingress forwards it over the event bus:
 * {@code {"params": {...}, "query": {...}, "body": <json or null>}} plus headers.
 */
public final class ApiRequest {

  private final JsonObject message;
  private final MultiMap headers;

  public ApiRequest(JsonObject message, MultiMap headers) {
    this.message = message;
    this.headers = headers;
  }

  public static JsonObject envelope(JsonObject params, JsonObject query, Object body) {
    return new JsonObject().put("params", params).put("query", query).put("body", body);
  }

  public String pathParam(String name) {
    JsonObject params = message.getJsonObject("params");
    return params == null ? null : params.getString(name);
  }

  public String query(String name) {
    JsonObject query = message.getJsonObject("query");
    return query == null ? null : query.getString(name);
  }

  /** Query parameter as an int within bounds, or the default when absent; 400 naming it otherwise. */
  public int queryInt(String name, int defaultValue, int min, int max) {
    String raw = query(name);
    if (raw == null) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw);
      if (value < min || value > max) {
        throw ApiError.badRequest("invalid_parameter", name + " must be between " + min + " and " + max);
      }
      return value;
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("invalid_parameter", name + " must be an integer");
    }
  }

  /** The JSON body; 400 when the route needs an object and got none or another JSON type. */
  public JsonObject bodyObject() {
    Object body = message.getValue("body");
    if (body instanceof JsonObject object) {
      return object;
    }
    throw ApiError.badRequest("invalid_body", "a JSON object body is required");
  }

  public Object body() {
    return message.getValue("body");
  }

  public String header(String name) {
    return headers.get(name);
  }

  /**
   * Who is calling, as the ingress authenticated it; 401 when the request is anonymous. Never take
   * a user id from the body: this is the only source of identity.
   */
  public Caller caller() {
    Caller caller = callerIfAny();
    if (caller == null) {
      throw ApiError.unauthorized("unauthorized", "this operation needs an authenticated caller");
    }
    return caller;
  }

  /** The caller on a route that also admits anonymous requests, or null. */
  public Caller callerIfAny() {
    return Caller.fromHeaders(headers);
  }

  public String clientAddress() {
    return headers.get(Addresses.HEADER_CLIENT_ADDRESS);
  }

  public String requestId() {
    return headers.get(Addresses.HEADER_REQUEST_ID);
  }
}
