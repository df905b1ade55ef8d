package io.kos.actions;

import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static io.kos.actions.ActionsNode.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The node keeps a bot within Telegram's limits: one message per chat per interval, deferred (not failed) when early. */
class TelegramLimitTest {

  @Test
  void messagesToOneChatAreSpacedByTheChatInterval() throws Exception {
    try (TelegramFake telegram = TelegramFake.start();
         TestNode node = ActionsNode.start(telegram.apiUrl(), "      telegram:\n        bot_token: \"" + TelegramFake.TOKEN
             + "\"\n        api_url: \"" + telegram.apiUrl() + "\"\n        chat_interval_ms: 500\n", true)) {
      UUID owner = ActionsNode.ownerOf(node.user("tim", "editor"));
      for (int i = 0; i < 3; i++) {
        ActionsNode.enqueue(node, "limit-" + i + "-" + UUID.randomUUID(), owner, "telegram", 1,
            new JsonObject().put("chat_id", 77).put("text", "n" + i), ActionsNode.event("1"));
      }
      await(Duration.ofSeconds(10), () -> telegram.messages.size() == 3, "three messages");
      List<Long> at = telegram.callNanos;
      assertThat(at).hasSize(3);
      for (int i = 1; i < 3; i++) {
        assertThat(Duration.ofNanos(at.get(i) - at.get(i - 1))).isGreaterThanOrEqualTo(Duration.ofMillis(450));
      }
    }
  }
}
