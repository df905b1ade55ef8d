package io.kos.ingest;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.kos.verticle.Addresses;
import io.vertx.core.eventbus.DeliveryOptions;
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
  void anOldEventPushedAgainAfterItsPartitionWasDroppedIsStoredAgain() throws Exception {
    Path shortRetention = TestNode.configFile("verticles:\n  config:\n    ingest:\n      retention_days: 90\n");
    long old = System.currentTimeMillis() / 1000 - 200 * 86_400L;
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"), shortRetention)) {
      Http admin = node.admin().http();
      // accepted (the log keeps what is pushed), in a partition its writer makes, which retention then drops
      for (int round = 1; round <= 3; round++) {
        Http.Response pushed = admin.postJson("/api/ingest/v1/events", Events.batch(Events.feedback(7, round, 0, old)));
        assertThat(pushed.status()).as("round " + round + ": " + pushed).isIn(200, 201);
        assertThat(pushed.json().getInteger("accepted")).as(pushed.toString()).isEqualTo(1);
        JsonObject dropped = node.node().vertx().eventBus().<JsonObject>request(Addresses.retention("ingest"), null,
            new DeliveryOptions().setLocalOnly(true)).await().body();
        assertThat(dropped.getJsonArray("dropped")).as("round " + round).hasSize(1);
      }
      try (Connection c = node.jdbc(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM ingest.events WHERE chain_id = 7")) {
        rs.next();
        assertThat(rs.getInt(1)).isZero();
      }
    }
  }
}
