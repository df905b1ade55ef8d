package io.kos.triggers;

import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.kos.actions.api.ActionsAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.kos.triggers.Pipeline.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The circuit breaker fed by kos.actions.outcome: open after N failures, half open after the cooldown, closed by a success or by API. */
class CircuitBreakerTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String BASE = "/api/triggers/v1/triggers/";
  private static TestNode node;
  private static Pipeline pipeline;
  private static Http editor;
  private static Http producer;
  private static ApiContract contract;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "ingest,triggers"), TestNode.configFile(
        "verticles:\n  config:\n    triggers:\n      breaker_failures: 3\n      breaker_cooldown_seconds: 1\n"));
    pipeline = new Pipeline().answer(node.node().vertx());
    editor = node.user("breaker-editor", "editor").http();
    producer = Pipeline.producer(node);
    contract = ApiContract.served(node, TriggersModule.NAME);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void failedDeliveriesOpenItTheCooldownLetsOneThroughAndASuccessClosesIt() throws Exception {
    Http.Response created = editor.postJson("/api/triggers/v1/triggers", TriggerFlowTest.trigger(83_001, new JsonArray()));
    String id = created.json().getString("id");
    Http.Response closed = editor.get(BASE + id + "/circuit-breaker");
    contract.conforms("triggers.breaker", closed, 200);
    assertThat(closed.json().getString("state")).isEqualTo("closed");
    assertThat(closed.json().getInteger("failures_to_open")).isEqualTo(3);

    // three failed attempts (one heard twice, as every node hears it: counted once) open it
    outcome(id, "job-a", 1, "failed");
    outcome(id, "job-a", 1, "failed");
    outcome(id, "job-a", 2, "failed");
    outcome(id, "job-b", 1, "bogus");
    await(WAIT, () -> breaker(id).getInteger("consecutive_failures") == 2, "two failures counted");
    assertThat(breaker(id).getString("state")).isEqualTo("closed");
    outcome(id, "job-b", 1, "dead");
    await(WAIT, () -> breaker(id).getString("state").equals("open"), "the breaker to open");

    // while open, fires are recorded as suppressed, not enqueued
    Pipeline.push(producer, Pipeline.feedback(83_001, 1, 0, "1", 1));
    await(WAIT, () -> fires(id).size() == 1, "the decision");
    assertThat(fires(id).getJsonObject(0).getString("suppressed")).isEqualTo("circuit_open");
    // after the cooldown one fire goes through as the trial; the next waits for its outcome
    Thread.sleep(1100);
    Pipeline.push(producer, Pipeline.feedback(83_001, 2, 0, "1", 1), Pipeline.feedback(83_001, 2, 1, "1", 1));
    await(WAIT, () -> fires(id).size() == 3, "two more decisions");
    assertThat(fires(id).getJsonObject(1).getValue("suppressed")).isNull();
    assertThat(fires(id).getJsonObject(0).getString("suppressed")).isEqualTo("circuit_open");
    await(WAIT, () -> breaker(id).getString("state").equals("half_open"), "half open stored");
    await(WAIT, () -> pipeline.of(id).size() == 1, "the trial enqueued");
    // its success closes the breaker: fires flow again
    outcome(id, "job-c", 1, "succeeded");
    await(WAIT, () -> breaker(id).getString("state").equals("closed"), "closed by the success");
    assertThat(breaker(id).getInteger("consecutive_failures")).isZero();
    Pipeline.push(producer, Pipeline.feedback(83_001, 3, 0, "1", 1));
    await(WAIT, () -> pipeline.of(id).size() == 2, "fires flowing again");
  }

  @Test
  void aFailedTrialReopensAndTheApiResetsIt() throws Exception {
    String id = editor.postJson("/api/triggers/v1/triggers", TriggerFlowTest.trigger(83_002, new JsonArray())).json().getString("id");
    for (int i = 0; i < 3; i++) {
      outcome(id, "job-" + i, 1, "failed");
    }
    await(WAIT, () -> breaker(id).getString("state").equals("open"), "open");
    Thread.sleep(1100);
    Pipeline.push(producer, Pipeline.feedback(83_002, 1, 0, "1", 1));
    await(WAIT, () -> breaker(id).getString("state").equals("half_open"), "half open");
    outcome(id, "job-trial", 1, "failed");
    await(WAIT, () -> breaker(id).getString("state").equals("open"), "open again after the failed trial");
    // a viewer or another editor cannot reset it; the owner can
    contract.conforms("triggers.breaker.reset", node.user("breaker-viewer", "viewer").http().postJson(BASE + id + "/circuit-breaker/reset",
        new JsonObject()), 403);
    contract.conforms("triggers.breaker.reset", node.user("breaker-other", "editor").http().postJson(BASE + id + "/circuit-breaker/reset",
        new JsonObject()), 404);
    contract.conforms("triggers.breaker", node.user("breaker-other2", "editor").http().get(BASE + id + "/circuit-breaker"), 404);
    Http.Response reset = editor.postJson(BASE + id + "/circuit-breaker/reset", new JsonObject());
    contract.conforms("triggers.breaker.reset", reset, 200);
    assertThat(reset.json().getString("state")).isEqualTo("closed");
    Pipeline.push(producer, Pipeline.feedback(83_002, 2, 0, "1", 1));
    await(WAIT, () -> pipeline.of(id).stream().anyMatch(j -> j.getJsonObject("event").getString("id").equals("83002-2-0")),
        "the reset reaching the evaluator: fires flow");
  }

  private static void outcome(String triggerId, String job, int attempt, String status) {
    node.node().vertx().eventBus().publish(ActionsAddresses.OUTCOME, new JsonObject().put("trigger_id", triggerId).put("job_id", job)
        .put("attempt", attempt).put("status", status));
  }

  private static JsonObject breaker(String id) {
    return editor.get(BASE + id + "/circuit-breaker").json();
  }

  private static JsonArray fires(String id) {
    return editor.get(BASE + id + "/fires").json().getJsonArray("fires");
  }
}
