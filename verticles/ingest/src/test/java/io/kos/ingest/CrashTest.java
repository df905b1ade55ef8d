package io.kos.ingest;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** kill -9 of a node under push load: every acknowledged event is in the table after the restart. */
class CrashTest {

  private static final Duration START = Duration.ofSeconds(120);

  @Test
  void everyAcknowledgedEventSurvivesKillDashNine() throws Exception {
    Path dataDir = TestNode.tempDir();
    List<String> args = List.of("--http-port", "0", "--data-dir", dataDir.toString(), "--verticles", "ingest");
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    long now = System.currentTimeMillis() / 1000;
    try (NodeProcess node = NodeProcess.start(args, Map.of(), START)) {
      Accounts.Session admin = Accounts.bootstrapAdmin(node.http(), dataDir);
      Http producer = node.http().withApiKey(Accounts.apiKey(admin, "load"));
      AtomicBoolean running = new AtomicBoolean(true);
      List<CompletableFuture<Void>> producers = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        long chain = 70 + p;
        producers.add(CompletableFuture.runAsync(() -> {
          for (long block = 0; running.get(); block++) {
            JsonArray events = new JsonArray();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
              events.add(Events.feedback(chain, block, i, now));
              ids.add(chain + "-" + block + "-" + i);
            }
            try {
              Http.Response response = producer.postJson("/api/ingest/v1/events", new JsonObject().put("events", events));
              if (response.status() == 200) {
                acknowledged.addAll(ids);
              }
            } catch (RuntimeException connectionLost) {
              return;
            }
          }
        }));
      }
      NodeProcess.sleep(3000);
      assertThat(node.kill()).isEqualTo(137);
      running.set(false);
      CompletableFuture.allOf(producers.toArray(CompletableFuture[]::new)).join();
    }
    assertThat(acknowledged).as("the load acknowledged batches before the kill").hasSizeGreaterThan(100);
    try (NodeProcess node = NodeProcess.start(args, Map.of(), START)) {
      Set<String> stored = new HashSet<>();
      try (Connection c = TestDatabase.connectEmbedded(dataDir);
           Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM ingest.events")) {
        while (rs.next()) {
          stored.add(rs.getString(1));
        }
      }
      assertThat(stored).containsAll(acknowledged);
      assertThat(node.terminate(Duration.ofSeconds(30))).isZero();
    }
  }
}
