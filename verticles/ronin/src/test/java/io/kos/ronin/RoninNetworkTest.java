package io.kos.ronin;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three node processes of different classes on 127.0.0.2, .3 and .4 (one port): a network_cidr
 * job of the ronin one over 127.0.0.0/29 finds all three, verified, with their classes and
 * capabilities; the closed hosts of the range cost a refused connection each.
 */
class RoninNetworkTest {

  private static final String BASE = "/api/ronin/v1";

  @Test
  void aRangeScanFindsThreeNodeProcessesVerifiedWithTheirClasses() throws Exception {
    int port = NodeProcess.freePort();
    List<String[]> nodes = List.of(new String[] {"127.0.0.2", "tohunga", "[]"}, new String[] {"127.0.0.3", "ronin", "[ronin]"},
        new String[] {"127.0.0.4", "hakim", "[]"});
    List<Path> dataDirs = new ArrayList<>();
    List<CompletableFuture<NodeProcess>> starting = new ArrayList<>();
    for (String[] node : nodes) {
      Path dataDir = TestNode.tempDir();
      dataDirs.add(dataDir);
      Path config = TestNode.configFile("node:\n  class: " + node[1] + "\nverticles:\n  deploy: " + node[2]
          + "\n  config:\n    ronin:\n      scan_allow: [\"127.0.0.0/29\"]\n      ports: [" + port + "]\nhttp:\n  host: " + node[0] + "\n");
      List<String> args = List.of("--config", config.toString(), "--http-port", Integer.toString(port), "--data-dir", dataDir.toString(),
          "--db-url", TestDatabase.freshDatabaseUrl());
      starting.add(CompletableFuture.supplyAsync(() -> NodeProcess.start(args, Map.of("KOS_LOGGING_LEVEL", "WARN"), Duration.ofSeconds(120))));
    }
    List<NodeProcess> processes = new ArrayList<>();
    try {
      for (CompletableFuture<NodeProcess> process : starting) {
        processes.add(process.get());
      }
      NodeProcess ronin = processes.get(1);
      Accounts.Session admin = Accounts.bootstrapAdmin(ronin.http(), dataDirs.get(1));
      String jobId = admin.http().postJson(BASE + "/jobs", new JsonObject().put("target", new JsonObject().put("type", "network_cidr")
          .put("value", "127.0.0.0/29"))).json().getString("job_id");
      JsonObject job = admin.http().await(BASE + "/jobs/" + jobId, r -> !List.of("pending", "running").contains(r.json().getString("status")),
          Duration.ofSeconds(60)).json();
      assertThat(job.getString("status")).as(job.encode()).isEqualTo("completed");
      assertThat(job.getInteger("probes_done")).isEqualTo(6);
      JsonArray services = job.getJsonArray("services");
      assertThat(services).hasSize(3);
      for (int i = 0; i < nodes.size(); i++) {
        String host = nodes.get(i)[0];
        JsonObject service = services.stream().map(JsonObject.class::cast).filter(s -> s.getString("endpoint").equals("http://" + host + ":" + port))
            .findFirst().orElseThrow(() -> new AssertionError("no service at " + host + ": " + services.encode()));
        assertThat(service.getBoolean("verified")).as(service.encode()).isTrue();
        assertThat(service.getString("node_class")).isEqualTo(nodes.get(i)[1]);
        String did = processes.get(i).http().get("/klf/v1/identity").json().getString("nodeId");
        assertThat(service.getString("service_id")).isEqualTo(did).startsWith("did:kos:" + nodes.get(i)[1] + ":");
      }
      List<String> roninNodes = admin.http().get(BASE + "/services?capability=ronin.services&verified=true").json().getJsonArray("services")
          .stream().map(s -> ((JsonObject) s).getString("node_class")).toList();
      assertThat(roninNodes).containsExactly("ronin");
    } finally {
      processes.forEach(NodeProcess::close);
    }
  }
}
