package io.kos.triggers;

import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A stored trigger with its checked conditions (and their ids: state is kept per condition) and
 * actions. {@link Draft} is what a user writes, checked before anything is stored.
 */
record Trigger(UUID id, UUID ownerId, String name, String description, long chainId, String registry, boolean enabled,
               int fireLimitPerHour, List<Condition> conditions, List<Long> conditionIds, List<Action> actions,
               UUID followId, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

  static final Set<String> REGISTRIES = Set.of("identity", "reputation", "validation");
  static final Set<String> ACTION_TYPES = Set.of("telegram", "rest", "mcp");
  static final int MAX_ACTIONS = 16;

  record Action(long id, String actionType, int priority, JsonObject config) {
    JsonObject toJson() {
      return new JsonObject().put("id", id).put("action_type", actionType).put("priority", priority).put("config", config);
    }
  }

  boolean isStateful() {
    return conditions.stream().anyMatch(c -> c instanceof Condition.Stateful);
  }

  JsonObject toJson() {
    JsonArray conditionsJson = new JsonArray();
    for (int i = 0; i < conditions.size(); i++) {
      conditionsJson.add(conditions.get(i).definition().toJson().put("id", conditionIds.get(i)));
    }
    JsonArray actionsJson = new JsonArray();
    actions.forEach(a -> actionsJson.add(a.toJson()));
    return new JsonObject().put("id", id.toString()).put("owner_id", ownerId.toString()).put("name", name).put("description", description)
        .put("chain_id", chainId).put("registry", registry).put("enabled", enabled).put("is_stateful", isStateful())
        .put("fire_limit_per_hour", fireLimitPerHour).put("conditions", conditionsJson).put("actions", actionsJson)
        .put("follow_id", followId == null ? null : followId.toString()).put("created_at", createdAt.toInstant().toString()).put("updated_at", updatedAt.toInstant().toString());
  }

  /** A trigger as a user writes it ({@code POST /triggers}, {@code PUT /triggers/{id}}): every field checked. */
  record Draft(String name, String description, long chainId, String registry, boolean enabled, int fireLimitPerHour,
               List<Condition> conditions, List<ActionDraft> actions) {

    Draft withActions(List<ActionDraft> checked) {
      return new Draft(name, description, chainId, registry, enabled, fireLimitPerHour, conditions, checked);
    }

    static Draft parse(JsonObject body) {
      JsonFields fields = JsonFields.ofBody(body).onlyKnown(List.of("name", "description", "chain_id", "registry", "enabled",
          "fire_limit_per_hour", "conditions", "actions"));
      String name = fields.string("name", null, 200);
      if (name.isBlank()) {
        throw ApiError.invalidField("name", "must not be blank");
      }
      String description = fields.string("description", "", 2000);
      long chainId = fields.integer("chain_id", null, 1, Long.MAX_VALUE);
      String registry = fields.string("registry", null, 20);
      if (!REGISTRIES.contains(registry)) {
        throw ApiError.invalidField("registry", "must be identity, reputation or validation");
      }
      boolean enabled = fields.bool("enabled", true);
      int fireLimit = fields.intValue("fire_limit_per_hour", 100, 1, 100_000);
      List<Condition> conditions = Conditions.parse(fields.array("conditions", new JsonArray()), registry);
      List<ActionDraft> actions = ActionDraft.parse(fields.array("actions", new JsonArray()));
      return new Draft(name, description.isEmpty() ? null : description, chainId, registry, enabled, fireLimit, conditions, actions);
    }
  }

  /** An action as written; its config is the actions verticle's to check ({@code kos.actions.validate}). */
  record ActionDraft(String actionType, int priority, JsonObject config) {

    static List<ActionDraft> parse(JsonArray actions) {
      if (actions.size() > MAX_ACTIONS) {
        throw ApiError.invalidField("actions", "at most " + MAX_ACTIONS + " actions");
      }
      List<ActionDraft> parsed = new ArrayList<>();
      for (int i = 0; i < actions.size(); i++) {
        String at = "actions[" + i + "]";
        if (!(actions.getValue(i) instanceof JsonObject action)) {
          throw ApiError.invalidField(at, "must be an object");
        }
        parsed.add(parse(action, at));
      }
      return parsed;
    }

    static ActionDraft parse(JsonObject action, String at) {
      for (String key : action.fieldNames()) {
        if (!Set.of("action_type", "priority", "config").contains(key)) {
          throw ApiError.invalidField(Conditions.in(at) + key, "unknown field; an action has action_type, priority, config");
        }
      }
      if (!(action.getValue("action_type") instanceof String type) || !ACTION_TYPES.contains(type)) {
        throw ApiError.invalidField(Conditions.in(at) + "action_type", "must be telegram, rest or mcp");
      }
      Object priority = action.getValue("priority", 1);
      if (!(priority instanceof Integer p) || p < 0 || p > 100) {
        throw ApiError.invalidField(Conditions.in(at) + "priority", "must be an integer from 0 (first) to 100");
      }
      if (!(action.getValue("config") instanceof JsonObject config)) {
        throw ApiError.invalidField(Conditions.in(at) + "config", "must be an object");
      }
      return new ActionDraft(type, p, config);
    }

    JsonObject toJson() {
      return new JsonObject().put("action_type", actionType).put("priority", priority).put("config", config);
    }
  }
}
