package io.kos.triggers.api;

/**
 * The event-bus addresses of the {@code triggers} verticle, and the two of {@code actions} it calls
 * (kept here until the actions verticle's own API module lands; the names are the design brief's).
 */
public final class TriggersAddresses {

  /** Published after every change of a trigger through the API, body {@code {trigger_id}}: each node's evaluator reloads it. */
  public static final String CHANGED = "kos.triggers.changed";
  /**
   * Sent by the evaluator's relay for each fire: body {@code {idempotency_key, trigger: {id, name,
   * owner_id}, action: {id, action_type, priority, config}, event}}, reply {@code {job_id, duplicate}}.
   */
  public static final String ACTIONS_ENQUEUE = "kos.actions.enqueue";
  /**
   * Published by the actions verticle after each delivery attempt: body {@code {trigger_id, job_id,
   * attempt, status: succeeded | failed | dead}}; a failure counts toward the trigger's circuit
   * breaker, a success closes it, any other status is ignored.
   */
  public static final String ACTIONS_OUTCOME = "kos.actions.outcome";
  /** Asked before a trigger with actions is stored: body {@code {actions: [...]}}, reply {@code {}} or a 422 naming the field. */
  public static final String ACTIONS_VALIDATE = "kos.actions.validate";

  private TriggersAddresses() {
  }
}
