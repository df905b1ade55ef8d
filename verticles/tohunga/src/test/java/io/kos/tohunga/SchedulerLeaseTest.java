package io.kos.tohunga;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static io.kos.tohunga.TohungaNode.BASE;
import static org.assertj.core.api.Assertions.assertThat;

/** Two nodes on one database: one scheduler starts the runs; when its node stops, the other's takes over at once. */
class SchedulerLeaseTest {

  @Test
  void oneSchedulerActsPerClusterAndAnotherTakesOverWhenItStops() throws Exception {
    String database = TestDatabase.freshDatabaseUrl();
    TestNode b = nodeOn(database);
    boolean bStopped = false;
    try (SourceServer server = SourceServer.start(10)) {
      String bDid = b.node().identity().did();
      String aDid;
      Accounts.Session bob = b.user("bob", "editor");
      try (TestNode a = nodeOn(database)) {
        aDid = a.node().identity().did();
        String source = TohungaNode.source(bob, "http_api", new JsonObject().put("base_url", server.url()));
        String pid = bob.http().postJson(BASE + "/pipelines", new JsonObject().put("name", "shared").put("schedule", "* * * * * ?")
            .put("definition", TohungaNode.job(source, new JsonObject().put("path", "/offset"), new JsonArray(), "json_lines"))).json()
            .getString("pipeline_id");
        // b started first and holds the lease: every run is its own
        bob.http().await(BASE + "/pipelines/" + pid + "/runs", r -> r.json().getJsonArray("runs").size() >= 3, Duration.ofSeconds(20));
        assertThat(holder(b)).isEqualTo(bDid);
        assertThat(bob.http().get(BASE + "/pipelines/" + pid + "/runs").json().getJsonArray("runs").stream()
            .map(r -> ((JsonObject) r).getString("run_by")).distinct().toList()).containsExactly(bDid);
        b.close();
        bStopped = true;
        // b gave the lease up when it stopped: a starts the next runs
        a.http().await("/health/live", r -> {
          try {
            return aDid.equals(holder(a));
          } catch (Exception e) {
            return false;
          }
        }, Duration.ofSeconds(10));
        try (Connection db = a.jdbc(); Statement sql = db.createStatement()) {
          a.http().await("/health/live", r -> count(sql, "SELECT count(*) FROM tohunga.acquisition_jobs WHERE run_by = '" + aDid + "'") >= 2,
              Duration.ofSeconds(20));
          sql.execute("UPDATE tohunga.pipelines SET is_active = false");
        }
      }
    } finally {
      if (!bStopped) {
        b.close();
      }
    }
  }

  private static TestNode nodeOn(String database) {
    return TohungaNode.start(Map.of("database.url", database));
  }

  private static String holder(TestNode node) throws Exception {
    try (Connection db = node.jdbc(); Statement sql = db.createStatement(); var rows = sql.executeQuery("SELECT holder FROM tohunga.scheduler_lease")) {
      return rows.next() ? rows.getString(1) : null;
    }
  }

  private static long count(Statement sql, String query) {
    try (var rows = sql.executeQuery(query)) {
      rows.next();
      return rows.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
