package io.kos.actions;

import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * Bot API {@code sendMessage}. The token is in the URL, so no message of this class names the URL.
 * 429 waits for {@code parameters.retry_after}; 400 (bad markup, unknown chat) is final.
 */
final class TelegramExecutor implements Executor {

  private static final int MAX_ANSWER = 64 * 1024;

  private final OutboundHttp http;
  private final ActionsSettings settings;
  private final TelegramLimiter limiter;

  TelegramExecutor(OutboundHttp http, ActionsSettings settings, TelegramLimiter limiter) {
    this.http = http;
    this.settings = settings;
    this.limiter = limiter;
  }

  @Override
  public Future<Attempt> run(Job job) {
    TelegramAction action = TelegramAction.parse(job.config(), "config");
    if (settings.telegramBotToken().isEmpty()) {
      return Future.succeededFuture(Attempt.retryable("this node has no Telegram bot token"));
    }
    long wait = limiter.reserve(String.valueOf(action.chatId()), System.currentTimeMillis());
    if (wait > 0) {
      return Future.succeededFuture(new Attempt.Deferred(wait));
    }
    JsonObject message = new JsonObject().put("chat_id", action.chatId())
        .put("text", Template.render(action.text(), job.variables(), action.escape()));
    if (action.parseMode() != null) {
      message.put("parse_mode", action.parseMode());
    }
    if (action.disableNotification()) {
      message.put("disable_notification", true);
    }
    if (action.disablePreview()) {
      message.put("link_preview_options", new JsonObject().put("is_disabled", true));
    }
    String url = settings.telegramApiUrl() + "/bot" + settings.telegramBotToken() + "/sendMessage";
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
    return http.send(new OutboundHttp.Request(HttpMethod.POST, url, headers, message.toBuffer(), 30_000, 0, MAX_ANSWER)).map(reply -> {
      JsonObject answer;
      try {
        answer = reply.body().length() == 0 ? new JsonObject() : reply.body().toJsonObject();
      } catch (DecodeException | ClassCastException e) {
        answer = new JsonObject();
      }
      if (reply.status() == 200 && answer.getBoolean("ok", false)) {
        JsonObject result = answer.getJsonObject("result", new JsonObject());
        return (Attempt) new Attempt.Delivered(new JsonObject().put("status", 200).put("message_id", result.getValue("message_id")));
      }
      JsonObject response = new JsonObject().put("status", reply.status()).put("error_code", answer.getValue("error_code"))
          .put("description", answer.getString("description"));
      String error = "Telegram answered " + reply.status() + (answer.getString("description") == null ? "" : ": " + answer.getString("description"));
      if (reply.status() == 429) {
        JsonObject parameters = answer.getJsonObject("parameters", new JsonObject());
        Integer seconds = parameters.getInteger("retry_after");
        long after = seconds != null ? seconds * 1000L : io.kos.verticle.outbound.OutboundHttp.retryAfterMs(reply.header("retry-after"));
        return new Attempt.Failed(error, response, true, after);
      }
      Attempt.Failed failed = Attempt.ofStatus(reply.status(), reply.headers(), response, "Telegram");
      return new Attempt.Failed(error, response, failed.retryable(), failed.retryAfterMs());
    });
  }
}
