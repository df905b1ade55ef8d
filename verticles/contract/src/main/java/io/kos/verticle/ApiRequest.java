package io.kos.verticle;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

import java.util.Collection;

/**
 * A request to an operation as it reaches a verticle over the event bus, from the HTTP ingress or
 * another verticle: {@code {"params": {...}, "query": {...}, "body": <json or null>}} plus headers.
 * Text enters here, so this is where it is checked, once, whoever sent it: a parameter or a body
 * string with NUL or a lone UTF-16 surrogate is refused (400 {@code invalid_parameter} or 422
 * {@code invalid_field} naming it), and the typed readers answer 400 naming the parameter and its bounds.
 */
public final class ApiRequest {

  private final JsonObject message;
  private final MultiMap headers;
  private boolean bodyChecked;

  public ApiRequest(JsonObject message, MultiMap headers) {
    this.message = message;
    this.headers = headers;
  }

  public static JsonObject envelope(JsonObject params, JsonObject query, Object body) {
    return new JsonObject().put("params", params).put("query", query).put("body", body);
  }

  /** The message another verticle sends to an operation that takes only a body (no path, no query). */
  public static JsonObject busRequest(JsonObject body) {
    return envelope(new JsonObject(), new JsonObject(), body);
  }

  /** A path parameter, or null; 400 when it holds NUL or a lone surrogate. */
  public String pathParam(String name) {
    return clean(name, message.getJsonObject("params"));
  }

  /** A query parameter, or null; 400 when it holds NUL or a lone surrogate. */
  public String query(String name) {
    return clean(name, message.getJsonObject("query"));
  }

  private static String clean(String name, JsonObject parameters) {
    String value = parameters == null ? null : parameters.getString(name);
    String flaw = value == null ? null : Text.flaw(value);
    if (flaw != null) {
      throw ApiError.invalidParameter(name, flaw);
    }
    return value;
  }

  /** Query parameter as an int within bounds, or the default when absent; 400 naming it otherwise. */
  public int queryInt(String name, int defaultValue, int min, int max) {
    return (int) queryLong(name, defaultValue, min, max);
  }

  /** Query parameter as a long within bounds, or the default when absent; 400 naming it otherwise. */
  public long queryLong(String name, long defaultValue, long min, long max) {
    String raw = query(name);
    return raw == null ? defaultValue : integer(name, raw, min, max);
  }

  /** Path parameter as a long within bounds; 400 naming it otherwise. */
  public long pathLong(String name, long min, long max) {
    return integer(name, pathParam(name), min, max);
  }

  /** Query parameter that must be one of {@code allowed}, or null when absent; 400 naming the choices otherwise. */
  public String queryOneOf(String name, Collection<String> allowed) {
    String raw = query(name);
    if (raw != null && !allowed.contains(raw)) {
      throw ApiError.invalidParameter(name, "must be one of " + String.join(", ", allowed.stream().sorted().toList()));
    }
    return raw;
  }

  /** A plain decimal integer (no sign but {@code -}, no leading zero, no spaces) within [min, max]. */
  private static long integer(String name, String raw, long min, long max) {
    Long value = Text.strictLong(raw);
    if (value == null || value < min || value > max) {
      throw ApiError.invalidParameter(name, "must be an integer from " + min + " to " + max + " written in plain digits");
    }
    return value;
  }

  /** The JSON body, every string checked; 400 when the route needs an object and got none or another JSON type. */
  public JsonObject bodyObject() {
    body();
    return uncheckedBodyObject();
  }

  /**
   * The JSON object body without the check of its strings, for a handler that checks every string
   * it keeps itself (ingest's push reports each bad event by index and field).
   */
  public JsonObject uncheckedBodyObject() {
    Object body = message.getValue("body");
    if (body instanceof JsonObject object) {
      return object;
    }
    throw Errors.INVALID_BODY.error("a JSON object body is required");
  }

  /** The JSON object body, read strictly field by field (422 naming a bad field). */
  public JsonFields bodyFields() {
    return JsonFields.ofBody(bodyObject());
  }

  /** The JSON body (any JSON value, or null); 422 naming the first string, by path, with NUL or a lone surrogate. */
  public Object body() {
    Object body = message.getValue("body");
    if (!bodyChecked && body != null) {
      String[] flaw = Text.firstFlaw(body);
      if (flaw != null) {
        throw ApiError.invalidField(flaw[0], flaw[1]);
      }
      bodyChecked = true;
    }
    return body;
  }

  /** The body of a binary route ({@code RouteSpec.binaryBody()}) as bytes; empty when there is none. */
  public io.vertx.core.buffer.Buffer bodyBytes() {
    io.vertx.core.buffer.Buffer bytes = message.getValue("body") == null ? null : message.getBuffer("body");
    return bytes == null ? io.vertx.core.buffer.Buffer.buffer() : bytes;
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
      throw Errors.UNAUTHORIZED.error("this operation needs an authenticated caller");
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
