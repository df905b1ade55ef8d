package io.kos.actions.api;

/** The event-bus addresses of the {@code actions} verticle that other verticles use. */
public final class ActionsAddresses {

  /**
   * Request {@code {idempotency_key, trigger: {id, name, owner_id}, action: {id, action_type,
   * priority, config}, event}} → {@code {job_id, duplicate}}: queues one delivery, durably (the
   * reply comes after the commit). A repeat of a key returns the existing job with
   * {@code duplicate: true}.
   */
  public static final String ENQUEUE = "kos.actions.enqueue";
  /**
   * Request {@code {owner_id, actions: [{action_type, priority, config}]}} → {@code {actions:
   * [{config, secret?}]}}: the configs as they must be stored (secrets sealed), and a webhook
   * secret generated for a {@code rest} action written without one (shown once); or a 422 whose
   * JSON names the field ({@code actions[i].config.url}).
   */
  public static final String VALIDATE = "kos.actions.validate";
  /**
   * Published once per job when it ends: {@code {job_id, attempt, trigger_id, action_id, event_id,
   * idempotency_key, action_type, status: succeeded | failed | dead, error}}. {@code failed}: an
   * answer that retrying cannot change (a 4xx, a tool error, a hash mismatch); {@code dead}: every
   * attempt failed.
   */
  public static final String OUTCOME = "kos.actions.outcome";

  private ActionsAddresses() {
  }
}
