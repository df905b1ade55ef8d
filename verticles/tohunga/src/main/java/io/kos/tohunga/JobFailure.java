package io.kos.tohunga;

import io.vertx.core.json.JsonObject;

/**
 * Why a job failed, with the kOS docs' code ({@code SOURCE_UNREACHABLE}, ...): stored in the job's
 * {@code error} and sent to a KLF requester. Not a stack-trace failure: nothing here is logged at ERROR.
 */
final class JobFailure extends RuntimeException {

  static final String SOURCE_UNREACHABLE = "SOURCE_UNREACHABLE";
  static final String SOURCE_AUTH_FAILED = "SOURCE_AUTH_FAILED";
  /** The source answered, but not with what the job expects (a 4xx, a body that is not the format, no records path). */
  static final String SOURCE_ERROR = "SOURCE_ERROR";
  static final String VALIDATION_FAILED = "VALIDATION_FAILED";
  static final String OUTPUT_WRITE_ERROR = "OUTPUT_WRITE_ERROR";
  static final String TIMEOUT = "TIMEOUT";
  static final String CANCELLED = "CANCELLED";
  static final String INTERRUPTED = "INTERRUPTED";

  private final String code;

  JobFailure(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  String code() {
    return code;
  }

  JsonObject toJson() {
    return new JsonObject().put("code", code).put("message", getMessage());
  }
}
