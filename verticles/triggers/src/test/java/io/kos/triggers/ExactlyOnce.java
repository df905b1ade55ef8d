package io.kos.triggers;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.function.ToLongFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The check of the process-level tests (kill -9, two nodes): a trigger that fires on every event and
 * counts every event twice over (a rate window and an EMA) has, for N stored events, N fires and
 * both counts at N — nothing missed, nothing counted twice, however the crash or the race fell.
 */
final class ExactlyOnce {

  private ExactlyOnce() {
  }

  /** A rate window (of {@code window}) and an EMA that hold for every event: the trigger fires on each and counts each. */
  static JsonArray countingConditions(String window) {
    return new JsonArray()
        .add(new JsonObject().put("condition_type", "rate_limit").put("operator", ">=").put("value", 0)
            .put("config", new JsonObject().put("time_window", window)))
        .add(new JsonObject().put("condition_type", "ema_threshold").put("field", "score").put("operator", ">=").put("value", 0)
            .put("config", new JsonObject().put("alpha", "0.2")));
  }

  /** {@code query} answers one number of SQL in the node's database. */
  static void assertEachEventCountedOnce(ToLongFunction<String> query, String triggerId, long stored) {
    assertThat(query.applyAsLong("SELECT count(*) FROM triggers.trigger_fires WHERE trigger_id = '" + triggerId + "'")).isEqualTo(stored);
    assertThat(query.applyAsLong("SELECT count(DISTINCT event_id) FROM triggers.trigger_fires WHERE trigger_id = '" + triggerId + "'"))
        .isEqualTo(stored);
    assertThat(query.applyAsLong("SELECT sum((b->>1)::bigint) FROM triggers.trigger_state s JOIN triggers.trigger_conditions c "
        + "ON c.id = s.condition_id, jsonb_array_elements(s.state_data->'buckets') b WHERE c.condition_type = 'rate_limit' "
        + "AND s.trigger_id = '" + triggerId + "'")).as("the rate window's count").isEqualTo(stored);
    assertThat(query.applyAsLong("SELECT (s.state_data->'averages'->''->>'count')::bigint FROM triggers.trigger_state s "
        + "JOIN triggers.trigger_conditions c ON c.id = s.condition_id WHERE c.condition_type = 'ema_threshold' "
        + "AND s.trigger_id = '" + triggerId + "'")).as("the EMA's samples").isEqualTo(stored);
  }
}
