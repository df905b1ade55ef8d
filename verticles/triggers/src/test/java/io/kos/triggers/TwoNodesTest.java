package io.kos.triggers;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two node processes evaluating one database under load: every event decided once, every state
 * exact; one of them killed, the other goes on from the cursor.
 */
class TwoNodesTest {

  private static final Duration START = Duration.ofSeconds(120);
  private static final long CHAIN = 92_001;

  @Test
  void twoEvaluatorsOnOneDatabaseDecideEachEventOnceAndOneTakesOverWhenTheOtherDies() throws Exception {
    String databaseUrl = TestDatabase.freshDatabaseUrl();
    Path config = TestNode.configFile("verticles:\n  config:\n    triggers:\n      batch_size: 50\n");
    Map<String, String> env = Map.of("KOS_LOGGING_LEVEL", "WARN");
    Path dataA = TestNode.tempDir();
    Path dataB = TestNode.tempDir();
    try (NodeProcess a = NodeProcess.start(args(config, dataA, databaseUrl), env, START);
         NodeProcess b = NodeProcess.start(args(config, dataB, databaseUrl), env, START)) {
      Accounts.Session admin = Accounts.bootstrapAdmin(a.http(), dataA);
      String counted = created(admin.http(), ExactlyOnce.countingConditions("7d"));
      // the nodes share no bus: b's evaluator learns of the trigger from trigger_changes on its next round (2 s poll)
      Pipeline.await(Duration.ofSeconds(20), () -> health(b).getInteger("triggers", 0) == 1, "b to load the trigger");
      Http producer = a.http().withApiKey(Accounts.apiKey(admin, "load"));
      for (int block = 0; block < 20; block++) {
        push(producer, block);
      }
      // a dies mid-stream; b takes the rest from the cursor
      assertThat(a.kill()).isEqualTo(137);
      Http producerB = b.http().withApiKey(Accounts.apiKey(Accounts.login(b.http(), admin.user().getString("username")), "load-b"));
      for (int block = 20; block < 30; block++) {
        push(producerB, block);
      }
      long stored = single(databaseUrl, "SELECT count(*) FROM ingest.events WHERE chain_id = " + CHAIN);
      assertThat(stored).isEqualTo(30 * 200);
      Pipeline.await(Duration.ofSeconds(60), () -> single(databaseUrl, "SELECT last_seq FROM triggers.trigger_cursor")
          == single(databaseUrl, "SELECT max(seq) FROM ingest.events"), "b to catch up");
      ExactlyOnce.assertEachEventCountedOnce(sql -> single(databaseUrl, sql), counted, stored);
      assertThat(b.terminate(Duration.ofSeconds(30))).isZero();
    }
  }

  private static List<String> args(Path config, Path dataDir, String databaseUrl) {
    return List.of("--config", config.toString(), "--http-port", "0", "--data-dir", dataDir.toString(), "--db-url", databaseUrl,
        "--verticles", "ingest,triggers");
  }

  private static String created(Http http, JsonArray conditions) {
    Http.Response created = http.postJson("/api/triggers/v1/triggers", new JsonObject().put("name", "two nodes").put("chain_id", CHAIN)
        .put("registry", "reputation").put("fire_limit_per_hour", 100_000).put("conditions", conditions));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().getString("id");
  }

  private static JsonObject health(NodeProcess node) {
    return node.http().get("/health/ready").json().getJsonObject("checks").getJsonObject("verticles").getJsonObject("health")
        .getJsonObject("triggers");
  }

  private static void push(Http producer, int block) {
    JsonArray events = new JsonArray();
    for (int i = 0; i < 200; i++) {
      events.add(Pipeline.feedback(CHAIN, block, i, "7", i % 101));
    }
    Http.Response pushed = producer.postJson("/api/ingest/v1/events", new JsonObject().put("events", events));
    assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
  }

  private static long single(String databaseUrl, String sql) {
    try (Connection c = TestDatabase.connect(databaseUrl); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
