package io.kos.actions;

import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * {@code verticles.config.actions}: checked at start (a bad key stops the node with exit 2).
 *
 * @param attempts             attempts per job before it is {@code dead}
 * @param backoffBaseMs        the first retry waits up to this (full jitter: a random delay from 0)
 * @param backoffCapMs         no retry waits longer (unless the receiver's Retry-After says so)
 * @param leaseSeconds         how long a claimed job is a worker's; renewed while it runs, reclaimed after
 * @param concurrency          jobs one worker instance runs at once
 * @param pollMs               how often an idle worker looks for due jobs without being woken
 * @param retentionDays        finished jobs and results older than this are deleted
 * @param telegramBotToken     the bot's token ({@code KOS_TELEGRAM_BOT_TOKEN} when not set here)
 * @param telegramApiUrl       the Bot API's base URL
 * @param telegramPerSecond    messages per second to Telegram overall (its limit: 30)
 * @param telegramChatInterval milliseconds between two messages to one chat (its limit: 1 s)
 * @param ipfsGateway          where {@code ipfs://} URIs are fetched ({@code <gateway><cid>/<path>})
 * @param maxFileBytes         the most bytes fetched of a registration or event file
 * @param noopExecutor         serve action type {@code noop} (completes at once; the queue benchmark's)
 */
record ActionsSettings(int attempts, long backoffBaseMs, long backoffCapMs, int leaseSeconds, int concurrency, long pollMs,
                       int retentionDays, String telegramBotToken, String telegramApiUrl, int telegramPerSecond,
                       long telegramChatInterval, String ipfsGateway, int maxFileBytes, boolean noopExecutor) {

  static final String BOT_TOKEN_ENV = "KOS_TELEGRAM_BOT_TOKEN";

  static ActionsSettings parse(JsonObject config) {
    return parse(config, System.getenv());
  }

  static ActionsSettings parse(JsonObject config, Map<String, String> env) {
    JsonFields fields = JsonFields.ofSettings(config).onlyKnown(List.of("attempts", "backoff_base_ms", "backoff_cap_ms",
        "lease_seconds", "concurrency", "poll_ms", "retention_days", "telegram", "ipfs_gateway", "max_file_bytes", "noop_executor"));
    JsonFields telegram = JsonFields.ofSettings(fields.object("telegram", new JsonObject()), "telegram")
        .onlyKnown(List.of("bot_token", "api_url", "messages_per_second", "chat_interval_ms"));
    String token = telegram.string("bot_token", env.getOrDefault(BOT_TOKEN_ENV, ""), 200);
    String gateway = fields.string("ipfs_gateway", "https://ipfs.io/ipfs/", 500);
    long base = fields.integer("backoff_base_ms", 1000L, 10, 3_600_000);
    long cap = fields.integer("backoff_cap_ms", 300_000L, 10, 86_400_000);
    if (cap < base) {
      throw fields.invalid("backoff_cap_ms", "must not be below backoff_base_ms (" + base + ")");
    }
    return new ActionsSettings(fields.intValue("attempts", 5, 1, 100), base, cap, fields.intValue("lease_seconds", 30, 5, 3600),
        fields.intValue("concurrency", 128, 1, 4096), fields.integer("poll_ms", 1000L, 10, 60_000), fields.intValue("retention_days", 90, 1, 3650),
        token, stripSlash(telegram.string("api_url", "https://api.telegram.org", 500)), telegram.intValue("messages_per_second", 30, 1, 1000),
        telegram.integer("chat_interval_ms", 1000L, 0, 60_000), gateway.endsWith("/") ? gateway : gateway + "/",
        fields.intValue("max_file_bytes", 1 << 20, 1024, 64 << 20), fields.bool("noop_executor", false));
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  @Override
  public String toString() {
    return "ActionsSettings[attempts=" + attempts + ", telegramBotToken=" + (telegramBotToken.isEmpty() ? "(none)" : "(set)") + "]";
  }
}
