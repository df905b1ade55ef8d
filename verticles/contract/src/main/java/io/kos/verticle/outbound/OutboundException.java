package io.kos.verticle.outbound;

/** An outbound call that did not get an answer: refused by the guard, unresolvable, or too large. */
public final class OutboundException extends RuntimeException {

  private final boolean transientFailure;

  public OutboundException(String message, boolean transientFailure) {
    super(message, null, false, false);
    this.transientFailure = transientFailure;
  }

  /** True when trying again later may succeed (a DNS failure); false for a refusal or a bad URL. */
  public boolean isTransient() {
    return transientFailure;
  }
}
