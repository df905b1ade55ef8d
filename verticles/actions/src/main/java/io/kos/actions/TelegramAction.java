package io.kos.actions;

import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A {@code telegram} action's config: Bot API {@code sendMessage} to {@code chat_id}.
 *
 * @param parseMode {@code MarkdownV2}, {@code HTML}, or null for plain text; variables are escaped for it
 */
record TelegramAction(Object chatId, String text, String parseMode, boolean disableNotification, boolean disablePreview) {

  static final List<String> FIELDS = List.of("chat_id", "text", "parse_mode", "disable_notification", "disable_web_page_preview");
  static final List<String> PARSE_MODES = List.of("MarkdownV2", "HTML");
  /** Telegram's limit on a message's text. */
  static final int MAX_TEXT = 4096;

  static TelegramAction parse(JsonObject config, String path) {
    JsonFields fields = JsonFields.ofBody(config, path).onlyKnown(FIELDS);
    Object chat = config.getValue("chat_id");
    if (!(chat instanceof Integer || chat instanceof Long
        || (chat instanceof String s && s.matches("@[A-Za-z0-9_]{5,32}|-?\\d{1,20}")))) {
      throw ApiError.invalidField(path + ".chat_id", "must be a chat id (an integer) or a public @channelusername");
    }
    String text = fields.string("text", null, MAX_TEXT);
    if (text.isBlank()) {
      throw fields.invalid("text", "must not be empty");
    }
    Template.check(text, path + ".text", false);
    String mode = fields.string("parse_mode", "", 20);
    if (!mode.isEmpty() && !PARSE_MODES.contains(mode)) {
      throw fields.invalid("parse_mode", "must be MarkdownV2 or HTML (or absent for plain text)");
    }
    return new TelegramAction(chat, text, mode.isEmpty() ? null : mode, fields.bool("disable_notification", false),
        fields.bool("disable_web_page_preview", false));
  }

  Template.Escape escape() {
    return parseMode == null ? Template.Escape.NONE : parseMode.equals("HTML") ? Template.Escape.HTML : Template.Escape.MARKDOWN_V2;
  }
}
