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
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of a node process while it evaluates: after the restart every event has exactly one
 * fire decision (none missing, none twice) and the stateful conditions counted each event once.
 */
class TriggerCrashTest {

  private static final Duration START = Duration.ofSeconds(120);
  private static final long CHAIN = 91_001;

  @Test
  void aKilledEvaluatorResumesFromItsCursorWithEveryFireOnceAndEveryStateExact() throws Exception {
    Path dataDir = TestNode.tempDir();
    // small ranges: many commits, so the kill falls between two of them rather than after the last
    Path config = TestNode.configFile("verticles:\n  config:\n    triggers:\n      batch_size: 20\n");
    List<String> args = List.of("--config", config.toString(), "--http-port", "0", "--data-dir", dataDir.toString(), "--verticles",
        "ingest,triggers");
    String every;
    String counted;
    try (NodeProcess node = NodeProcess.start(args, Map.of("KOS_LOGGING_LEVEL", "WARN"), START)) {
      Accounts.Session admin = Accounts.bootstrapAdmin(node.http(), dataDir);
      Http http = admin.http();
      // no actions: the fires are recorded (no_actions) without an actions verticle, which this process does not have
      every = create(http, new JsonArray());
      counted = create(http, ExactlyOnce.countingConditions("366d"));
      Http producer = node.http().withApiKey(Accounts.apiKey(admin, "load"));
      // enough events that evaluation is still going when the kill comes
      for (int block = 0; block < 60; block++) {
        JsonArray events = new JsonArray();
        for (int i = 0; i < 500; i++) {
          events.add(Pipeline.feedback(CHAIN, block, i, "7", i % 101));
        }
        Http.Response pushed = producer.postJson("/api/ingest/v1/events", new JsonObject().put("events", events));
        assertThat(pushed.status()).isEqualTo(200);
      }
      assertThat(count(dataDir, "SELECT count(*) FROM triggers.trigger_fires")).as("killed while evaluating").isLessThan(2 * 30_000);
      assertThat(node.kill()).isEqualTo(137);
    }
    try (NodeProcess node = NodeProcess.start(args, Map.of("KOS_LOGGING_LEVEL", "WARN"), START)) {
      long stored = count(dataDir, "SELECT count(*) FROM ingest.events WHERE chain_id = " + CHAIN);
      assertThat(stored).isEqualTo(30_000);
      Pipeline.await(Duration.ofSeconds(60), () -> count(dataDir, "SELECT last_seq FROM triggers.trigger_cursor")
          == count(dataDir, "SELECT max(seq) FROM ingest.events"), "the evaluator to catch up");
      assertThat(count(dataDir, "SELECT count(*) FROM triggers.trigger_fires WHERE trigger_id = '" + every + "'")).isEqualTo(stored);
      // each event decided once, and counted once by each stateful condition, however the kill fell
      ExactlyOnce.assertEachEventCountedOnce(sql -> count(dataDir, sql), counted, stored);
      assertThat(node.terminate(Duration.ofSeconds(30))).isZero();
    }
  }

  private static String create(Http http, JsonArray conditions) {
    Http.Response created = http.postJson("/api/triggers/v1/triggers", new JsonObject().put("name", "crash").put("chain_id", CHAIN)
        .put("registry", "reputation").put("fire_limit_per_hour", 100_000).put("conditions", conditions));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().getString("id");
  }

  /** One number from the node's embedded database. */
  private static long count(Path dataDir, String sql) {
    try (Connection c = TestDatabase.connectEmbedded(dataDir); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
