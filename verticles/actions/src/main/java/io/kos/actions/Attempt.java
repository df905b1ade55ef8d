package io.kos.actions;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;


/** How one delivery attempt ended, as an executor reports it. */
sealed interface Attempt {

  /** The receiver took it. */
  record Delivered(JsonObject response) implements Attempt {
  }

  /**
   * It did not: {@code retryable} when another attempt may succeed, after at least
   * {@code retryAfterMs} when the receiver said so (-1: the queue's backoff decides).
   */
  record Failed(String error, JsonObject response, boolean retryable, long retryAfterMs) implements Attempt {
  }

  /** Not tried (a rate limit of ours): due again after the delay, and not counted as an attempt. */
  record Deferred(long delayMs) implements Attempt {
  }

  static Failed retryable(String error) {
    return new Failed(error, null, true, -1);
  }

  static Failed permanent(String error) {
    return new Failed(error, null, false, -1);
  }

  /**
   * A call that got no answer: refused by the outbound guard or a bad URL is final; a DNS failure,
   * a timeout, a refused or reset connection may pass.
   */
  static Failed ofFailure(Throwable failure) {
    String message = failure.getMessage() == null ? failure.toString() : failure.getMessage();
    if (failure instanceof io.kos.verticle.outbound.OutboundException outbound && !outbound.isTransient()) {
      return permanent(message);
    }
    return retryable(message);
  }

  /**
   * An HTTP answer that is not the expected one: 408, 429 and 5xx may pass and are retried
   * (honouring {@code Retry-After}); any other status is the receiver's final word.
   */
  static Failed ofStatus(int status, MultiMap headers, JsonObject response, String what) {
    boolean retryable = status == 408 || status == 429 || status >= 500;
    long after = retryable ? io.kos.verticle.outbound.OutboundHttp.retryAfterMs(headers == null ? null : headers.get("retry-after")) : -1;
    return new Failed(what + " answered HTTP " + status, response, retryable, after);
  }
}
