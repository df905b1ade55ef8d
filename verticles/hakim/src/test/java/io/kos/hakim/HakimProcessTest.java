package io.kos.hakim;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three node processes watched by a hakim node (with actions): one whose embedded PostgreSQL is
 * stopped (every postgres process SIGSTOPped) and then resumed, one whose chain halts and that is
 * then killed (SIGKILL), one left alone. Reports and diagnosis codes as expected; the database
 * alert reaches a REST receiver through actions, escalates after its delay and resolves when the
 * database answers again; the killed node's alert reaches it too.
 */
class HakimProcessTest {

  private static final String BASE = "/api/hakim/v1";

  @Test
  void unhealthyAndKilledNodesAreDiagnosedAlertedEscalatedAndResolved() throws Exception {
    Vertx vertx = Vertx.vertx();
    RestReceiver receiver = new RestReceiver(vertx);
    HttpServer wrongChain = wrongChainRpc(vertx);
    // ingest follows chain 31337 at an RPC endpoint that serves chain 1: the follower halts the chain at once
    Path chainConfig = TestNode.configFile("""
        verticles:
          config:
            ingest:
              chains:
                - chain_id: 31337
                  rpc_url: http://127.0.0.1:%d
                  registries: {identity: "0x8004a818bfb912233c491871b3d84c89a494bd9e"}
        """.formatted(wrongChain.actualPort()));
    Path embeddedDir = TestNode.tempDir();
    List<CompletableFuture<NodeProcess>> starting = List.of(
        // its own embedded PostgreSQL, so that the test can stop it
        CompletableFuture.supplyAsync(() -> NodeProcess.start(List.of("--http-port", "0", "--data-dir", embeddedDir.toString(), "--verticles", ""),
            Map.of("KOS_LOGGING_LEVEL", "WARN"), Duration.ofSeconds(120))),
        CompletableFuture.supplyAsync(() -> NodeProcess.start(List.of("--http-port", "0", "--data-dir", TestNode.tempDir().toString(), "--db-url",
            TestDatabase.freshDatabaseUrl(), "--verticles", ""), Map.of("KOS_LOGGING_LEVEL", "WARN"), Duration.ofSeconds(120))),
        CompletableFuture.supplyAsync(() -> NodeProcess.start(List.of("--http-port", "0", "--data-dir", TestNode.tempDir().toString(), "--db-url",
            TestDatabase.freshDatabaseUrl(), "--verticles", "ingest", "--config", chainConfig.toString()),
            Map.of("KOS_LOGGING_LEVEL", "ERROR", "KOS_OUTBOUND_ALLOW", "127.0.0.0/8"), Duration.ofSeconds(120))));
    List<NodeProcess> nodes = new ArrayList<>();
    try (TestNode hakim = TestNode.start(Map.of("verticles.deploy", "hakim,actions", "outbound.allow", "127.0.0.0/8"), TestNode.configFile("""
        verticles:
          config:
            hakim:
              interval_ms: 300
              # above the 2 s database check a node makes before it answers (a hung database)
              request_timeout_ms: 4000
        """))) {
      for (CompletableFuture<NodeProcess> node : starting) {
        nodes.add(node.get());
      }
      NodeProcess sick = nodes.get(0);
      NodeProcess healthy = nodes.get(1);
      NodeProcess doomed = nodes.get(2);
      Accounts.Session alice = hakim.user("alice", "editor");
      List<String> dids = new ArrayList<>();
      for (NodeProcess node : nodes) {
        dids.add(alice.http().postJson(BASE + "/nodes", new JsonObject().put("endpoint", node.url())).json().getString("did"));
      }
      for (Object[] rule : new Object[][] {{"db", "DATABASE_UNAVAILABLE", dids.get(0)}, {"down", "NODE_UNREACHABLE", dids.get(2)}}) {
        assertThat(alice.http().postJson(BASE + "/alert-rules", new JsonObject().put("name", rule[0]).put("diagnosis_code", rule[1])
            .put("target_node_did", rule[2]).put("severity", "critical").put("cooldown_seconds", 0)
            .put("channels", new JsonArray().add(receiver.channel("/" + rule[0])))
            .put("escalation_policy_id", alice.http().postJson(BASE + "/escalation-policies", new JsonObject().put("name", rule[0] + " escalation")
                .put("levels", new JsonArray().add(new JsonObject().put("after_seconds", 2).put("channels",
                    new JsonArray().add(receiver.channel("/" + rule[0] + "-escalated")))))).json().getString("policy_id"))).status()).isEqualTo(201);
      }
      for (String did : dids) {
        alice.http().await(BASE + "/reports/latest?target=" + did, r -> r.status() == 200, Duration.ofSeconds(30));
      }
      JsonObject halted = latest(alice, dids.get(2), "CHAIN_HALTED");
      assertThat(halted.getString("status")).isEqualTo("Error");
      assertThat(halted.getJsonObject("diagnosis").getString("recommendation")).contains("chain 31337 is halted")
          .contains("serves chain 1, not the configured chain 31337");

      List<Long> postgres = postgresProcesses(embeddedDir);
      signal("STOP", postgres);
      doomed.kill();
      try {
        JsonObject unavailable = latest(alice, dids.get(0), "DATABASE_UNAVAILABLE");
        assertThat(unavailable.getString("status")).isEqualTo("Error");
        JsonObject down = latest(alice, dids.get(2), "NODE_UNREACHABLE");
        assertThat(down.getString("status")).isEqualTo("Error");
        receiver.delivery("/db", "alert");
        receiver.delivery("/down", "alert");
        assertThat(receiver.delivery("/db-escalated", "escalated").getJsonObject("event").getInteger("level")).isEqualTo(1);
      } finally {
        signal("CONT", postgres);
      }
      // the database answers again: the alert resolves itself and the channel hears it
      receiver.delivery("/db", "resolved");
      JsonObject recovered = alice.http().await(BASE + "/reports/latest?target=" + dids.get(0), r -> r.json().getJsonObject("diagnosis")
          .getJsonArray("findings").stream().noneMatch(f -> "DATABASE_UNAVAILABLE".equals(((JsonObject) f).getString("code"))),
          Duration.ofSeconds(30)).json();
      assertThat(recovered.getString("status")).isIn("Healthy", "Warning");
      JsonObject fine = alice.http().get(BASE + "/reports/latest?target=" + dids.get(1)).json();
      assertThat(fine.getString("status")).as(fine.encode()).isIn("Healthy", "Warning");
      assertThat(fine.getJsonObject("diagnosis").getJsonArray("findings").stream().map(f -> ((JsonObject) f).getString("code")))
          .allMatch(Diagnosis::isBanded);
      assertThat(healthy.http().get("/health/ready").status()).isEqualTo(200);
      assertThat(alice.http().get(BASE + "/alerts?status=active&target=" + dids.get(2)).json().getJsonArray("alerts")).hasSize(1);
    } finally {
      nodes.forEach(NodeProcess::close);
      vertx.close().await();
    }
  }

  /** A JSON-RPC endpoint that says it serves chain 1 to every call: a wrong rpc_url, as an operator might configure one. */
  private static HttpServer wrongChainRpc(Vertx vertx) {
    return vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      boolean batch = body.toString().strip().startsWith("[");
      JsonArray answers = new JsonArray();
      for (Object call : batch ? body.toJsonArray() : new JsonArray().add(body.toJsonObject())) {
        answers.add(new JsonObject().put("jsonrpc", "2.0").put("id", ((JsonObject) call).getValue("id")).put("result", "0x1"));
      }
      request.response().putHeader("content-type", "application/json").end(batch ? answers.encode() : answers.getJsonObject(0).encode());
    })).listen(0, "127.0.0.1").await();
  }

  private static JsonObject latest(Accounts.Session who, String did, String code) {
    return who.http().await(BASE + "/reports/latest?target=" + did, r -> r.status() == 200 && code.equals(r.json().getJsonObject("diagnosis")
        .getString("code")), Duration.ofSeconds(30)).json();
  }

  /** The embedded server's postmaster (first line of postmaster.pid) and its children. */
  private static List<Long> postgresProcesses(Path dataDir) throws Exception {
    long postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("pg/postmaster.pid")).get(0).trim());
    List<Long> pids = new ArrayList<>(List.of(postmaster));
    Process children = new ProcessBuilder("pgrep", "-P", Long.toString(postmaster)).start();
    for (String line : new String(children.getInputStream().readAllBytes()).split("\\s+")) {
      if (!line.isBlank()) {
        pids.add(Long.parseLong(line.trim()));
      }
    }
    children.waitFor();
    return pids;
  }

  private static void signal(String signal, List<Long> pids) throws Exception {
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
    pids.forEach(pid -> command.add(Long.toString(pid)));
    assertThat(new ProcessBuilder(command).inheritIO().start().waitFor()).isZero();
  }
}
