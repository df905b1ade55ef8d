package io.kos.ronin;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The map kept true: services whose last sighting the test sets in the past (the clock the sweep
 * reads is the database's; the rows are what the test fakes) are re-probed — a live node's
 * last_seen refreshed, a gone one's last_error set and left stale — and forgotten after
 * forget_after.
 */
class RoninMapTest {

  private static final String BASE = "/api/ronin/v1";
  private static int port;
  private static TestNode kos;
  private static TestNode ronin;
  private static Accounts.Session user;

  @BeforeAll
  static void start() {
    port = NodeProcess.freePort();
    kos = TestNode.start(Map.of("verticles.deploy", "", "http.host", "127.0.0.2", "http.port", Integer.toString(port)));
    ronin = TestNode.start(Map.of("verticles.deploy", "ronin"), TestNode.configFile("""
        verticles:
          config:
            ronin:
              scan_allow: ["127.0.0.0/29"]
              stale_after_seconds: 600
              forget_after_seconds: 3600
              reprobe_interval_seconds: 300
              sweep_ms: 100
              connect_timeout_ms: 500
        """));
    user = ronin.user("ana", "viewer");
  }

  @AfterAll
  static void stop() {
    ronin.close();
    kos.close();
  }

  private static void seen(String id, String endpoint, long secondsAgo) throws Exception {
    try (Connection sql = ronin.jdbc(); PreparedStatement insert = sql.prepareStatement("INSERT INTO ronin.discovered_services "
        + "(service_id, node_id, node_class, endpoint, verified, first_seen, last_seen) VALUES (?, ?, 'allinone', ?, true, "
        + "now() - ? * interval '1 second', now() - ? * interval '1 second')")) {
      insert.setString(1, id);
      insert.setString(2, id);
      insert.setString(3, endpoint);
      insert.setLong(4, secondsAgo);
      insert.setLong(5, secondsAgo);
      insert.executeUpdate();
    }
  }

  @Test
  void knownServicesAreReprobedMarkedStaleAndForgotten() throws Exception {
    String live = kos.node().identity().did();
    String gone = "did:kos:allinone:" + "d".repeat(32);
    String outside = "did:kos:allinone:" + "e".repeat(32);
    String ancient = "did:kos:allinone:" + "f".repeat(32);
    seen(live, "http://127.0.0.2:" + port, 1800);
    seen(gone, "http://127.0.0.4:" + port, 1200);
    seen(outside, "http://127.0.0.9:" + port, 1200);
    seen(ancient, "http://127.0.0.2:" + port, 7200);

    // the live node answers: seen now, fresh again
    JsonObject refreshed = user.http().await(BASE + "/services/" + live, r -> r.status() == 200 && !r.json().getBoolean("stale"),
        Duration.ofSeconds(20)).json();
    assertThat(refreshed.getString("last_error")).isNull();
    assertThat(refreshed.getJsonObject("discovery_metadata").getString("discovery_method")).isEqualTo("http-api");
    // the gone one keeps its row, stale, with why; the one outside scan_allow is not probed
    JsonObject stale = user.http().await(BASE + "/services/" + gone, r -> r.json().getString("last_error") != null, Duration.ofSeconds(20)).json();
    assertThat(stale.getBoolean("stale")).isTrue();
    assertThat(stale.getString("last_error")).startsWith("re-probe: no kOS identity at http://127.0.0.4:" + port + " (closed");
    JsonObject skipped = user.http().await(BASE + "/services/" + outside, r -> r.json().getString("last_error") != null, Duration.ofSeconds(20))
        .json();
    assertThat(skipped.getString("last_error")).isEqualTo("re-probe skipped: 127.0.0.9 is outside scan_allow");
    // not seen for forget_after: gone from the map
    user.http().await(BASE + "/services/" + ancient, r -> r.status() == 404, Duration.ofSeconds(20));
    Http.Response fresh = user.http().get(BASE + "/services?fresh_within=10m");
    assertThat(fresh.json().getJsonArray("services").stream().map(s -> ((JsonObject) s).getString("service_id"))).contains(live)
        .doesNotContain(gone, outside, ancient);
  }
}
