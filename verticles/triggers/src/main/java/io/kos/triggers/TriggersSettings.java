package io.kos.triggers;

import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * {@code verticles.config.triggers}: checked at start (a bad key stops the node with exit 2).
 *
 * @param batchSize              events evaluated and committed per range
 * @param breakerFailures        consecutive failed deliveries that open a trigger's circuit breaker
 * @param breakerCooldownSeconds how long an open breaker suppresses fires before it lets one through
 */
record TriggersSettings(int batchSize, int breakerFailures, int breakerCooldownSeconds) {

  static TriggersSettings parse(JsonObject config) {
    JsonFields fields = JsonFields.ofSettings(config).onlyKnown(List.of("batch_size", "breaker_failures", "breaker_cooldown_seconds"));
    return new TriggersSettings(fields.intValue("batch_size", 1000, 1, 10_000), fields.intValue("breaker_failures", 10, 1, 1000),
        fields.intValue("breaker_cooldown_seconds", 300, 1, 86_400));
  }
}
