package io.kos.actions.bench;

import io.kos.actions.api.ActionsAddresses;
import io.kos.node.testkit.CpuTime;
import io.kos.node.testkit.TestNode;
import io.kos.verticle.ApiRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The queue on a node with its own embedded PostgreSQL (fsync and synchronous_commit on, as a node
 * runs): (1) no-op jobs enqueued over the bus as fast as {@code bench.window} outstanding requests
 * allow while the workers complete them — enqueue/s and completed/s, with 1 and 2 worker
 * instances; (2) REST jobs to a local receiver at {@code bench.rate} jobs/s for
 * {@code bench.seconds} — delivered/s and p50/p99 from the enqueue request to the receiver's
 * arrival. The bench, the node and the receiver share this JVM and its 2 cores. Knobs:
 * {@code bench.jobs}, {@code bench.window}, {@code bench.rate}, {@code bench.seconds},
 * {@code bench.pool_size} (the actions pool, default 4 as a node has it), {@code bench.jfr} (a file:
 * record the REST round), {@code bench.preload=pg_stat_statements} (print the REST round's
 * statements; runs on the tests' PostgreSQL instead). Figures printed, never asserted. Run: {@code mvn -B -Pbench-actions -DskipTests package -pl verticles/actions -am}.
 */
public final class ActionsBench {

  public static void main(String[] args) throws Exception {
    int jobs = Integer.getInteger("bench.jobs", 50_000);
    int window = Integer.getInteger("bench.window", 512);
    int rate = Integer.getInteger("bench.rate", 1000);
    int seconds = Integer.getInteger("bench.seconds", 30);
    System.out.printf("actions bench: %d cores, %d no-op jobs (window %d), REST at %d jobs/s for %d s%n",
        Runtime.getRuntime().availableProcessors(), jobs, window, rate, seconds);
    for (int instances : new int[] {1, 2}) {
      try (TestNode node = node(instances, "")) {
        throughput(node, jobs / 5, window, "warm-up");
        resetStatements(node);
        throughput(node, jobs, window, instances + " worker instance" + (instances > 1 ? "s" : ""));
        statements(node);
      }
    }
    Vertx receiverVertx = Vertx.vertx();
    Map<String, Long> arrivals = new ConcurrentHashMap<>();
    HttpServer receiver = receiverVertx.createHttpServer().requestHandler(request -> {
      arrivals.put(request.getHeader("webhook-id"), System.nanoTime());
      request.response().end();
    }).listen(0, "127.0.0.1").await();
    try (TestNode node = node(1, "")) {
      JsonObject config = new JsonObject().put("url", "http://127.0.0.1:" + receiver.actualPort() + "/hook");
      JsonObject stored = validated(node, config);
      paced(node, stored, arrivals, rate, 5, "warm-up");
      arrivals.clear();
      resetStatements(node);
      String jfr = System.getProperty("bench.jfr", "");
      jdk.jfr.Recording recording = jfr.isEmpty() ? null : new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
      if (recording != null) {
        recording.start();
      }
      paced(node, stored, arrivals, rate, seconds, "REST at " + rate + " jobs/s");
      if (recording != null) {
        recording.dump(Path.of(jfr));
        recording.close();
      }
      statements(node);
    } finally {
      receiverVertx.close().await();
    }
  }

  private static TestNode node(int instances, String extra) throws Exception {
    Path config = Files.createTempFile("actions-bench", ".yaml");
    Files.writeString(config, """
        verticles:
          config:
            actions:
              instances: %d
              pool_size: %d
              noop_executor: true
        %s""".formatted(instances, Integer.getInteger("bench.pool_size", 4), extra));
    // the node's own embedded PostgreSQL (durable, as a node runs), or with -Dbench.preload the tests' one with that library
    String database = System.getProperty("kos.test.db.preload", "").isEmpty() ? "" : io.kos.node.testkit.TestDatabase.freshDatabaseUrl();
    return TestNode.start(Map.of("verticles.deploy", "actions", "database.url", database, "outbound.allow", "127.0.0.0/8",
        "logging.level", "WARN"), config);
  }

  /** Enqueues {@code jobs} no-op jobs with at most {@code window} requests outstanding; prints both rates. */
  private static void throughput(TestNode node, int jobs, int window, String label) throws Exception {
    Vertx vertx = node.node().vertx();
    CountDownLatch done = new CountDownLatch(jobs);
    var outcomes = vertx.eventBus().<JsonObject>consumer(ActionsAddresses.OUTCOME, message -> done.countDown());
    outcomes.completion().await();
    UUID owner = UUID.randomUUID();
    String run = UUID.randomUUID().toString();
    AtomicInteger next = new AtomicInteger();
    AtomicLong enqueuedAt = new AtomicLong();
    CountDownLatch enqueued = new CountDownLatch(jobs);
    CpuTime cpu = new CpuTime(ProcessHandle.current().pid());
    long start = System.nanoTime();
    Runnable[] send = new Runnable[1];
    send[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= jobs) {
        return;
      }
      enqueue(vertx, run + ":" + i, owner, "noop", new JsonObject(), i).onComplete(reply -> {
        if (reply.failed()) {
          System.err.println("enqueue failed: " + reply.cause());
        }
        enqueued.countDown();
        if (enqueued.getCount() == 0) {
          enqueuedAt.set(System.nanoTime());
        }
        send[0].run();
      });
    };
    vertx.runOnContext(v -> {
      for (int w = 0; w < window; w++) {
        send[0].run();
      }
    });
    if (!done.await(10, TimeUnit.MINUTES)) {
      System.err.println(label + ": only " + (jobs - done.getCount()) + " of " + jobs + " completed");
    }
    long end = System.nanoTime();
    outcomes.unregister().await();
    System.out.printf("  %-22s %,d jobs: enqueued %,.0f jobs/s; enqueued and completed %,.0f jobs/s (%.1f s); CPU per 1000 jobs: %s%n",
        label, jobs, jobs / seconds(start, enqueuedAt.get()), jobs / seconds(start, end), seconds(start, end), cpu(cpu, jobs));
  }

  /** {@code rate} REST jobs a second for {@code seconds}, sent in 10 ms slices; latency from each request to its arrival. */
  private static void paced(TestNode node, JsonObject config, Map<String, Long> arrivals, int rate, int seconds, String label)
      throws Exception {
    Vertx vertx = node.node().vertx();
    Map<String, Long> sent = new ConcurrentHashMap<>();
    Map<String, Long> replied = new ConcurrentHashMap<>();
    UUID owner = UUID.fromString(config.getString("_owner"));
    JsonObject action = config.copy();
    action.remove("_owner");
    String run = UUID.randomUUID().toString();
    int total = rate * seconds;
    int perSlice = Math.max(1, rate / 100);
    AtomicInteger next = new AtomicInteger();
    Promise<Void> allSent = Promise.promise();
    CpuTime cpu = new CpuTime(ProcessHandle.current().pid());
    long start = System.nanoTime();
    vertx.setPeriodic(10, id -> {
      long due = Math.min(total, (System.nanoTime() - start) / 10_000_000L * perSlice + perSlice);
      while (next.get() < due) {
        int i = next.getAndIncrement();
        String key = run + ":" + i;
        sent.put(key, System.nanoTime());
        enqueue(vertx, key, owner, "rest", action, i).onSuccess(reply -> replied.put(key, System.nanoTime()));
      }
      if (next.get() >= total) {
        vertx.cancelTimer(id);
        allSent.complete();
      }
    });
    allSent.future().toCompletionStage().toCompletableFuture().get(seconds + 60L, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (arrivals.size() < total && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    long last = arrivals.values().stream().mapToLong(Long::longValue).max().orElse(start);
    long[] latencies = sent.entrySet().stream().filter(e -> arrivals.containsKey(e.getKey()))
        .mapToLong(e -> arrivals.get(e.getKey()) - e.getValue()).sorted().toArray();
    long[] committed = sent.entrySet().stream().filter(e -> replied.containsKey(e.getKey()))
        .mapToLong(e -> replied.get(e.getKey()) - e.getValue()).sorted().toArray();
    System.out.printf("  %-22s %,d of %,d delivered, %,.0f jobs/s; enqueue to delivery p50 %.1f ms, p99 %.1f ms, max %.1f ms "
        + "(of which the enqueue's commit: p50 %.1f ms, p99 %.1f ms); CPU per 1000 jobs: %s%n", label, latencies.length, total, latencies.length / seconds(start, last),
        ms(percentile(latencies, 0.50)), ms(percentile(latencies, 0.99)), ms(latencies.length == 0 ? 0 : latencies[latencies.length - 1]),
        ms(percentile(committed, 0.50)), ms(percentile(committed, 0.99)), cpu(cpu, total));
  }

  private static boolean counting() {
    return !System.getProperty("kos.test.db.preload", "").isEmpty();
  }

  private static void resetStatements(TestNode node) throws Exception {
    if (counting()) {
      try (var db = node.jdbc(); var sql = db.createStatement()) {
        sql.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        sql.execute("SELECT pg_stat_statements_reset()");
      }
    }
  }

  /** The round's statements by total time (pg_stat_statements), with -Dbench.preload=pg_stat_statements. */
  private static void statements(TestNode node) throws Exception {
    if (!counting()) {
      return;
    }
    try (var db = node.jdbc(); var sql = db.createStatement()) {
      sql.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      try (var rows = sql.executeQuery("SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3), rows, "
          + "left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12")) {
        System.out.println("  statements (calls, total ms, mean ms, rows, query):");
        while (rows.next()) {
          System.out.printf("    %7d %9s %8s %8d  %s%n", rows.getLong(1), rows.getString(2), rows.getString(3), rows.getLong(4), rows.getString(5));
        }
      }
    }
  }

  private static JsonObject validated(TestNode node, JsonObject config) {
    UUID owner = UUID.randomUUID();
    Buffer reply = node.node().vertx().eventBus().<Buffer>request(ActionsAddresses.VALIDATE, ApiRequest.busRequest(new JsonObject()
        .put("owner_id", owner.toString()).put("actions", new io.vertx.core.json.JsonArray().add(new JsonObject().put("action_type", "rest")
            .put("config", config))))).await().body();
    return new JsonObject(reply).getJsonArray("actions").getJsonObject(0).getJsonObject("config").put("_owner", owner.toString());
  }

  private static Future<JsonObject> enqueue(Vertx vertx, String key, UUID owner, String type, JsonObject config, int n) {
    JsonObject body = new JsonObject().put("idempotency_key", key)
        .put("trigger", new JsonObject().put("id", owner.toString()).put("name", "bench").put("owner_id", owner.toString()))
        .put("action", new JsonObject().put("id", 1).put("action_type", type).put("priority", 1).put("config", config))
        .put("event", new JsonObject().put("id", "8453-" + n + "-0").put("chain_id", 8453).put("block_number", n).put("log_index", 0)
            .put("registry", "reputation").put("event_type", "NewFeedback").put("agent_id", Integer.toString(n % 100)).put("score", n % 101)
            .put("timestamp", 1_760_000_000L + n));
    return vertx.eventBus().<Buffer>request(ActionsAddresses.ENQUEUE, ApiRequest.busRequest(body), new DeliveryOptions().setSendTimeout(60_000))
        .map(reply -> new JsonObject(reply.body()));
  }

  /** This JVM holds the node, the load and the receiver: CpuTime's "node" and "load generator" are the same process here. */
  private static String cpu(CpuTime cpu, long jobs) {
    String[] parts = cpu.perThousand(jobs).split(", ");
    return parts[0].replace("node", "this JVM (node, load, receiver)") + ", " + parts[1];
  }

  private static long percentile(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static double seconds(long from, long to) {
    return Math.max(1, to - from) / 1e9;
  }

}
