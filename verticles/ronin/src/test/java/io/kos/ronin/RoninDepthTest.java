package io.kos.ronin;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Depth 2: a Ronin that knows of other nodes is asked (signed KLF) to resolve a DID and for its map;
 * only what this node's own probe verifies is recorded, so a lying Ronin's report of a DID at an
 * endpoint where another node (or a forgery) answers is not taken for that DID.
 */
class RoninDepthTest {

  private static final String BASE = "/api/ronin/v1";
  private static int port;
  private static Vertx vertx;
  private static TestNode near;
  private static TestNode far;
  private static TestNode other;
  private static TestNode asker;
  private static Accounts.Session admin;

  @BeforeAll
  static void start() {
    port = NodeProcess.freePort();
    vertx = Vertx.vertx();
    far = TestNode.start(Map.of("verticles.deploy", "", "http.host", "127.0.0.2", "http.port", Integer.toString(port)));
    other = TestNode.start(Map.of("verticles.deploy", "", "http.host", "127.0.0.4", "http.port", Integer.toString(port)));
    // its KLF questions to other Ronin nodes go through the outbound guard, like every call out of a node
    asker = TestNode.start(Map.of("verticles.deploy", "ronin", "outbound.allow", "127.0.0.0/8"), TestNode.configFile("""
        verticles:
          config:
            ronin:
              scan_allow: ["127.0.0.0/29"]
              connect_timeout_ms: 500
        """));
    // the Ronin that knows the far node, and trusts the asking one
    near = TestNode.start(Map.of("verticles.deploy", "ronin", "http.host", "127.0.0.3", "http.port", Integer.toString(port), "klf.peers",
        new JsonArray().add(new JsonObject().put("did", asker.node().identity().did()).put("role", "viewer")).encode()), TestNode.configFile("""
        verticles:
          config:
            ronin:
              scan_allow: ["127.0.0.0/29"]
              connect_timeout_ms: 500
        """));
    admin = asker.admin();
  }

  @AfterAll
  static void stop() {
    asker.close();
    near.close();
    far.close();
    other.close();
    vertx.close().await();
  }

  private static JsonObject scan(Accounts.Session who, TestNode node, JsonObject params) {
    String jobId = who.http().postJson(BASE + "/jobs", params).json().getString("job_id");
    return who.http().await(BASE + "/jobs/" + jobId, r -> !List.of("pending", "running").contains(r.json().getString("status")),
        Duration.ofSeconds(30)).json();
  }

  private static JsonObject single(String host, int depth) {
    return new JsonObject().put("target", new JsonObject().put("type", "network_cidr").put("value", host)).put("ports", new JsonArray().add(port))
        .put("depth", depth);
  }

  @Test
  void aDidIsResolvedThroughAnotherRoninAndItsMapReadButOnlyVerifiedClaimsAreKept() throws Exception {
    String farDid = far.node().identity().did();
    String otherDid = other.node().identity().did();
    String nearDid = near.node().identity().did();
    // the near Ronin has found the far node; it also "reports" a DID that is nobody's at the other node's endpoint
    Accounts.Session nearAdmin = near.admin();
    assertThat(scan(nearAdmin, near, single("127.0.0.2", 1)).getJsonArray("services_found")).containsExactly(farDid);
    String lie = "did:kos:tohunga:" + "9".repeat(32);
    try (Connection sql = near.jdbc(); PreparedStatement insert = sql.prepareStatement("INSERT INTO ronin.discovered_services (service_id, node_id, "
        + "node_class, endpoint, capabilities, verified, last_seen) VALUES (?, ?, 'tohunga', ?, '[]', true, now())")) {
      insert.setString(1, lie);
      insert.setString(2, lie);
      insert.setString(3, "http://127.0.0.4:" + port);
      insert.executeUpdate();
    }

    // depth 1 from the asker: the near Ronin only (it scans just that host)
    JsonObject flat = scan(admin, asker, single("127.0.0.3", 1));
    assertThat(flat.getJsonArray("services_found")).containsExactly(nearDid);
    // the far DID is not on the asker's map: depth 1 finds nothing, depth 2 asks the near Ronin
    JsonObject unknown = scan(admin, asker, new JsonObject().put("target", new JsonObject().put("type", "did").put("value", farDid)));
    assertThat(unknown.getJsonArray("services_found")).isEmpty();
    JsonObject resolved = scan(admin, asker, new JsonObject().put("target", new JsonObject().put("type", "did").put("value", farDid))
        .put("depth", 2));
    assertThat(resolved.getString("status")).as(resolved.encode()).isEqualTo("completed");
    assertThat(resolved.getJsonArray("services_found")).containsExactly(farDid);

    // depth 2 over the near Ronin's host: its map is read, every endpoint probed; the lie's endpoint answers as the other node
    JsonObject deep = scan(admin, asker, single("127.0.0.3", 2));
    assertThat(deep.getJsonArray("services_found")).containsExactlyInAnyOrder(nearDid, farDid, otherDid);
    assertThat(admin.http().get(BASE + "/services/" + lie).status()).isEqualTo(404);
    JsonObject otherService = admin.http().get(BASE + "/services/" + otherDid).json();
    assertThat(otherService.getBoolean("verified")).isTrue();
    assertThat(otherService.getString("endpoint")).isEqualTo("http://127.0.0.4:" + port);
  }
}
