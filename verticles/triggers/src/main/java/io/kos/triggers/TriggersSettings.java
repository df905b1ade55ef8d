package io.kos.triggers;

import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** {@code verticles.config.triggers}: checked at start (a bad key stops the node with exit 2). */
record TriggersSettings(int batchSize) {

  static TriggersSettings parse(JsonObject config) {
    JsonFields fields = JsonFields.ofSettings(config).onlyKnown(List.of("batch_size"));
    return new TriggersSettings(fields.intValue("batch_size", 1000, 1, 10_000));
  }
}
