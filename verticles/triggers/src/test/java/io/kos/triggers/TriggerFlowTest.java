package io.kos.triggers;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.kos.triggers.Pipeline.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Events pushed into ingest reach the triggers that match them, and each fire is enqueued once. */
class TriggerFlowTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static TestNode node;
  private static Http editor;
  private static Http producer;
  private static Pipeline pipeline;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "ingest,triggers"));
    pipeline = new Pipeline().answer(node.node().vertx());
    editor = node.user("flow-editor", "editor").http();
    producer = Pipeline.producer(node);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static JsonObject trigger(long chainId, JsonArray conditions) {
    return new JsonObject().put("name", "watch").put("chain_id", chainId).put("registry", "reputation").put("conditions", conditions)
        .put("actions", new JsonArray().add(new JsonObject().put("action_type", "rest").put("priority", 2)
            .put("config", new JsonObject().put("url", "http://127.0.0.1:9/hook"))));
  }

  private static String create(JsonObject trigger) {
    Http.Response created = editor.postJson("/api/triggers/v1/triggers", trigger);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().getString("id");
  }

  @Test
  void aMatchingEventIsEnqueuedOnceWithTheEventAndTheAction() throws Exception {
    String id = create(trigger(81_001, new JsonArray()
        .add(new JsonObject().put("condition_type", "agent_id_equals").put("operator", "=").put("value", "42"))
        .add(new JsonObject().put("condition_type", "score_threshold").put("field", "value").put("operator", ">=").put("value", "0.5"))));
    Pipeline.push(producer, Pipeline.feedback(81_001, 1, 0, "42", 90), Pipeline.feedback(81_001, 1, 1, "43", 90),
        Pipeline.v1Feedback(81_001, 2, 0, "42", "49", 2), Pipeline.v1Feedback(81_001, 2, 1, "42", "75", 2));
    await(WAIT, () -> pipeline.of(id).size() == 2, "two fires of " + id);
    List<JsonObject> jobs = pipeline.of(id);
    assertThat(jobs).extracting(j -> j.getJsonObject("event").getString("id")).containsExactly("81001-1-0", "81001-2-1");
    JsonObject first = jobs.get(0);
    assertThat(first.getString("idempotency_key")).startsWith(id + ":81001-1-0:");
    assertThat(first.getJsonObject("action").getString("action_type")).isEqualTo("rest");
    assertThat(first.getJsonObject("action").getInteger("priority")).isEqualTo(2);
    assertThat(first.getJsonObject("trigger").getString("name")).isEqualTo("watch");
    assertThat(first.getJsonObject("event").getLong("seq")).isPositive();
    // the same events pushed again are duplicates for ingest: nothing new to evaluate, nothing fired twice
    Pipeline.push(producer, Pipeline.feedback(81_001, 1, 0, "42", 90));
    Pipeline.push(producer, Pipeline.feedback(81_001, 3, 0, "42", 0));
    Thread.sleep(500);
    assertThat(pipeline.of(id)).hasSize(2);
    // the history shows both fires with their job ids, newest first
    await(WAIT, () -> editor.get("/api/triggers/v1/triggers/" + id + "/fires").json().getJsonArray("fires").stream()
        .allMatch(f -> ((JsonObject) f).getString("job_id") != null), "job ids recorded");
    JsonArray fires = editor.get("/api/triggers/v1/triggers/" + id + "/fires").json().getJsonArray("fires");
    assertThat(fires).hasSize(2);
    assertThat(fires.getJsonObject(0).getString("event_id")).isEqualTo("81001-2-1");
    // live, the evaluator took the events as published, with no read-back; every event is counted one way or the other
    JsonObject health = evaluatorHealth();
    assertThat(health.getLong("evaluated_as_published")).as(health.encode()).isPositive();
    assertThat(health.getLong("evaluated_as_published") + health.getLong("read_back")).isEqualTo(health.getLong("evaluated"));
  }

  @Test
  void aStatefulTriggerKeepsItsStateAcrossARestartAndNeverCountsTwice() throws Exception {
    String id = create(trigger(81_002, new JsonArray()
        .add(new JsonObject().put("condition_type", "ema_threshold").put("field", "score").put("operator", ">=").put("value", 50)
            .put("config", new JsonObject().put("alpha", "0.5")))
        .add(new JsonObject().put("condition_type", "rate_limit").put("operator", ">=").put("value", 2)
            .put("config", new JsonObject().put("time_window", "1h")))));
    Pipeline.push(producer, Pipeline.feedback(81_002, 1, 0, "1", 100), Pipeline.feedback(81_002, 2, 0, "1", 0));
    await(WAIT, () -> state(id).getJsonObject(0).getLong("last_seq") > 0
        && counted(state(id).getJsonObject(1)) == 2, "both events applied");
    // EMA 100 then 50: the second event fires (50 >= 50, two events in the hour)
    await(WAIT, () -> pipeline.of(id).size() == 1, "one fire");
    assertThat(state(id).getJsonObject(0).getJsonObject("state").getJsonObject("averages").getJsonObject("").getString("ema")).isEqualTo("50");
    // replaying the cursor (as a crash before the commit would) applies nothing twice: per-condition last_seq
    try (Connection c = node.jdbc(); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE triggers.trigger_cursor SET last_seq = 0");
    }
    Pipeline.push(producer, Pipeline.feedback(81_002, 3, 0, "1", 0));
    await(WAIT, () -> counted(state(id).getJsonObject(1)) == 3,
        "the third event counted");
    assertThat(state(id).getJsonObject(0).getJsonObject("state").getJsonObject("averages").getJsonObject("").getString("ema")).isEqualTo("25");
    assertThat(state(id).getJsonObject(0).getJsonObject("state").getJsonObject("averages").getJsonObject("").getLong("count")).isEqualTo(3);
    Thread.sleep(300);
    assertThat(pipeline.of(id)).as("no fire made twice by the replay").hasSize(1);
  }

  /**
   * The events a rate_limit state counts, over all its buckets: the test's block times are a second
   * apart, and one in thirty runs a bucket's edge falls between two of them.
   */
  private static long counted(JsonObject rateLimit) {
    return rateLimit.getJsonObject("state").getJsonArray("buckets").stream().mapToLong(bucket -> ((JsonArray) bucket).getLong(1)).sum();
  }

  @Test
  void firesPastTheHourlyLimitAreRecordedAsSuppressed() throws Exception {
    JsonObject body = trigger(81_003, new JsonArray()).put("fire_limit_per_hour", 2);
    String id = create(body);
    Pipeline.push(producer, Pipeline.feedback(81_003, 1, 0, "1", 1), Pipeline.feedback(81_003, 1, 1, "1", 1),
        Pipeline.feedback(81_003, 1, 2, "1", 1));
    await(WAIT, () -> editor.get("/api/triggers/v1/triggers/" + id + "/fires").json().getJsonArray("fires").size() == 3, "three decisions");
    JsonArray fires = editor.get("/api/triggers/v1/triggers/" + id + "/fires").json().getJsonArray("fires");
    assertThat(fires.stream().map(f -> ((JsonObject) f).getString("suppressed")).toList()).containsExactly("fire_limit", null, null);
    Thread.sleep(300);
    assertThat(pipeline.of(id)).hasSize(2);
  }

  @Test
  void aDisabledOrDeletedTriggerStopsFiring() throws Exception {
    String id = create(trigger(81_004, new JsonArray()));
    Pipeline.push(producer, Pipeline.feedback(81_004, 1, 0, "1", 1));
    await(WAIT, () -> pipeline.of(id).size() == 1, "the first fire");
    assertThat(editor.patchJson("/api/triggers/v1/triggers/" + id, new JsonObject().put("enabled", false)).status()).isEqualTo(200);
    Thread.sleep(200);
    Pipeline.push(producer, Pipeline.feedback(81_004, 2, 0, "1", 1));
    // the event is decided while the trigger is disabled (a lagging evaluator would decide it with the trigger as it is then)
    long seq = editor.get("/api/ingest/v1/events/81004-2-0").json().getLong("seq");
    await(WAIT, () -> evaluatorCursor() >= seq, "the evaluator past the event");
    assertThat(editor.patchJson("/api/triggers/v1/triggers/" + id, new JsonObject().put("enabled", true)).status()).isEqualTo(200);
    Pipeline.push(producer, Pipeline.feedback(81_004, 3, 0, "1", 1));
    await(WAIT, () -> pipeline.of(id).size() == 2, "the fire after re-enabling");
    assertThat(pipeline.of(id).get(1).getJsonObject("event").getString("id")).as("the event pushed while disabled is not evaluated")
        .isEqualTo("81004-3-0");
    assertThat(editor.delete("/api/triggers/v1/triggers/" + id).status()).isEqualTo(204);
    Thread.sleep(200);
    Pipeline.push(producer, Pipeline.feedback(81_004, 4, 0, "1", 1));
    Thread.sleep(500);
    assertThat(pipeline.of(id)).hasSize(2);
  }

  @Test
  void firesWaitInTheOutboxWhileNoActionsVerticleAnswers() throws Exception {
    String id = create(trigger(81_005, new JsonArray()));
    pipeline.stop();
    try {
      Pipeline.push(producer, Pipeline.feedback(81_005, 1, 0, "1", 1));
      await(WAIT, () -> editor.get("/api/triggers/v1/triggers/" + id + "/fires").json().getJsonArray("fires").size() == 1, "the decision");
      Thread.sleep(300);
      assertThat(pipeline.of(id)).isEmpty();
      try (Connection c = node.jdbc(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM triggers.trigger_fires WHERE job_id IS NULL AND trigger_id = '" + id + "'")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    } finally {
      pipeline.answer(node.node().vertx());
    }
    await(WAIT, () -> pipeline.of(id).size() == 1, "the relay delivering once actions answers");
  }

  @Test
  void aBacktestDecidesAsLiveEvaluationDid() throws Exception {
    String id = create(trigger(81_006, new JsonArray()
        .add(new JsonObject().put("condition_type", "ema_threshold").put("field", "value").put("operator", ">=").put("value", "40")
            .put("config", new JsonObject().put("window_size", 3).put("per_agent", true)))
        .add(new JsonObject().put("condition_type", "rate_limit").put("operator", ">=").put("value", 2)
            .put("config", new JsonObject().put("time_window", "1h").put("reset_on_trigger", true)))));
    JsonObject[] events = new JsonObject[40];
    for (int i = 0; i < events.length; i++) {
      events[i] = i % 2 == 0 ? Pipeline.feedback(81_006, 1 + i / 10, i % 10, Integer.toString(i % 3), (i * 37) % 101)
          : Pipeline.v1Feedback(81_006, 1 + i / 10, i % 10, Integer.toString(i % 3), Integer.toString((i * 53) % 10_001), 2);
    }
    Pipeline.push(producer, events);
    JsonArray stored = editor.get("/api/ingest/v1/events?chain_id=81006&limit=100").json().getJsonArray("events");
    long first = stored.getJsonObject(0).getLong("seq");
    long last = stored.getJsonObject(stored.size() - 1).getLong("seq");
    await(WAIT, () -> evaluatorCursor() >= last, "live evaluation");
    await(WAIT, () -> editor.get("/api/triggers/v1/triggers/" + id + "/fires?limit=200").json().getJsonArray("fires").stream()
        .allMatch(f -> ((JsonObject) f).getString("job_id") != null), "the fires enqueued");
    List<String> live = pipeline.of(id).stream().map(j -> j.getJsonObject("event").getString("id")).toList();
    assertThat(live).isNotEmpty().hasSizeLessThan(events.length);
    Http.Response backtest = editor.postJson("/api/triggers/v1/triggers/" + id + "/backtest", new JsonObject().put("from_seq", first).put("to_seq", last));
    assertThat(backtest.status()).as(backtest.toString()).isEqualTo(200);
    assertThat(backtest.json().getLong("events_evaluated")).isEqualTo(events.length);
    assertThat(backtest.json().getLong("fires")).isEqualTo(live.size());
    assertThat(backtest.json().getJsonArray("first_fires").stream().map(f -> ((JsonObject) f).getString("event_id")).toList())
        .containsExactlyInAnyOrderElementsOf(live);
    // the same by block time: these events span the range from the first's time to the last's
    Http.Response byTime = editor.postJson("/api/triggers/v1/triggers/" + id + "/backtest", new JsonObject()
        .put("from_time", stored.getJsonObject(0).getLong("timestamp")).put("to_time", stored.getJsonObject(stored.size() - 1).getLong("timestamp")));
    assertThat(byTime.status()).as(byTime.toString()).isEqualTo(200);
    assertThat(byTime.json().getLong("fires")).isEqualTo(live.size());
    // nothing changed by it: the live state still has its 40 samples' worth, no new fire
    Thread.sleep(200);
    assertThat(pipeline.of(id)).hasSize(live.size());
  }

  private static long evaluatorCursor() {
    return evaluatorHealth().getLong("cursor");
  }

  private static JsonObject evaluatorHealth() {
    return node.http().get("/health/ready").json().getJsonObject("checks").getJsonObject("verticles").getJsonObject("health")
        .getJsonObject("triggers");
  }

  private static JsonArray state(String id) {
    return editor.get("/api/triggers/v1/triggers/" + id + "/state").json().getJsonArray("conditions");
  }
}
