package io.kos.ronin;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.ClusterCerts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two node processes in one cluster (mutual TLS bus on loopback): the ronin one records the other
 * from its {@code kos.node.announce} join, verified from the signed document and without a probe,
 * and marks it when it leaves. A node never records itself.
 */
class RoninClusterTest {

  private static final String BASE = "/api/ronin/v1";
  private static final Duration START = Duration.ofSeconds(120);

  @Test
  void aClusterMemberIsRecordedFromItsAnnouncementAndMarkedWhenItLeaves() throws Exception {
    ClusterCerts certs = ClusterCerts.create("kos");
    int[] ports = {NodeProcess.freePort(), NodeProcess.freePort()};
    Path roninDir = TestNode.tempDir();
    Path hakimDir = TestNode.tempDir();
    CompletableFuture<NodeProcess> startingRonin = CompletableFuture.supplyAsync(() ->
        NodeProcess.start(args(roninDir, "ronin", "ronin", ports[0], ports[1]), env(certs), START));
    CompletableFuture<NodeProcess> startingHakim = CompletableFuture.supplyAsync(() ->
        NodeProcess.start(args(hakimDir, "hakim", "", ports[1], ports[0]), env(certs), START));
    try (NodeProcess ronin = startingRonin.get(); NodeProcess hakim = startingHakim.get()) {
      Accounts.Session admin = Accounts.bootstrapAdmin(ronin.http(), roninDir);
      String hakimDid = hakim.http().get("/klf/v1/identity").json().getString("nodeId");
      String roninDid = ronin.http().get("/klf/v1/identity").json().getString("nodeId");
      // hakim may join before ronin listens: ronin then asks for announcements when it starts (and alive comes every 30 s)
      Http.Response found = admin.http().await(BASE + "/services/" + hakimDid, r -> r.status() == 200, Duration.ofSeconds(75));
      JsonObject member = found.json();
      assertThat(member.getBoolean("verified")).as(member.encode()).isTrue();
      assertThat(member.getString("node_class")).isEqualTo("hakim");
      assertThat(member.getJsonArray("protocols").getList()).containsExactly("cluster");
      assertThat(member.getJsonObject("discovery_metadata").getString("discovery_method")).isEqualTo("cluster");
      assertThat(member.getString("last_error")).isNull();
      assertThat(admin.http().get(BASE + "/services/" + roninDid).status()).isEqualTo(404);

      assertThat(hakim.terminate(Duration.ofSeconds(60))).isZero();
      JsonObject left = admin.http().await(BASE + "/services/" + hakimDid, r -> r.json().getString("last_error") != null,
          Duration.ofSeconds(30)).json();
      assertThat(left.getString("last_error")).startsWith("left the cluster at ");
      assertThat(left.getBoolean("verified")).isTrue();
    }
  }

  private static Map<String, String> env(ClusterCerts certs) {
    Map<String, String> env = new HashMap<>(certs.memberEnv("127.0.0.1"));
    env.put("KOS_LOGGING_LEVEL", "WARN");
    return env;
  }

  private static List<String> args(Path dataDir, String nodeClass, String verticles, int port, int otherPort) {
    return List.of("--class", nodeClass, "--http-port", "0", "--data-dir", dataDir.toString(), "--db-url", TestDatabase.freshDatabaseUrl(),
        "--verticles", verticles, "--cluster", "--cluster-host", "127.0.0.1", "--cluster-port", Integer.toString(port),
        "--cluster-members", "127.0.0.1:" + port + ",127.0.0.1:" + otherPort);
  }
}
