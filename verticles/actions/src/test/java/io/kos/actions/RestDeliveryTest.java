package io.kos.actions;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.kos.actions.ActionsNode.await;
import static org.assertj.core.api.Assertions.assertThat;

/** REST delivery against a real local receiver: statuses, timeouts, redirects, Standard Webhooks signatures. */
class RestDeliveryTest {

  private static Receiver receiver;
  private static TestNode node;
  private static Accounts.Session alice;

  @BeforeAll
  static void start() {
    receiver = Receiver.start();
    node = ActionsNode.start();
    alice = node.user("alice", "editor");
  }

  @AfterAll
  static void stop() {
    node.close();
    receiver.close();
  }

  private static JsonObject deliver(JsonObject config, JsonObject event) throws Exception {
    return ActionsNode.deliver(node, alice, "rest", config, event);
  }

  private static UUID owner() {
    return ActionsNode.ownerOf(alice);
  }


  @Test
  void theBodyTemplateIsRenderedAndTheDeliveryIsSignedPerStandardWebhooks() throws Exception {
    String secret = RestAction.newSecret();
    JsonObject hostile = ActionsNode.event("42").put("token_uri", "\"},{\"injected\":true,\"x\":\"\n\u2028\\").put("score", 87);
    JsonObject config = new JsonObject().put("url", receiver.url("/hook/{{agent_id}}?score={{score}}")).put("secret", secret)
        .put("headers", new JsonObject().put("X-Agent", "agent {{agent_id}}"))
        .put("body_template", new JsonObject().put("text", "agent {{agent_id}} scored {{score}}: {{token_uri}}").put("score", "{{score}}")
            .put("nested", new JsonArray().add("{{event_type}}").add(new JsonObject().put("when", "{{timestamp}}"))));
    JsonObject job = deliver(config, hostile);
    assertThat(job.getString("status")).isEqualTo("succeeded");
    Receiver.Request delivery = receiver.at("/hook/42").get(0);
    assertThat(delivery.query()).isEqualTo("score=87");
    assertThat(delivery.header("x-agent")).isEqualTo("agent 42");
    JsonObject body = new JsonObject(delivery.body());
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("text", "score", "nested");
    assertThat(body.getString("text")).isEqualTo("agent 42 scored 87: " + hostile.getString("token_uri"));
    assertThat(body.getValue("score")).isEqualTo(87);
    assertThat(body.getJsonArray("nested").getString(0)).isEqualTo("NewFeedback");
    assertThat(body.getJsonArray("nested").getJsonObject(1).getString("when")).isEqualTo("2023-11-14T22:13:20Z");
    assertThat(delivery.header("webhook-id")).isEqualTo(job.getString("idempotency_key")).isEqualTo(delivery.header("x-kos-delivery-id"));
    JsonArray verified = NodePeers.verifyWebhooks(secret, List.of(delivery));
    assertThat(verified.getJsonObject(0).getBoolean("ok")).as(verified.encode()).isTrue();
    // and a wrong secret does not verify: the check is real
    JsonArray wrong = NodePeers.verifyWebhooks(RestAction.newSecret(), List.of(delivery));
    assertThat(wrong.getJsonObject(0).getBoolean("ok")).isFalse();
  }

  @Test
  void aSecretIsGeneratedWhenNoneIsGivenAndShownOnlyInTheValidateReply() throws Exception {
    JsonObject reply = ActionsNode.validate(node, owner(), new JsonArray().add(new JsonObject().put("action_type", "rest")
        .put("config", new JsonObject().put("url", receiver.url("/generated")))));
    JsonObject checked = reply.getJsonArray("actions").getJsonObject(0);
    String secret = checked.getString("secret");
    assertThat(secret).startsWith("whsec_");
    assertThat(checked.getJsonObject("config").encode()).doesNotContain(secret).contains("secret_sealed");
    long id = ActionsNode.enqueue(node, "gen-" + UUID.randomUUID(), owner(), "rest", 1, checked.getJsonObject("config"),
        ActionsNode.event("9")).getLong("job_id");
    await(Duration.ofSeconds(10), () -> receiver.at("/generated").size() == 1, "the delivery");
    assertThat(NodePeers.verifyWebhooks(secret, receiver.at("/generated")).getJsonObject(0).getBoolean("ok")).isTrue();
    JsonObject shown = alice.http().get("/api/actions/v1/jobs/" + id).json();
    assertThat(shown.encode()).doesNotContain(secret).doesNotContain("secret_sealed");
    assertThat(shown.getJsonObject("config").getString("secret")).isEqualTo("(sealed)");
    // the default body: trigger, action, the whole event
    JsonObject body = new JsonObject(receiver.at("/generated").get(0).body());
    assertThat(body.getJsonObject("event").getString("agent_id")).isEqualTo("9");
    assertThat(body.getString("delivery_id")).isEqualTo(shown.getString("idempotency_key"));
  }

  @Test
  void aSealedSecretDoesNotOpenForAnotherOwner() {
    JsonObject sealed = ActionsNode.validate(node, owner(), new JsonArray().add(new JsonObject().put("action_type", "rest")
        .put("config", new JsonObject().put("url", receiver.url("/x"))))).getJsonArray("actions").getJsonObject(0).getJsonObject("config");
    JsonObject refused = ActionsNode.validate(node, UUID.randomUUID(), new JsonArray().add(new JsonObject().put("action_type", "rest")
        .put("config", sealed)));
    assertThat(refused.getInteger("status")).isEqualTo(422);
    assertThat(refused.getString("field")).isEqualTo("actions[0].config.secret_sealed");
  }

  @Test
  void expectedStatusDecidesWhatIsDelivered() throws Exception {
    receiver.responder = request -> request.path().equals("/created") ? Receiver.Reply.status(201) : Receiver.Reply.ok();
    assertThat(deliver(new JsonObject().put("url", receiver.url("/created")), ActionsNode.event("1")).getString("status")).isEqualTo("succeeded");
    JsonObject strict = deliver(new JsonObject().put("url", receiver.url("/created")).put("expected_status", 200), ActionsNode.event("1"));
    assertThat(strict.getString("status")).isEqualTo("failed");
    assertThat(strict.getString("last_error")).contains("201");
    receiver.responder = request -> Receiver.Reply.ok();
  }

  @Test
  void aSlowReceiverTimesOutAndIsRetried() throws Exception {
    receiver.responder = request -> request.path().equals("/slow") ? new Receiver.Reply(200, Map.of(), "", 2500) : Receiver.Reply.ok();
    JsonObject job = deliver(new JsonObject().put("url", receiver.url("/slow")).put("timeout_ms", 1000), ActionsNode.event("1"));
    receiver.responder = request -> Receiver.Reply.ok();
    assertThat(job.getString("status")).isEqualTo("dead");
    assertThat(job.getJsonArray("attempts_made")).hasSize(3);
    assertThat(job.getString("last_error")).contains("within 1000 ms");
    assertThat(job.getJsonArray("attempts_made").getJsonObject(0).getInteger("duration_ms")).isBetween(900, 2000);
  }

  @Test
  void redirectsAreFollowedAndEachHopIsChecked() throws Exception {
    receiver.responder = request -> switch (request.path()) {
      case "/moved" -> Receiver.Reply.redirect(307, "/landed");
      case "/see-other" -> Receiver.Reply.redirect(303, receiver.url("/landed-get"));
      case "/loop" -> Receiver.Reply.redirect(302, "/loop");
      case "/off-node" -> Receiver.Reply.redirect(302, "http://10.0.0.1/internal");
      default -> Receiver.Reply.ok();
    };
    assertThat(deliver(new JsonObject().put("url", receiver.url("/moved")), ActionsNode.event("1")).getString("status")).isEqualTo("succeeded");
    assertThat(receiver.at("/landed").get(0).method()).isEqualTo("POST");
    assertThat(deliver(new JsonObject().put("url", receiver.url("/see-other")), ActionsNode.event("1")).getString("status")).isEqualTo("succeeded");
    assertThat(receiver.at("/landed-get").get(0).method()).isEqualTo("GET");
    JsonObject loop = deliver(new JsonObject().put("url", receiver.url("/loop")), ActionsNode.event("1"));
    assertThat(loop.getString("status")).isEqualTo("failed");
    assertThat(loop.getString("last_error")).contains("after 5 redirects");
    JsonObject offNode = deliver(new JsonObject().put("url", receiver.url("/off-node")), ActionsNode.event("1"));
    assertThat(offNode.getString("status")).isEqualTo("failed");
    assertThat(offNode.getString("last_error")).contains("refused").contains("10.0.0.0/8");
    JsonObject notFollowed = deliver(new JsonObject().put("url", receiver.url("/moved")).put("follow_redirects", false), ActionsNode.event("1"));
    assertThat(notFollowed.getString("status")).isEqualTo("failed");
    assertThat(notFollowed.getString("last_error")).contains("follow_redirects is false");
    receiver.responder = request -> Receiver.Reply.ok();
  }

  @Test
  void aConnectionRefusedIsRetried() throws Exception {
    JsonObject job = deliver(new JsonObject().put("url", "http://127.0.0.1:9/closed"), ActionsNode.event("1"));
    assertThat(job.getString("status")).isEqualTo("dead");
    assertThat(job.getJsonArray("attempts_made")).hasSize(3);
  }
}
