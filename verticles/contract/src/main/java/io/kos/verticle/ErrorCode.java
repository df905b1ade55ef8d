package io.kos.verticle;

import java.util.regex.Pattern;

/**
 * One error code a caller can get: its status, what it means and what to do about it. Every
 * {@link ApiError} is made from one, so the reference in docs/errors.md and the {@code error} enum of
 * each OpenAPI document are generated from the codes the code really uses (and checked by tests).
 *
 * @param code    the {@code error} field of the JSON body: lowercase words joined by {@code _}
 * @param status  the HTTP status it travels with
 * @param meaning what went wrong, in one sentence
 * @param remedy  what the caller can do about it
 */
public record ErrorCode(String code, int status, String meaning, String remedy) {

  private static final Pattern CODE = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");

  public ErrorCode {
    if (code == null || !CODE.matcher(code).matches()) {
      throw new IllegalArgumentException("error code must be lowercase words joined by '_': " + code);
    }
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("error status must be 4xx or 5xx: " + status);
    }
  }

  /** An error of this code with the message the caller reads. */
  public ApiError error(String message) {
    return new ApiError(this, message);
  }
}
