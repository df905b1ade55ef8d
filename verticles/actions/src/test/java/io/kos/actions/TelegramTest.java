package io.kos.actions;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Telegram delivery against a fake that keeps the Bot API's contract: escaping, 429 retry_after, 400 bad markup. */
class TelegramTest {

  /** Every character MarkdownV2 and HTML reserve, quotes, a newline, and non-ASCII. */
  static final String HOSTILE = "a_b*c[d](e)~f`g>h#i+j-k=l|m{n}o.p!q\\r <b>&amp;</b> \"quoted\" 'single'\nnext line ✓ 日本 \uD83D\uDE80";

  private static TelegramFake telegram;
  private static TestNode node;
  private static Accounts.Session alice;

  @BeforeAll
  static void start() {
    telegram = TelegramFake.start();
    node = ActionsNode.start(telegram.apiUrl(), null, true);
    alice = node.user("alice", "editor");
  }

  @AfterAll
  static void stop() {
    node.close();
    telegram.close();
  }


  private static JsonObject send(JsonObject config, JsonObject event) throws Exception {
    return ActionsNode.deliver(node, alice, "telegram", config, event);
  }

  @Test
  void hostileValuesAreEscapedForMarkdownV2() throws Exception {
    JsonObject job = send(new JsonObject().put("chat_id", -1001234567890L).put("parse_mode", "MarkdownV2")
        .put("text", "*Agent {{agent_id}}* got feedback: {{token_uri}} \\(score {{score}}\\)"), ActionsNode.event("7").put("token_uri", HOSTILE));
    assertThat(job.getString("status")).as(job.encode()).isEqualTo("succeeded");
    JsonObject message = telegram.messages.get(telegram.messages.size() - 1);
    assertThat(message.getString("visible")).isEqualTo("Agent 7 got feedback: " + HOSTILE + " (score 87)");
    assertThat(message.getLong("chat_id")).isEqualTo(-1001234567890L);
  }

  @Test
  void hostileValuesAreEscapedForHtml() throws Exception {
    JsonObject job = send(new JsonObject().put("chat_id", "@kos_alerts").put("parse_mode", "HTML")
        .put("text", "<b>Agent {{agent_id}}</b> &amp; {{token_uri}}"), ActionsNode.event("8").put("token_uri", HOSTILE));
    assertThat(job.getString("status")).as(job.encode()).isEqualTo("succeeded");
    JsonObject message = telegram.messages.get(telegram.messages.size() - 1);
    assertThat(message.getString("visible")).isEqualTo("Agent 8 & " + HOSTILE);
  }

  @Test
  void plainTextPassesValuesAsTheyAre() throws Exception {
    JsonObject job = send(new JsonObject().put("chat_id", 42).put("text", "{{token_uri}}"), ActionsNode.event("9").put("token_uri", HOSTILE));
    assertThat(job.getString("status")).isEqualTo("succeeded");
    assertThat(telegram.messages.get(telegram.messages.size() - 1).getString("text")).isEqualTo(HOSTILE);
  }

  @Test
  void badMarkupInTheTemplateIsAFinalFailure() throws Exception {
    // the user's own text has an unescaped '.', which MarkdownV2 refuses: Telegram answers 400, retrying cannot help
    JsonObject job = send(new JsonObject().put("chat_id", 42).put("parse_mode", "MarkdownV2").put("text", "score {{score}}."),
        ActionsNode.event("10"));
    assertThat(job.getString("status")).isEqualTo("failed");
    assertThat(job.getString("last_error")).contains("400").contains("reserved");
    assertThat(job.getJsonArray("attempts_made")).hasSize(1);
  }

  @Test
  void a429WaitsForRetryAfter() throws Exception {
    telegram.retryAfterSeconds = 1;
    telegram.tooManyRequests.set(1);
    int calls = telegram.callNanos.size();
    JsonObject job = send(new JsonObject().put("chat_id", 43).put("text", "hello {{agent_id}}"), ActionsNode.event("11"));
    assertThat(job.getString("status")).isEqualTo("succeeded");
    List<Long> mine = telegram.callNanos.subList(calls, telegram.callNanos.size());
    assertThat(mine).hasSize(2);
    assertThat(Duration.ofNanos(mine.get(1) - mine.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(job.getJsonArray("attempts_made").getJsonObject(0).getString("status")).isEqualTo("retrying");
    assertThat(job.getJsonArray("attempts_made").getJsonObject(0).getString("error_message")).contains("429");
  }

  @Test
  void theTokenNeverAppearsInAJobOrItsResults() throws Exception {
    JsonObject job = send(new JsonObject().put("chat_id", 44).put("text", "x"), ActionsNode.event("12"));
    assertThat(job.encode()).doesNotContain(TelegramFake.TOKEN);
    assertThat(alice.http().get("/api/actions/v1/results?limit=500").text()).doesNotContain(TelegramFake.TOKEN);
  }
}
