package io.kos.hakim;

import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * An escalation policy as written ({@code POST|PUT /escalation-policies}): up to five levels
 * {@code [{after_seconds, channels}]}, each later than the one before, whose channels are notified
 * when an alert of a rule naming the policy is still active that long after it opened.
 */
record EscalationPolicy(String name, JsonArray levels) {

  private static final int MAX_LEVELS = 5;

  static EscalationPolicy parse(JsonObject body) {
    JsonFields fields = JsonFields.ofBody(body).onlyKnown(List.of("name", "levels"));
    String name = fields.string("name", null, 200);
    if (name.isBlank()) {
      throw ApiError.invalidField("name", "must not be blank");
    }
    JsonArray levels = fields.array("levels", null);
    if (levels.isEmpty() || levels.size() > MAX_LEVELS) {
      throw ApiError.invalidField("levels", "1 to " + MAX_LEVELS + " levels");
    }
    long previous = 0;
    for (int i = 0; i < levels.size(); i++) {
      String path = "levels[" + i + "]";
      if (!(levels.getValue(i) instanceof JsonObject level)) {
        throw ApiError.invalidField(path, "must be {after_seconds, channels}");
      }
      JsonFields levelFields = JsonFields.ofBody(level, path).onlyKnown(List.of("after_seconds", "channels"));
      long after = levelFields.integer("after_seconds", null, 1, 30 * 86_400L);
      if (after <= previous) {
        throw ApiError.invalidField(path + ".after_seconds", "must be later than the level before (" + previous + ")");
      }
      previous = after;
      AlertRule.channels(levelFields.array("channels", null), path + ".channels");
    }
    return new EscalationPolicy(name, levels);
  }
}
