package io.kos.verticle;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * A failure meant for the caller. It travels over the event bus as a {@link ReplyException} whose
 * failure code is the HTTP status and whose message is the JSON error body
 * {@code {"error": code, "message": text, ...details}}; the ingress turns it back into a response.
 */
public final class ApiError extends RuntimeException {

  private final int status;
  private final String code;
  private final JsonObject details;

  public ApiError(int status, String code, String message) {
    this(status, code, message, null);
  }

  public ApiError(int status, String code, String message, JsonObject details) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  public static ApiError badRequest(String code, String message) {
    return new ApiError(400, code, message);
  }

  public static ApiError unauthorized(String code, String message) {
    return new ApiError(401, code, message);
  }

  public static ApiError forbidden(String code, String message) {
    return new ApiError(403, code, message);
  }

  public static ApiError notFound(String message) {
    return new ApiError(404, "not_found", message);
  }

  public static ApiError conflict(String code, String message) {
    return new ApiError(409, code, message);
  }

  /** 422 naming the field that is wrong. */
  public static ApiError invalidField(String field, String reason) {
    return new ApiError(422, "invalid_field", field + ": " + reason, new JsonObject().put("field", field));
  }

  public static ApiError unavailable(String code, String message) {
    return new ApiError(503, code, message);
  }

  /**
   * What the caller is told about a failed operation: an {@code ApiError} as it is, an unreachable
   * database as 503 {@code database_unavailable}, anything else as 500 {@code internal_error} naming
   * the request id (the caller logs those: see {@link #isUnexpected}).
   */
  public static ApiError of(Throwable failure, String requestId) {
    if (failure instanceof ApiError error) {
      return error;
    }
    if (Db.isUnavailable(failure)) {
      return unavailable("database_unavailable", "the database is not reachable, retry later");
    }
    return new ApiError(500, "internal_error", "unexpected failure; see the node log for request " + requestId);
  }

  /** True when {@link #of} had to hide an unexpected failure: it belongs in the log with its stack trace. */
  public static boolean isUnexpected(Throwable failure) {
    return !(failure instanceof ApiError) && !Db.isUnavailable(failure);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("error", code).put("message", getMessage());
    if (details != null) {
      json.mergeIn(details);
    }
    return json;
  }

  public ReplyException toReplyException() {
    return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, status, toJson().encode());
  }
}
