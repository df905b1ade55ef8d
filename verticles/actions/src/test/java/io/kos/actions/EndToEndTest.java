package io.kos.actions;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.kos.actions.ActionsNode.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Events pushed into ingest, matched by a trigger, delivered by actions: the receiver gets exactly the expected calls, signed. */
class EndToEndTest {

  @Test
  void pushedEventsReachTheReceiverExactlyAsTheTriggerSays() throws Exception {
    try (Receiver receiver = Receiver.start();
         TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest,triggers,actions", "outbound.allow", "127.0.0.0/8"),
             TestNode.configFile("verticles:\n  config:\n    actions:\n      poll_ms: 200\n"))) {
      Accounts.Session alice = node.user("alice", "editor");
      Http producer = node.http().withApiKey(Accounts.apiKey(node.user("producer", "editor"), "producer"));
      JsonObject trigger = new JsonObject().put("name", "good feedback for 42").put("chain_id", 8453).put("registry", "reputation")
          .put("conditions", new JsonArray()
              .add(new JsonObject().put("condition_type", "agent_id_equals").put("operator", "=").put("value", "42"))
              .add(new JsonObject().put("condition_type", "score_threshold").put("field", "score").put("operator", ">=").put("value", 80)))
          .put("actions", new JsonArray().add(new JsonObject().put("action_type", "rest").put("config", new JsonObject()
              .put("url", receiver.url("/feedback")).put("body_template", new JsonObject().put("agent", "{{agent_id}}").put("score", "{{score}}")
                  .put("event", "{{id}}").put("trigger", "{{trigger_name}}")))));
      Http.Response created = alice.http().postJson("/api/triggers/v1/triggers", trigger);
      assertThat(created.status()).as(created.toString()).isEqualTo(201);
      JsonObject action = created.json().getJsonArray("actions").getJsonObject(0);
      String secret = action.getString("webhook_secret");
      assertThat(secret).startsWith("whsec_");
      // shown once: reading the trigger again does not show it
      String triggerId = created.json().getString("id");
      assertThat(alice.http().get("/api/triggers/v1/triggers/" + triggerId).text()).doesNotContain(secret);

      long now = System.currentTimeMillis() / 1000 - 3600;
      int[] scores = {85, 40, 80, 99, 79, 100, 10, 81, 0, 95};
      String[] agents = {"42", "42", "42", "7", "42", "42", "42", "42", "42", "42"};
      JsonArray events = new JsonArray();
      Set<String> expected = new java.util.HashSet<>();
      for (int i = 0; i < scores.length; i++) {
        JsonObject event = new JsonObject().put("chain_id", 8453).put("block_number", 100 + i).put("block_hash", hash(500 + i))
            .put("transaction_hash", hash(900 + i)).put("log_index", 0).put("timestamp", now + i).put("registry", "reputation")
            .put("event_type", "NewFeedback").put("agent_id", agents[i]).put("client_address", "0x00000000000000000000000000000000000000c1")
            .put("score", scores[i]);
        events.add(event);
        if (agents[i].equals("42") && scores[i] >= 80) {
          expected.add("8453-" + (100 + i) + "-0");
        }
      }
      Http.Response pushed = producer.postJson("/api/ingest/v1/events", new JsonObject().put("events", events));
      assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
      await(Duration.ofSeconds(30), () -> receiver.at("/feedback").size() >= expected.size(), expected.size() + " deliveries");
      Thread.sleep(500);
      List<Receiver.Request> deliveries = receiver.at("/feedback");
      assertThat(deliveries).hasSize(expected.size());
      List<JsonObject> bodies = deliveries.stream().map(d -> new JsonObject(d.body())).toList();
      Set<String> delivered = bodies.stream().map(b -> b.getString("event")).collect(Collectors.toSet());
      assertThat(delivered).isEqualTo(expected);
      assertThat(bodies).allSatisfy(b -> {
        assertThat(b.getString("agent")).isEqualTo("42");
        assertThat(b.getInteger("score")).isGreaterThanOrEqualTo(80);
        assertThat(b.getString("trigger")).isEqualTo("good feedback for 42");
      });
      JsonArray verified = NodePeers.verifyWebhooks(secret, deliveries);
      assertThat(verified.stream().map(v -> ((JsonObject) v).getBoolean("ok"))).as(verified.encode()).containsOnly(true);
      // the fires know their jobs, and the jobs their trigger
      await(Duration.ofSeconds(5), () -> alice.http().get("/api/triggers/v1/triggers/" + triggerId + "/fires").json().getJsonArray("fires")
          .stream().allMatch(f -> ((JsonObject) f).getString("job_id") != null), "fires with job ids");
      List<Long> jobs = new ArrayList<>();
      alice.http().get("/api/actions/v1/jobs?trigger_id=" + triggerId).json().getJsonArray("jobs")
          .forEach(j -> jobs.add(((JsonObject) j).getLong("id")));
      assertThat(jobs).hasSize(expected.size());
    }
  }

  private static String hash(long n) {
    return "0x" + String.format("%064x", n);
  }
}
