package io.kos.verticle;

import io.vertx.core.json.JsonObject;

/**
 * A failure meant for the caller, made from an {@link ErrorCode}. It travels over the event bus as a
 * {@code ReplyException} whose failure code is the HTTP status and whose message is the JSON error
 * body {@code {"error": code, "message": text, ...details}}; the ingress turns it back into a response.
 */
public final class ApiError extends RuntimeException {

  private final ErrorCode code;
  private final JsonObject details;

  public ApiError(ErrorCode code, String message) {
    this(code, message, null);
  }

  public ApiError(ErrorCode code, String message, JsonObject details) {
    super(message, null, false, false);
    this.code = code;
    this.details = details;
  }

  public static ApiError notFound(String message) {
    return new ApiError(Errors.NOT_FOUND, message);
  }

  /** 422 naming the body field that is wrong. */
  public static ApiError invalidField(String field, String reason) {
    return new ApiError(Errors.INVALID_FIELD, field + ": " + reason, new JsonObject().put("field", field));
  }

  /** 400 naming the path or query parameter that is wrong. */
  public static ApiError invalidParameter(String parameter, String reason) {
    return new ApiError(Errors.INVALID_PARAMETER, parameter + " " + reason, new JsonObject().put("parameter", parameter));
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
      return new ApiError(Errors.DATABASE_UNAVAILABLE, "the database is not reachable, retry later");
    }
    return new ApiError(Errors.INTERNAL_ERROR, "unexpected failure; see the node log for request " + requestId);
  }

  /** True when {@link #of} had to hide an unexpected failure: it belongs in the log with its stack trace. */
  public static boolean isUnexpected(Throwable failure) {
    return !(failure instanceof ApiError) && !Db.isUnavailable(failure);
  }

  public int status() {
    return code.status();
  }

  public String code() {
    return code.code();
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("error", code.code()).put("message", getMessage());
    if (details != null) {
      json.mergeIn(details);
    }
    return json;
  }
}
