package io.kos.triggers.api;

/**
 * The event-bus addresses of the {@code triggers} verticle. What it calls of {@code actions}
 * (enqueue, validate, outcome) is in {@code io.kos.actions.api.ActionsAddresses}.
 */
public final class TriggersAddresses {

  /** Published after every change of a trigger through the API, body {@code {trigger_id}}: each node's evaluator reloads it. */
  public static final String CHANGED = "kos.triggers.changed";

  private TriggersAddresses() {
  }
}
