package io.kos.actions;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the process-level tests share: node arguments on a shared database, a trigger that fires a
 * REST delivery for every event of a chain, events pushed in batches, and a receiver that counts
 * deliveries by their id and notices one id delivered twice at the same time.
 */
final class ProcessPipeline {

  /** One master key for every node on the database: each must open what another sealed. */
  static final Map<String, String> ENV = Map.of("KOS_LOGGING_LEVEL", "WARN", "KOS_NODE_MASTER_KEY",
      java.util.Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'k'));

  final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
  final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();
  final AtomicInteger overlaps = new AtomicInteger();
  final Receiver receiver;

  /** @param holdMs how long the receiver holds each delivery (so that a concurrent twin would overlap it) */
  ProcessPipeline(long holdMs) {
    receiver = Receiver.start();
    receiver.responder = request -> {
      String id = request.header("webhook-id");
      deliveries.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
      if (inFlight.putIfAbsent(id, true) != null) {
        overlaps.incrementAndGet();
      }
      receiver.vertxTimer(holdMs, () -> inFlight.remove(id));
      return new Receiver.Reply(200, Map.of(), "", holdMs);
    };
  }

  static List<String> args(Path config, Path dataDir, String databaseUrl, String verticles) {
    return List.of("--config", config.toString(), "--http-port", "0", "--data-dir", dataDir.toString(), "--db-url", databaseUrl,
        "--verticles", verticles);
  }

  static Path config(int leaseSeconds) {
    return io.kos.node.testkit.TestNode.configFile("""
        outbound:
          allow: ["127.0.0.0/8"]
        verticles:
          config:
            actions:
              lease_seconds: %d
              poll_ms: 200
              backoff_base_ms: 50
              backoff_cap_ms: 200
        """.formatted(leaseSeconds));
  }

  /** A trigger firing one REST delivery to the receiver for every reputation event of the chain. */
  String trigger(Http http, long chainId) {
    Http.Response created = http.postJson("/api/triggers/v1/triggers", new JsonObject().put("name", "every event").put("chain_id", chainId)
        .put("registry", "reputation").put("fire_limit_per_hour", 100_000).put("actions", new JsonArray().add(new JsonObject()
            .put("action_type", "rest").put("config", new JsonObject().put("url", receiver.url("/deliveries")).put("timeout_ms", 10_000)))));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().getString("id");
  }

  static void push(Http producer, long chainId, int batches, int perBatch) {
    long timestamp = System.currentTimeMillis() / 1000 - 3600;
    for (int b = 0; b < batches; b++) {
      JsonArray events = new JsonArray();
      for (int i = 0; i < perBatch; i++) {
        events.add(new JsonObject().put("chain_id", chainId).put("block_number", b).put("block_hash", hash(chainId * 1000 + b))
            .put("transaction_hash", hash(b * 100_000L + i + 1)).put("log_index", i).put("timestamp", timestamp + b)
            .put("registry", "reputation").put("event_type", "NewFeedback").put("agent_id", Integer.toString(i % 50))
            .put("client_address", "0x00000000000000000000000000000000000000c1").put("score", i % 101));
      }
      Http.Response pushed = producer.postJson("/api/ingest/v1/events", new JsonObject().put("events", events));
      assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
    }
  }

  /** Waits until every job succeeded; on a timeout the message says where the jobs are. */
  void awaitDelivered(String databaseUrl, int jobs, Duration timeout) throws InterruptedException {
    try {
      ActionsNode.await(timeout, () -> single(databaseUrl, "SELECT count(*) FROM actions.action_jobs WHERE status = 'succeeded'") == jobs,
          "every job delivered");
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": jobs by status " + strings(databaseUrl, "SELECT status || ' ' || count(*) || ' ' "
          + "|| coalesce(max(last_error), '') FROM actions.action_jobs GROUP BY status") + ", fires " + single(databaseUrl,
          "SELECT count(*) FROM triggers.trigger_fires") + ", deliveries " + distinct());
    }
  }

  int distinct() {
    return deliveries.size();
  }

  static long single(String databaseUrl, String sql) {
    try (Connection c = TestDatabase.connect(databaseUrl); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> strings(String databaseUrl, String sql) {
    try (Connection c = TestDatabase.connect(databaseUrl); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      List<String> out = new java.util.ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hash(long n) {
    return "0x" + String.format("%064x", n);
  }
}
