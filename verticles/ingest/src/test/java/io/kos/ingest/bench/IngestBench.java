package io.kos.ingest.bench;

import io.kos.ingest.LocalChain;
import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.CpuTime;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.postgresql.PGConnection;

import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sustained push ingest against the raw limit measured in the same run: batches of 1000 events
 * pushed by several concurrent producers through a real node process, then PostgreSQL {@code COPY}
 * of rows of the same shape into the same table and indexes. Figures printed, never asserted.
 * Run: {@code mvn -B -Pbench-ingest -DskipTests package -pl verticles/ingest -am}.
 */
public final class IngestBench {

  /** Every column either version's bench event fills, the derived ones included, so COPY writes what the push writes. */
  private static final List<String> COLUMNS = List.of("id", "chain_id", "block_number", "block_hash", "transaction_hash", "log_index",
      "timestamp", "registry", "event_type", "agent_id", "client_address", "score", "tag1", "tag1_text", "tag2", "tag2_text", "file_uri",
      "file_hash", "feedback_index", "endpoint", "spec_version", "value", "value_decimals", "value_decimal");
  /** {@code -Dbench.spec=v1}: NewFeedback events in the January 2026 shape (value, string tags, endpoint); default v0.4. */
  private static final boolean V1 = "v1".equals(System.getProperty("bench.spec", "v0.4"));

  public static void main(String[] args) throws Exception {
    int batches = Integer.getInteger("bench.batches", 100);
    int producers = Integer.getInteger("bench.producers", 4);
    int rounds = Integer.getInteger("bench.rounds", 2);
    int batchSize = 1000;
    System.out.printf("ingest bench: %d cores, %d batches of %d %s events per round, %d producers, %d rounds%n",
        Runtime.getRuntime().availableProcessors(), batches, batchSize, V1 ? "v1" : "v0.4", producers, rounds);
    String databaseUrl = TestDatabase.freshDatabaseUrl();
    Path dataDir = TestNode.tempDir();
    try (NodeProcess node = NodeProcess.startAsDeployed(List.of("--http-port", "0", "--data-dir", dataDir.toString(), "--db-url", databaseUrl,
        "--verticles", "ingest"), benchEnv(), Duration.ofSeconds(120))) {
      Accounts.Session admin = Accounts.bootstrapAdmin(node.http(), dataDir);
      String key = Accounts.apiKey(admin, "bench");
      long now = System.currentTimeMillis() / 1000;
      long chain = 1;
      // round 0 warms the node's JIT and PostgreSQL's caches and is not reported: the figures are for sustained
      // ingest (with half a round of warm-up, round 1 still showed a third more node CPU per event than round 2)
      for (int round = 0; round <= rounds; round++) {
        List<String> bodies = bodies(chain++, batches, batchSize, now);
        if (round == 0) {
          push(node, key, bodies, producers);
          continue;
        }
        Result push = push(node, key, bodies, producers);
        Result copy = copy(node, databaseUrl, chain++, batches * batchSize, now);
        System.out.printf("round %d%n  push API: %8.0f events/s   batch latency p50 %6.1f ms  p99 %6.1f ms%n", round, push.eventsPerSecond,
            push.p50, push.p99);
        System.out.printf("  COPY:     %8.0f rows/s (one COPY of %d rows, same table and indexes)%n", copy.eventsPerSecond, batches * batchSize);
        System.out.printf("  push / COPY = %.0f%%%n", 100 * push.eventsPerSecond / copy.eventsPerSecond);
        System.out.printf("  CPU per 1000 events: push %s%n                       COPY %s%n", push.cpu, copy.cpu);
      }
    }
    int followerEvents = Integer.getInteger("bench.follower_events", 100_000);
    if (followerEvents > 0) {
      follow(followerEvents);
    }
  }

  /** The built-in follower reading a local chain that holds {@code count} events (1000 per block). */
  private static void follow(int count) throws Exception {
    if (!LocalChain.available()) {
      System.out.println("follower: skipped, node is not installed");
      return;
    }
    try (LocalChain chain = LocalChain.start()) {
      Path state = chain.newState();
      long begin = System.nanoTime();
      JsonObject deployed = chain.emit(state, V1 ? "v1-bulk" : "bulk", Integer.toString(count));
      System.out.printf("%nfollower: %d %s NewFeedback events emitted on ganache in %.0f s%n", count, V1 ? "v1" : "v0.4",
          (System.nanoTime() - begin) / 1e9);
      long head = chain.head();
      Path dataDir = TestNode.tempDir();
      Path config = TestNode.configFile(LocalChain.followerConfig(List.of(chain.chainEntry(chain.chainId(), deployed,
          deployed.getLong("deployBlock"), 0, 10, V1 ? "erc8004-v1" : "erc8004-v0.4"))));
      long start = System.nanoTime();
      try (NodeProcess node = NodeProcess.startAsDeployed(List.of("--config", config.toString(), "--http-port", "0", "--data-dir", dataDir.toString(),
          "--db-url", TestDatabase.freshDatabaseUrl(), "--verticles", "ingest"), benchEnv(), Duration.ofSeconds(120))) {
        Accounts.Session admin = Accounts.bootstrapAdmin(node.http(), dataDir);
        long readyAt = System.nanoTime();
        CpuTime cpu = new CpuTime(node.pid());
        long chainCpu = CpuTime.of(chain.pid());
        long atReady = checkpoint(admin);
        long reached = atReady;
        while (reached < head) {
          Thread.sleep(100);
          reached = checkpoint(admin);
        }
        long end = System.nanoTime();
        long firstBlock = deployed.getLong("deployBlock");
        // the bulk events fill the last count/1000 blocks, 1000 per block
        long eventsAfterReady = Math.min(count, Math.max(0, head - Math.max(atReady, firstBlock)) * 1000L);
        System.out.printf("  followed to head (block %d) in %.1f s from process spawn (%.0f events/s including the node's start);%n"
            + "  after ready: %d events in %.1f s = %.0f events/s decoded and stored (10 blocks of 1000 logs per eth_getLogs)%n",
            head, (end - start) / 1e9, count / ((end - start) / 1e9), eventsAfterReady, (end - readyAt) / 1e9,
            eventsAfterReady / ((end - readyAt) / 1e9));
        if (eventsAfterReady > 0) {
          System.out.printf("  CPU per 1000 events after ready: %s, ganache (serving eth_getLogs) %.1f ms%n", cpu.perThousand(eventsAfterReady),
              (CpuTime.of(chain.pid()) - chainCpu) * 1000.0 / eventsAfterReady / 1e6);
        }
      }
    }
  }

  private static List<String> bodies(long chain, int batches, int batchSize, long now) {
    List<String> bodies = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      JsonArray events = new JsonArray();
      for (int i = 0; i < batchSize; i++) {
        events.add(event(chain, b, i, now));
      }
      bodies.add(new JsonObject().put("events", events).encode());
    }
    return bodies;
  }

  /** Quiet logs, long-lived tokens; {@code -Dbench.jfr=<file>} records the node with Flight Recorder. */
  private static Map<String, String> benchEnv() {
    Map<String, String> env = new java.util.HashMap<>(Map.of("KOS_LOGGING_LEVEL", "WARN", "KOS_AUTH_ACCESS_TOKEN_TTL", "4h"));
    String jfr = System.getProperty("bench.jfr", "");
    if (!jfr.isEmpty()) {
      env.put("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=filename=" + jfr + ",settings=profile");
    }
    return env;
  }

  private static long checkpoint(Accounts.Session admin) {
    JsonObject checkpoint = admin.http().get("/api/ingest/v1/chains").json().getJsonArray("chains").getJsonObject(0).getJsonObject("checkpoint");
    return checkpoint == null ? -1 : checkpoint.getLong("block_number");
  }

  private record Result(double eventsPerSecond, double p50, double p99, String cpu) {
  }

  private static Result push(NodeProcess node, String key, List<String> bodies, int producers) throws Exception {
    String url = node.url() + "/api/ingest/v1/events";
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    AtomicInteger next = new AtomicInteger();
    long[] latencies = new long[bodies.size()];
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    CpuTime cpu = new CpuTime(node.pid());
    long begin = System.nanoTime();
    for (int p = 0; p < producers; p++) {
      workers.add(CompletableFuture.runAsync(() -> {
        for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
          long start = System.nanoTime();
          try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url)).header("X-API-Key", key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(bodies.get(i))).build(),
                HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 || !response.body().contains("\"accepted\":1000")) {
              throw new IllegalStateException("push failed: " + response.statusCode() + " " + response.body());
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          latencies[i] = System.nanoTime() - start;
        }
      }));
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
    double seconds = (System.nanoTime() - begin) / 1e9;
    String spent = cpu.perThousand(bodies.size() * 1000L);
    Arrays.sort(latencies);
    return new Result(bodies.size() * 1000 / seconds, latencies[latencies.length / 2] / 1e6, latencies[latencies.length * 99 / 100] / 1e6,
        spent);
  }

  private static Result copy(NodeProcess node, String databaseUrl, long chain, int rows, long now) throws Exception {
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < rows; i++) {
      JsonObject e = event(chain, i / 1000, i % 1000, now);
      // what the push derives: the spec version, the tag text, the value and its exact decimal
      e.put("spec_version", V1 ? "v1" : "v0.4");
      if (!V1) {
        e.put("tag1_text", "quality").put("value", e.getValue("score")).put("value_decimals", 0);
      }
      e.put("value_decimal", new java.math.BigDecimal(e.getValue("value").toString()).movePointLeft(e.getInteger("value_decimals")).toPlainString());
      csv.append(String.join(",", COLUMNS.stream().map(column -> e.getValue(column) == null ? "" : e.getValue(column).toString()).toList()))
          .append('\n');
    }
    try (Connection c = TestDatabase.connect(databaseUrl)) {
      CpuTime cpu = new CpuTime(node.pid());
      long begin = System.nanoTime();
      c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY ingest.events (" + String.join(", ", COLUMNS) + ") FROM STDIN WITH (FORMAT csv)",
          new StringReader(csv.toString()));
      double seconds = (System.nanoTime() - begin) / 1e9;
      // measured before the connection closes: its server process ends with it
      return new Result(rows / seconds, 0, 0, cpu.perThousand(rows));
    }
  }

  private static JsonObject event(long chain, long block, int logIndex, long timestamp) {
    JsonObject event = new JsonObject()
        .put("id", chain + "-" + block + "-" + logIndex)
        .put("chain_id", chain)
        .put("block_number", block)
        .put("block_hash", hash(chain * 1_000_000_000L + block))
        .put("transaction_hash", hash(block * 100_000 + logIndex))
        .put("log_index", logIndex)
        .put("timestamp", timestamp + block)
        .put("registry", "reputation")
        .put("event_type", "NewFeedback")
        .put("agent_id", Long.toString(1000 + logIndex % 50))
        .put("client_address", String.format("0x%040x", logIndex % 97))
        .put("file_uri", "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/" + logIndex)
        .put("file_hash", hash(block + 17));
    if (V1) {
      return event.put("value", Integer.toString(logIndex * 37 - 500)).put("value_decimals", 2).put("tag1_text", "quality")
          .put("tag2_text", "latency").put("endpoint", "https://agent.example.org/a2a").put("feedback_index", Integer.toString(logIndex));
    }
    return event.put("score", logIndex % 101).put("tag1", "0x7175616c69747900000000000000000000000000000000000000000000000000")
        .put("tag2", hash(logIndex));
  }

  private static String hash(long n) {
    return "0x" + String.format("%064x", n);
  }
}
