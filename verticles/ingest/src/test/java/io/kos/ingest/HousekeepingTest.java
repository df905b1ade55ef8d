package io.kos.ingest;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The hourly rollup behind {@code /stats}, and retention by dropping whole partitions. */
class HousekeepingTest {

  @Test
  void statsCountEventsPerHourChainRegistryAndType() throws Exception {
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"))) {
      Http admin = node.admin().http();
      long hour = (System.currentTimeMillis() / 1000 / 3600) * 3600;
      admin.postJson("/api/ingest/v1/events", Events.batch(Events.feedback(5, 1, 0, hour + 10), Events.feedback(5, 1, 1, hour + 10),
          Events.feedback(5, 2, 0, hour + 20)));
      // current at commit: the rollup is kept by the insert itself
      JsonArray hourly = admin.get("/api/ingest/v1/stats").json().getJsonArray("hourly");
      assertThat(hourly).hasSize(1);
      assertThat(hourly.getJsonObject(0)).isEqualTo(new JsonObject().put("hour", hour).put("chain_id", 5L).put("registry", "reputation")
          .put("event_type", "NewFeedback").put("events", 3L));
      assertThat(admin.get("/api/ingest/v1/stats?from=abc").status()).isEqualTo(400);
    }
  }

  @Test
  void retentionDropsWholePartitionsOlderThanTheWindow() throws Exception {
    String database = TestDatabase.freshDatabaseUrl();
    Path dataDir = TestNode.tempDir();
    Map<String, String> settings = Map.of("verticles.deploy", "ingest", "database.url", database, "node.data_dir", dataDir.toString());
    long now = System.currentTimeMillis() / 1000;
    try (TestNode node = TestNode.start(settings)) {
      Http admin = node.admin().http();
      JsonObject stored = admin.postJson("/api/ingest/v1/events", Events.batch(Events.feedback(6, 1, 0, now - 200 * 86_400L),
          Events.feedback(6, 2, 0, now))).json();
      assertThat(stored.getInteger("accepted")).isEqualTo(2);
    }
    Path shortRetention = TestNode.configFile("verticles:\n  config:\n    ingest:\n      retention_days: 90\n");
    try (TestNode node = TestNode.start(settings, shortRetention);
         Connection c = node.jdbc(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT block_number FROM ingest.events WHERE chain_id = 6")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).as("the recent event stays").isEqualTo(2);
        assertThat(rs.next()).as("the 200-day-old event went with its partition").isFalse();
      }
      try (ResultSet rs = s.executeQuery("SELECT hour, events FROM ingest.events_hourly WHERE chain_id = 6")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).as("the recent event's hour stays in the rollup").isEqualTo(now / 3600 * 3600);
        assertThat(rs.next()).as("the dropped partition's hours left the rollup").isFalse();
      }
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_inherits WHERE inhparent = 'ingest.events'::regclass")) {
        rs.next();
        assertThat(rs.getInt(1)).as("partitions for 90 days back and two months ahead").isBetween(4, 6);
      }
    }
  }

  @Test
  void aPushOfEventsOlderThanRetentionKeepsIsRefusedNamingEachOne() throws Exception {
    Path shortRetention = TestNode.configFile("verticles:\n  config:\n    ingest:\n      retention_days: 90\n");
    long keptFrom = EventStore.monthStart(System.currentTimeMillis() / 1000 - 90 * 86_400L);
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"), shortRetention)) {
      Http admin = node.admin().http();
      // one event of the batch is a second before the oldest month kept: the whole batch is refused, that event named
      Http.Response refused = admin.postJson("/api/ingest/v1/events", Events.batch(Events.feedback(7, 1, 0, keptFrom),
          Events.feedback(7, 2, 0, keptFrom - 1)));
      assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
      assertThat(refused.json().getString("error")).isEqualTo("invalid_events");
      JsonArray problems = refused.json().getJsonArray("problems");
      assertThat(problems).hasSize(1);
      assertThat(problems.getJsonObject(0).getInteger("index")).isEqualTo(1);
      assertThat(problems.getJsonObject(0).getString("field")).isEqualTo("timestamp");
      assertThat(problems.getJsonObject(0).getString("reason")).contains("retention_days 90", java.time.Instant.ofEpochSecond(keptFrom).toString());
      assertThat(count(node, 7)).as("nothing of the batch stored").isZero();
      // from the first second of the oldest month kept: accepted
      Http.Response accepted = admin.postJson("/api/ingest/v1/events", Events.batch(Events.feedback(7, 1, 0, keptFrom)));
      assertThat(accepted.json().getInteger("accepted")).as(accepted.toString()).isEqualTo(1);
      assertThat(count(node, 7)).isOne();
    }
  }

  private static int count(TestNode node, long chain) throws Exception {
    try (Connection c = node.jdbc(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM ingest.events WHERE chain_id = " + chain)) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
