package io.kos.triggers.bench;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.CpuTime;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The evaluator against many triggers: {@code bench.triggers} enabled triggers of mixed condition
 * types over 5 chains and the 3 registries, then (1) catch-up over {@code bench.events} events
 * already in the log — events/s, CPU per 1000 events, and the time between the commits of its
 * ranges (how long an event waits once read back) — and (2) a steady live push at
 * {@code bench.rate} events/s — p50/p99 of event-to-decision latency (the event's created_at, the
 * start of ingest's insert transaction, to the fire's decided_at, the start of the evaluator's commit
 * transaction: both PostgreSQL's clock), measured on a probe trigger that fires on every event of a
 * sixth chain mixed into each pushed batch. Figures printed, never asserted.
 * Run: {@code mvn -B -Pbench-triggers -DskipTests package -pl verticles/triggers -am}.
 */
public final class TriggersBench {

  private static final int CHAINS = 5;
  private static final String[] REGISTRIES = {"identity", "reputation", "validation"};
  private static final long PROBE_CHAIN = 6;
  private static final int AGENTS = 10_000;
  /** Block times from a week ago: inside ingest's retention, so a restart keeps them. */
  private static final long BASE_TIME = System.currentTimeMillis() / 1000 - 7 * 86_400;

  public static void main(String[] args) throws Exception {
    int triggers = Integer.getInteger("bench.triggers", 10_000);
    int events = Integer.getInteger("bench.events", 1_000_000);
    int rate = Integer.getInteger("bench.rate", 1000);
    int liveSeconds = Integer.getInteger("bench.live_seconds", 30);
    System.out.printf("triggers bench: %d cores, %d triggers, %d events in the log, live %d events/s for %d s%n",
        Runtime.getRuntime().availableProcessors(), triggers, events, rate, liveSeconds);
    String databaseUrl = TestDatabase.freshDatabaseUrl();
    Path dataDir = TestNode.tempDir();
    List<String> nodeArgs = List.of("--http-port", "0", "--data-dir", dataDir.toString(), "--db-url", databaseUrl, "--verticles",
        "ingest,triggers");
    Map<String, String> env = Map.of("KOS_LOGGING_LEVEL", "WARN", "KOS_AUTH_ACCESS_TOKEN_TTL", "4h");
    String key;
    String probe;
    try (NodeProcess node = NodeProcess.startAsDeployed(nodeArgs, env, Duration.ofSeconds(120))) {
      Accounts.Session admin = Accounts.bootstrapAdmin(node.http(), dataDir);
      key = Accounts.apiKey(admin, "bench");
      long begin = System.nanoTime();
      createTriggers(admin.http(), triggers);
      probe = create(admin.http(), new JsonObject().put("name", "probe").put("chain_id", PROBE_CHAIN).put("registry", "reputation")
          .put("fire_limit_per_hour", 100_000));
      System.out.printf("  %d triggers created through the API in %.1f s%n", triggers + 1, (System.nanoTime() - begin) / 1e9);
      begin = System.nanoTime();
      push(node, key, events, 4, 1000, 0);
      System.out.printf("  %d events pushed in %.1f s%n", events, (System.nanoTime() - begin) / 1e9);
    }
    // the backlog: the evaluator starts over at the log's beginning, with no state and no fires
    try (Connection c = TestDatabase.connect(databaseUrl); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE triggers.trigger_cursor SET last_seq = 0");
      s.executeUpdate("TRUNCATE triggers.trigger_fires, triggers.trigger_state");
    }
    // -Dbench.jfr=<file>: the measured node records itself with Flight Recorder
    Map<String, String> measuredEnv = new java.util.HashMap<>(env);
    if (!System.getProperty("bench.jfr", "").isEmpty()) {
      measuredEnv.put("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=filename=" + System.getProperty("bench.jfr") + ",settings=profile");
    }
    try (NodeProcess node = NodeProcess.startAsDeployed(nodeArgs, measuredEnv, Duration.ofSeconds(120))) {
      CpuTime cpu = new CpuTime(node.pid());
      long begin = System.nanoTime();
      long max = single(databaseUrl, "SELECT max(seq) FROM ingest.events");
      while (single(databaseUrl, "SELECT last_seq FROM triggers.trigger_cursor") < max) {
        Thread.sleep(100);
      }
      double seconds = (System.nanoTime() - begin) / 1e9;
      System.out.printf("catch-up: %d events in %.1f s = %.0f events/s (from the node's start: loading triggers included)%n", max, seconds,
          max / seconds);
      System.out.printf("  fire decisions %d; CPU per 1000 events: %s%n", single(databaseUrl, "SELECT count(*) FROM triggers.trigger_fires"),
          cpu.perThousand(max));
      // an event read back is decided when its range commits: the time between commits (each one transaction, one
      // decided_at) bounds how long an event waits once the evaluator has it; a range with no fire merges into the next
      try (Connection c = TestDatabase.connect(databaseUrl); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
          "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), count(*) FROM "
              + "(SELECT extract(epoch FROM decided_at - lag(decided_at) OVER (ORDER BY decided_at)) * 1000 AS ms FROM "
              + "(SELECT DISTINCT decided_at FROM triggers.trigger_fires) d) r WHERE ms IS NOT NULL")) {
        rs.next();
        System.out.printf("  event-to-decision once read back (time between the commits of its ranges, batch_size events each): "
            + "p50 %.1f ms, p99 %.1f ms (%d commits)%n", rs.getDouble(1), rs.getDouble(2), rs.getLong(3) + 1);
      }

      // warm-up, unreported: the per-request paths (HTTP, auth, a small push's transaction) run once per push, and after the
      // catch-up they have run a few hundred times (interpreted or C1); 10,000 small pushes get them compiled as a node
      // that has run for a while has them, then a paced round
      push(node, key, 100_000, 4, 10, 2_000_000);
      live(node, key, rate, liveSeconds, 2_500_000);
      // the bulk loads (catch-up, warm-up) settled, as autovacuum has them on a node that runs for days: the live figures are
      // not those of vacuuming a million fresh rows
      try (Connection c = TestDatabase.connect(databaseUrl); Statement s = c.createStatement()) {
        s.execute("VACUUM (ANALYZE) ingest.events, triggers.trigger_fires, triggers.trigger_state, triggers.trigger_cursor");
        s.execute("CHECKPOINT");
      }
      long fromSeq = single(databaseUrl, "SELECT max(seq) FROM ingest.events");
      // the warm-up's events decided before the measured round starts
      while (single(databaseUrl, "SELECT last_seq FROM triggers.trigger_cursor") < fromSeq) {
        Thread.sleep(50);
      }
      boolean statements = System.getProperty("kos.test.db.preload", "").contains("pg_stat_statements");
      if (statements) {
        try (Connection c = TestDatabase.connect(databaseUrl); Statement s = c.createStatement()) {
          s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
          s.execute("SELECT pg_stat_statements_reset()");
        }
      }
      CpuTime liveCpu = new CpuTime(node.pid());
      int pushed = live(node, key, rate, liveSeconds, 3_000_000);
      if (statements) {
        try (Connection c = TestDatabase.connect(databaseUrl); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
            "SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3), left(regexp_replace(query, '\\s+', ' ', 'g'), 110) "
                + "FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12")) {
          System.out.println("  statements of the live round (calls, total ms, mean ms, query):");
          while (rs.next()) {
            System.out.printf("    %7d %9s %8s  %s%n", rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4));
          }
        }
      }
      long liveMax = single(databaseUrl, "SELECT max(seq) FROM ingest.events");
      while (single(databaseUrl, "SELECT last_seq FROM triggers.trigger_cursor") < liveMax) {
        Thread.sleep(50);
      }
      try (Connection c = TestDatabase.connect(databaseUrl); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
          "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms), count(*) FROM "
              + "(SELECT extract(epoch FROM f.decided_at - e.created_at) * 1000 AS ms FROM triggers.trigger_fires f "
              + "JOIN ingest.events e ON e.id = f.event_id WHERE f.trigger_id = '" + probe + "' AND f.event_seq > " + fromSeq + ") l")) {
        rs.next();
        System.out.printf("live: %d events at %d events/s in pushes every %d ms; event-to-decision latency p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d probe events)%n",
            pushed, rate, Integer.getInteger("bench.tick_ms", 100), rs.getDouble(1), rs.getDouble(2), rs.getDouble(3), rs.getLong(4));
      }
      System.out.printf("  CPU per 1000 live events: %s%n", liveCpu.perThousand(pushed));
    }
  }

  /**
   * Mixed triggers: most follow one agent (the common case), one in 20 watches a whole chain and
   * registry with a selective condition (a rare value, a rare tag, a rare URI scheme), so that the
   * log fires a few percent of its events, not all of them.
   */
  private static void createTriggers(Http http, int count) throws Exception {
    Random random = new Random(8004);
    List<JsonObject> bodies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long chain = 1 + i % CHAINS;
      String registry = REGISTRIES[(i / CHAINS) % REGISTRIES.length];
      JsonArray conditions = new JsonArray();
      boolean broad = i % 20 == 0;
      if (!broad) {
        conditions.add(condition("agent_id_equals", null, "=", Integer.toString(random.nextInt(AGENTS))));
      }
      switch (registry) {
        case "reputation" -> {
          conditions.add(condition("event_type_equals", null, "=", "NewFeedback"));
          switch (i % 4) {
            case 0 -> conditions.add(condition("score_threshold", "value", broad ? ">=" : "<", broad ? "99.5" : "20"));
            case 1 -> conditions.add(condition("ema_threshold", "value", "<", "30").put("config", new JsonObject().put("window_size", 10)
                .put("min_count", 3).put("per_agent", broad)));
            case 2 -> conditions.add(condition("rate_limit", null, ">=", broad ? 5000 : 20).put("config", new JsonObject().put("time_window", "1h")
                .put("reset_on_trigger", true)));
            default -> conditions.add(condition("tag_equals", "tag1", "=", broad ? "rare" : "quality"));
          }
        }
        case "validation" -> {
          conditions.add(condition("event_type_equals", null, "=", "ValidationResponse"));
          conditions.add(condition("validator_whitelist", null, i % 2 == 0 ? "in" : "not_in", new JsonArray().add(validator(1)).add(validator(2))));
          if (broad) {
            conditions.add(condition("score_threshold", "response", "<", 1));
          }
        }
        default -> {
          conditions.add(condition("event_type_equals", null, "=", "URIUpdated"));
          conditions.add(condition("file_uri_exists", "token_uri", "exists", null)
              .put("config", new JsonObject().put("schemes", new JsonArray().add(broad ? "ar" : "ipfs"))));
        }
      }
      bodies.add(new JsonObject().put("name", "t" + i).put("chain_id", chain).put("registry", registry).put("conditions", conditions));
    }
    AtomicInteger next = new AtomicInteger();
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      workers.add(CompletableFuture.runAsync(() -> {
        for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
          create(http, bodies.get(i));
        }
      }));
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
  }

  private static String create(Http http, JsonObject body) {
    Http.Response created = http.postJson("/api/triggers/v1/triggers", body);
    if (created.status() != 201) {
      throw new IllegalStateException("trigger refused: " + created);
    }
    return created.json().getString("id");
  }

  private static JsonObject condition(String type, String field, String operator, Object value) {
    JsonObject c = new JsonObject().put("condition_type", type).put("operator", operator);
    if (value != null) {
      c.put("value", value);
    }
    return field == null ? c : c.put("field", field);
  }

  /** {@code count} events in batches of {@code size} by {@code producers} concurrent producers, blocks from {@code firstBlock}. */
  private static void push(NodeProcess node, String key, int count, int producers, int size, long firstBlock) {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    AtomicInteger nextBatch = new AtomicInteger();
    int batches = (count + size - 1) / size;
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      workers.add(CompletableFuture.runAsync(() -> {
        for (int b = nextBatch.getAndIncrement(); b < batches; b = nextBatch.getAndIncrement()) {
          send(client, node, key, batch(firstBlock + b, Math.min(size, count - b * size), false));
        }
      }));
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
  }

  /**
   * A steady push: every {@code bench.tick_ms} (100) a batch of rate x tick events, one of them on
   * the probe chain (a producer such as the follower pushes a range at a time); returns the events pushed.
   */
  private static int live(NodeProcess node, String key, int rate, int seconds, long firstBlock) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    int tickMs = Integer.getInteger("bench.tick_ms", 100);
    int perTick = Math.max(1, rate * tickMs / 1000);
    int ticks = seconds * 1000 / tickMs;
    long start = System.nanoTime();
    List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
    long[] pushMillis = new long[ticks];
    for (int t = 0; t < ticks; t++) {
      long due = start + t * tickMs * 1_000_000L;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      long sent = System.nanoTime();
      int tick = t;
      inFlight.add(client.sendAsync(request(node, key, batch(firstBlock + t, perTick, true)), HttpResponse.BodyHandlers.ofString())
          .whenComplete((response, failure) -> pushMillis[tick] = (System.nanoTime() - sent) / 1_000_000));
    }
    for (CompletableFuture<HttpResponse<String>> f : inFlight) {
      if (f.get().statusCode() != 200) {
        throw new IllegalStateException("push failed: " + f.get().body());
      }
    }
    java.util.Arrays.sort(pushMillis);
    System.out.printf("  (the pushes themselves, as the producer waits for them: p50 %d ms, p99 %d ms)%n", pushMillis[ticks / 2],
        pushMillis[ticks * 99 / 100]);
    return ticks * perTick;
  }

  private static void send(HttpClient client, NodeProcess node, String key, String body) {
    try {
      HttpResponse<String> response = client.send(request(node, key, body), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("push failed: " + response.statusCode() + " " + response.body());
      }
    } catch (java.io.IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpRequest request(NodeProcess node, String key, String body) {
    return HttpRequest.newBuilder(URI.create(node.url() + "/api/ingest/v1/events")).header("X-API-Key", key)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  /**
   * One block's events, spread over the chains and registries as a live network mixes them
   * (mostly feedback), agents uniform over {@link #AGENTS}; the first on the probe chain when asked.
   */
  private static String batch(long block, int size, boolean withProbe) {
    Random random = new Random(block);
    JsonArray events = new JsonArray();
    for (int i = 0; i < size; i++) {
      long chain = withProbe && i == 0 ? PROBE_CHAIN : 1 + random.nextInt(CHAINS);
      int kind = withProbe && i == 0 ? 0 : random.nextInt(10);
      JsonObject e = new JsonObject().put("chain_id", chain).put("block_number", block).put("block_hash", hash(chain * 100_000_000L + block))
          .put("transaction_hash", hash(block * 10_000 + i)).put("log_index", i).put("timestamp", BASE_TIME + block % 500_000)
          .put("agent_id", Integer.toString(random.nextInt(AGENTS))).put("spec_version", "v1");
      if (kind < 7) {
        e.put("registry", "reputation").put("event_type", "NewFeedback").put("client_address", address(random.nextInt(500)))
            .put("feedback_index", Integer.toString(i + 1)).put("value", Integer.toString(random.nextInt(10_001))).put("value_decimals", 2)
            .put("tag1_text", random.nextInt(4) == 0 ? "latency" : "quality").put("file_uri", "ipfs://bafy/" + i).put("file_hash", hash(i));
      } else if (kind < 9) {
        e.put("registry", "validation").put("event_type", "ValidationResponse").put("validator_address", validator(1 + random.nextInt(4)))
            .put("request_hash", hash(block * 7 + i)).put("response", random.nextInt(101)).put("response_uri", "ipfs://r/" + i);
      } else {
        e.put("registry", "identity").put("event_type", "URIUpdated").put("token_uri", (random.nextBoolean() ? "ipfs://" : "https://a.example/") + i)
            .put("updated_by", address(1));
      }
      events.add(e);
    }
    return new JsonObject().put("events", events).encode();
  }

  private static long single(String databaseUrl, String sql) throws Exception {
    try (Connection c = TestDatabase.connect(databaseUrl); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String validator(int n) {
    return String.format("0x%040x", 0xa0 + n);
  }

  private static String address(int n) {
    return String.format("0x%040x", n);
  }

  private static String hash(long n) {
    return "0x" + String.format("%064x", n);
  }
}
