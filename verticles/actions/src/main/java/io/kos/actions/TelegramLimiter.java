package io.kos.actions;

import io.vertx.core.shareddata.Shareable;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Telegram's limits for a bot, kept for all the node's workers at once (one instance in the
 * node's local shared data): at most {@code perSecond} messages in any second, and one message per
 * chat every {@code chatIntervalMs}. Nodes on one database do not share it: each node keeps the
 * bot within the limits for what it sends (docs/actions.md).
 */
final class TelegramLimiter implements Shareable {

  private final int perSecond;
  private final long chatIntervalMs;
  private final ArrayDeque<Long> sent = new ArrayDeque<>();
  private final Map<String, Long> nextByChat = new HashMap<>();

  TelegramLimiter(int perSecond, long chatIntervalMs) {
    this.perSecond = perSecond;
    this.chatIntervalMs = chatIntervalMs;
  }

  /** 0 when a message to the chat may go now (and is counted), else how many ms to wait. */
  synchronized long reserve(String chat, long nowMs) {
    Long chatNext = nextByChat.get(chat);
    if (chatNext != null && chatNext > nowMs) {
      return chatNext - nowMs;
    }
    while (!sent.isEmpty() && sent.peekFirst() <= nowMs - 1000) {
      sent.pollFirst();
    }
    if (sent.size() >= perSecond) {
      return Math.max(1, sent.peekFirst() + 1000 - nowMs);
    }
    sent.addLast(nowMs);
    if (nextByChat.size() > 10_000) {
      nextByChat.values().removeIf(next -> next <= nowMs);
    }
    nextByChat.put(chat, nowMs + chatIntervalMs);
    return 0;
  }
}
