package io.kos.ronin;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.NetworkNamespace;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.kos.verticle.MdnsService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import javax.jmdns.JmDNS;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * mDNS between two network namespaces joined by a veth pair (multicast does not cross loopback):
 * a hakim node inside the namespace, on its own embedded PostgreSQL, announces
 * {@code _kos-node._tcp.local}; the ronin node on this side browses the pair's /30, probes what it
 * heard and records it verified, found by {@code mdns}. Once the hakim node has stopped (its
 * goodbye sent), a second job hears nothing of it; started again with {@code klf.discoverable: false}
 * it announces nothing at all (a listener of the test's own hears only the ronin node).
 */
class RoninMdnsTest {

  private static final String BASE = "/api/ronin/v1";

  @Test
  void aNodeAnnouncedOnTheLinkIsHeardProbedAndRecorded() throws Exception {
    assumeTrue(NetworkNamespace.available(), "network namespaces need root and iproute2");
    try (NetworkNamespace link = NetworkNamespace.create()) {
      int hakimPort = NodeProcess.freePort();
      Path hakimDir = TestNode.tempDir();
      Path roninDir = TestNode.tempDir();
      Path roninConfig = TestNode.configFile("verticles:\n  deploy: [ronin]\n  config:\n    ronin:\n      scan_allow: [\"" + link.range()
          + "\"]\n      mdns_browse_ms: 3000\n");
      // the embedded PostgreSQL: the namespace cannot reach this side's loopback
      CompletableFuture<NodeProcess> startingHakim = CompletableFuture.supplyAsync(() -> NodeProcess.startIn(link, List.of("--class", "hakim",
          "--verticles", "", "--http-port", Integer.toString(hakimPort), "--data-dir", hakimDir.toString()),
          Map.of("KOS_HTTP_HOST", link.insideAddress(), "KOS_LOGGING_LEVEL", "WARN"), Duration.ofSeconds(120)));
      CompletableFuture<NodeProcess> startingRonin = CompletableFuture.supplyAsync(() -> NodeProcess.start(List.of("--class", "ronin",
          "--config", roninConfig.toString(), "--http-port", "0", "--data-dir", roninDir.toString(), "--db-url", TestDatabase.freshDatabaseUrl()),
          Map.of("KOS_HTTP_HOST", link.outsideAddress(), "KOS_LOGGING_LEVEL", "WARN"), Duration.ofSeconds(120)));
      try (NodeProcess ronin = startingRonin.get(); NodeProcess hakim = startingHakim.get()) {
        Accounts.Session admin = Accounts.bootstrapAdmin(ronin.http(), roninDir);
        String hakimDid = hakim.http().get("/klf/v1/identity").json().getString("nodeId");
        JsonObject body = new JsonObject().put("target", new JsonObject().put("type", "network_cidr").put("value", link.range()))
            .put("protocols", new JsonArray().add("mdns"));

        // the hakim node's announcement may still be in its probing second: ask again until it is heard
        JsonObject found = null;
        for (int attempt = 0; attempt < 5 && found == null; attempt++) {
          found = runJob(admin, body).getJsonArray("services").stream().map(JsonObject.class::cast)
              .filter(s -> hakimDid.equals(s.getString("service_id"))).findFirst().orElse(null);
        }
        assertThat(found).as("the hakim node was not heard").isNotNull();
        assertThat(found.getBoolean("verified")).as(found.encode()).isTrue();
        assertThat(found.getString("node_class")).isEqualTo("hakim");
        assertThat(found.getString("endpoint")).isEqualTo("http://" + link.insideAddress() + ":" + hakimPort);
        assertThat(found.getJsonArray("protocols").getList()).containsExactly("mdns");
        assertThat(found.getJsonObject("discovery_metadata").getString("discovery_method")).isEqualTo("mdns");

        assertThat(hakim.terminate(Duration.ofSeconds(60))).isZero();
        JsonObject after = runJob(admin, body);
        assertThat(after.getJsonArray("services").stream().map(s -> ((JsonObject) s).getString("service_id"))).doesNotContain(hakimDid);

        // the same node (its data dir, so its DID) opted out of discovery announces nothing
        try (NodeProcess hidden = NodeProcess.startIn(link, List.of("--class", "hakim", "--verticles", "", "--http-port",
            Integer.toString(hakimPort), "--data-dir", hakimDir.toString()), Map.of("KOS_HTTP_HOST", link.insideAddress(),
            "KOS_KLF_DISCOVERABLE", "false", "KOS_LOGGING_LEVEL", "WARN"), Duration.ofSeconds(120))) {
          NodeProcess.sleep(2000);
          List<String> announced = announcedDids(link.outsideAddress());
          // the ronin node's own announcement shows the listener hears the link
          assertThat(announced).contains(ronin.http().get("/klf/v1/identity").json().getString("nodeId")).doesNotContain(hakimDid);
          assertThat(hidden.http().get("/klf/v1/identity").status()).isEqualTo(401);
        }
      }
    }
  }

  private static List<String> announcedDids(String onAddress) throws Exception {
    try (JmDNS listener = JmDNS.create(InetAddress.getByName(onAddress), "kos-test-listener")) {
      return Arrays.stream(listener.list(MdnsService.TYPE, 3000)).map(info -> info.getPropertyString(MdnsService.TXT_DID)).toList();
    }
  }

  private static JsonObject runJob(Accounts.Session admin, JsonObject body) {
    String jobId = admin.http().postJson(BASE + "/jobs", body).json().getString("job_id");
    JsonObject job = admin.http().await(BASE + "/jobs/" + jobId, r -> !List.of("pending", "running").contains(r.json().getString("status")),
        Duration.ofSeconds(30)).json();
    assertThat(job.getString("status")).as(job.encode()).isEqualTo("completed");
    return job;
  }
}
