package io.kos.node;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** Graceful stop on SIGTERM and recovery after kill -9, with real node processes. */
class ShutdownTest {

  private static final Duration START = Duration.ofSeconds(90);

  @Test
  void sigtermLetsInFlightRequestsCompleteAndExitsZero() {
    try (NodeProcess node = NodeProcess.start(List.of("--http-port", "0", "--data-dir", TestNode.tempDir().toString(),
        "--db-url", TestDatabase.freshDatabaseUrl(), "--verticles", "probe"), Map.of(), START)) {
      Http http = node.http();
      List<CompletableFuture<Http.Response>> inFlight = new ArrayList<>();
      ExecutorService clients = Executors.newFixedThreadPool(6);
      for (int i = 0; i < 6; i++) {
        inFlight.add(CompletableFuture.supplyAsync(() -> http.get("/api/probe/v1/slow?ms=2000"), clients));
      }
      NodeProcess.sleep(600);
      long signalled = System.nanoTime();
      int exitCode = node.terminate(Duration.ofSeconds(30));
      long stopMillis = (System.nanoTime() - signalled) / 1_000_000;

      assertThat(exitCode).as(node.log()).isZero();
      for (CompletableFuture<Http.Response> request : inFlight) {
        Http.Response response = request.join();
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.json().getInteger("slept_ms")).isEqualTo(2000);
      }
      assertThat(stopMillis).as("waited for the in-flight requests").isGreaterThanOrEqualTo(1000);
      boolean refused;
      try {
        http.get("/health/live");
        refused = false;
      } catch (UncheckedIOException e) {
        refused = true;
      }
      assertThat(refused).as("no longer accepting").isTrue();
      clients.shutdown();
      System.out.println("graceful stop with 6 in-flight requests took " + stopMillis + " ms");
    }
  }

  @Test
  void sigtermDuringStartStopsOnceUpAndLeavesNoPostgresRunning() {
    Path dataDir = TestNode.tempDir();
    try (NodeProcess node = NodeProcess.spawn(List.of("--http-port", "0", "--data-dir", dataDir.toString(), "--verticles", "probe"), Map.of())) {
      node.awaitOutput("embedded PostgreSQL on", START);
      assertThat(node.terminate(Duration.ofSeconds(60))).as(node.log()).isZero();
      assertThat(node.log()).contains("ready in", "stopping (graceful");
      assertThat(dataDir.resolve("pg/postmaster.pid")).as("embedded PostgreSQL stopped").doesNotExist();
    }
  }

  @Test
  void killDashNineLosesNothingAcknowledgedAndTheNextStartRecovers() {
    Path dataDir = TestNode.tempDir();
    List<String> args = List.of("--http-port", "0", "--data-dir", dataDir.toString(), "--verticles", "probe");
    long noteId;
    String did;
    try (NodeProcess node = NodeProcess.start(args, Map.of(), START)) {
      did = node.http().get("/klf/v1/identity").json().getString("nodeId");
      noteId = Accounts.bootstrapAdmin(node.http(), dataDir).http().postJson("/api/probe/v1/notes", new JsonObject().put("text", "acknowledged before the crash"))
          .json().getLong("id");
      assertThat(node.kill()).isEqualTo(137);
    }
    // the embedded PostgreSQL of the killed node is still running: the next start must stop it and go on
    try (NodeProcess node = NodeProcess.start(args, Map.of(), START)) {
      assertThat(node.http().get("/klf/v1/identity").json().getString("nodeId")).isEqualTo(did);
      assertThat(Accounts.login(node.http(), "admin").http().get("/api/probe/v1/notes/" + noteId).json().getString("text")).isEqualTo("acknowledged before the crash");
      assertThat(node.log()).contains("left running by an earlier node process");
      assertThat(node.terminate(Duration.ofSeconds(30))).isZero();
    }
  }
}
