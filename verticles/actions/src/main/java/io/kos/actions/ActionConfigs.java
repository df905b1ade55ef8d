package io.kos.actions;

import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.kos.verticle.SecretBox;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Checks action configs for {@code kos.actions.validate}, and turns what is written into what is
 * stored: a webhook secret given in plain text is sealed, one not given is generated (and shown
 * once, in the reply).
 */
final class ActionConfigs {

  static final List<String> TYPES = List.of("telegram", "rest", "mcp");
  static final String NOOP = "noop";

  private final SecretBox secrets;
  private final ActionsSettings settings;

  ActionConfigs(SecretBox secrets, ActionsSettings settings) {
    this.secrets = secrets;
    this.settings = settings;
  }

  /** {@code {owner_id, actions: [{action_type, priority, config}]}} → {@code {actions: [{config, secret?}]}}, or a 422 naming the field. */
  JsonObject validate(JsonObject body) {
    JsonFields fields = JsonFields.ofBody(body);
    UUID owner = fields.uuid("owner_id", true);
    JsonArray actions = fields.array("actions", null);
    JsonArray checked = new JsonArray();
    for (int i = 0; i < actions.size(); i++) {
      String path = "actions[" + i + "]";
      if (!(actions.getValue(i) instanceof JsonObject action)) {
        throw ApiError.invalidField(path, "must be an object");
      }
      JsonFields actionFields = JsonFields.ofBody(action, path);
      String type = actionFields.string("action_type", null, 20);
      if (!types().contains(type)) {
        throw ApiError.invalidField(path + ".action_type", "unknown action type '" + type + "'; one of " + String.join(", ", types()));
      }
      checked.add(check(type, actionFields.object("config", null), path + ".config", owner));
    }
    return new JsonObject().put("actions", checked);
  }

  private JsonObject check(String type, JsonObject config, String path, UUID owner) {
    JsonObject stored = config.copy();
    JsonObject answer = new JsonObject();
    switch (type) {
      case "rest" -> {
        RestAction.parse(config, path);
        String given = stored.getString("secret");
        stored.remove("secret");
        if (given != null) {
          stored.put("secret_sealed", secrets.seal(given, secretPurpose(owner)));
        } else if (stored.getString("secret_sealed") == null) {
          String generated = RestAction.newSecret();
          stored.put("secret_sealed", secrets.seal(generated, secretPurpose(owner)));
          answer.put("secret", generated);
        } else if (!secrets.opens(stored.getString("secret_sealed"), secretPurpose(owner))) {
          throw ApiError.invalidField(path + ".secret_sealed", "is not a secret this node sealed for this owner; give secret instead, or "
              + "leave both out to get a new one");
        }
      }
      case "telegram" -> {
        TelegramAction.parse(config, path);
        if (settings.telegramBotToken().isEmpty()) {
          throw ApiError.invalidField(path, "this node has no Telegram bot token (verticles.config.actions.telegram.bot_token or "
              + ActionsSettings.BOT_TOKEN_ENV + ")");
        }
      }
      case "mcp" -> McpAction.parse(config, path);
      default -> JsonFields.ofBody(config, path).onlyKnown(List.of());
    }
    return answer.put("config", stored);
  }

  private List<String> types() {
    if (!settings.noopExecutor()) {
      return TYPES;
    }
    List<String> all = new ArrayList<>(TYPES);
    all.add(NOOP);
    return all;
  }

  /** What the webhook secret of an owner's action is sealed for: a sealed value copied to another owner does not open. */
  static String secretPurpose(UUID owner) {
    return "actions.webhook_secret:" + owner;
  }

  /** A config as the API shows it: the sealed secret is not repeated, only that there is one. */
  static JsonObject shown(JsonObject config) {
    if (config == null || !config.containsKey("secret_sealed")) {
      return config;
    }
    JsonObject shown = config.copy();
    shown.remove("secret_sealed");
    return shown.put("secret", "(sealed)");
  }
}
