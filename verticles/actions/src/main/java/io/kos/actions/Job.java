package io.kos.actions;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A claimed job: what to deliver and which attempt this is.
 *
 * @param attempt     this attempt's number (1 for the first); the claim counted it
 * @param maxAttempts the attempt after which a failure makes the job dead
 */
record Job(long id, String idempotencyKey, UUID ownerId, UUID triggerId, String triggerName, String eventId, Long actionId,
           String actionType, int priority, JsonObject config, JsonObject event, int attempt, int maxAttempts) {

  /** The template variables of this job ({@link Template#VARIABLES}). */
  Map<String, Object> variables() {
    Map<String, Object> values = new HashMap<>(64);
    event.forEach(entry -> values.put(entry.getKey(), entry.getValue()));
    Object timestamp = event.getValue("timestamp");
    if (timestamp instanceof Number seconds) {
      values.put("timestamp_unix", seconds.longValue());
      values.put("timestamp", Instant.ofEpochSecond(seconds.longValue()).toString());
    }
    for (String tag : new String[] {"tag1", "tag2", "tag"}) {
      Object hex = event.getValue(tag);
      Object text = event.getValue(tag + "_text");
      values.put(tag + "_hex", hex);
      values.put(tag, text != null ? text : hex);
    }
    values.put("trigger_name", triggerName);
    values.put("trigger_id", triggerId == null ? null : triggerId.toString());
    values.put("action_id", actionId);
    values.put("job_id", id);
    values.put("idempotency_key", idempotencyKey);
    return values;
  }

  boolean lastAttempt() {
    return attempt >= maxAttempts;
  }
}
