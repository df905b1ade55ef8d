package io.kos.hakim;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hakim benchmark, against a hakim node process: (1) {@code bench.targets} (200) lightweight
 * targets in this JVM (each a key of its own, serving a freshly signed health document) watched at
 * a 10 s interval for {@code bench.seconds} (60): CPU of the hakim process per poll, reports stored
 * per second, poll latency p50/p99 (the poller's own timer, request to stored report); (2) the
 * same targets polled as fast as the poller goes (interval 100 ms) for 20 s: the capacity; (3) a
 * trend query over 30 days of 200 targets at a 10 s interval (the five-minute rollup those reports
 * make, 30 samples a bucket, three metrics): p50/p99 ms of {@code GET /reports/trends} through the
 * API at 1h and 1d buckets.
 *
 * <pre>mvn -B -Pbench-hakim -DskipTests package -pl verticles/hakim -am</pre>
 */
public final class HakimBench {

  private static final Pattern QUANTILE = Pattern.compile("kos_hakim_poll_seconds\\{[^}]*quantile=\"(0\\.5|0\\.99)\"[^}]*} ([0-9.eE+-]+)");
  private static final long TICKS_PER_SECOND = 100;

  public static void main(String[] args) throws Exception {
    int targets = Integer.getInteger("bench.targets", 200);
    int seconds = Integer.getInteger("bench.seconds", 60);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    List<FakeNode> fakes = new ArrayList<>();
    for (int i = 0; i < targets; i++) {
      fakes.add(new FakeNode(vertx, "tohunga"));
    }
    System.out.printf("%d targets on loopback, each serving a freshly signed health document%n", targets);
    run(fakes, TestDatabase.freshDatabaseUrl(), 10_000, seconds, "10 s interval");
    run(fakes, TestDatabase.freshDatabaseUrl(), 100, 20, "as fast as it goes (interval 100 ms)");
    trends(fakes, TestDatabase.freshDatabaseUrl());
    vertx.close().await();
  }

  private static void run(List<FakeNode> fakes, String database, long intervalMs, int seconds, String label) throws Exception {
    Path dataDir = TestNode.tempDir();
    Path config = TestNode.configFile("""
        verticles:
          config:
            hakim:
              interval_ms: %d
              concurrency: 64
        """.formatted(intervalMs));
    List<String> nodeArgs = List.of("--config", config.toString(), "--http-port", "0", "--data-dir", dataDir.toString(), "--db-url", database,
        "--verticles", "hakim");
    try (NodeProcess node = NodeProcess.startAsDeployed(nodeArgs, Map.of("KOS_LOGGING_LEVEL", "WARN", "KOS_OUTBOUND_ALLOW", "127.0.0.0/8"),
        Duration.ofSeconds(120))) {
      Accounts.Session admin = Accounts.bootstrapAdmin(node.http(), dataDir);
      for (FakeNode fake : fakes) {
        Http.Response added = admin.http().postJson("/api/hakim/v1/nodes", new JsonObject().put("endpoint", fake.url()));
        if (added.status() != 201) {
          throw new IllegalStateException("could not watch " + fake.url() + ": " + added);
        }
      }
      // a round and a half to warm up (first polls come within min(interval, 5 s)), then the measured window
      NodeProcess.sleep(intervalMs * 3 / 2 + 2000);
      long reportsBefore = count(database);
      long cpuBefore = cpuTicks(node.pid());
      long start = System.nanoTime();
      NodeProcess.sleep(seconds * 1000L);
      double elapsed = (System.nanoTime() - start) / 1e9;
      long cpu = cpuTicks(node.pid()) - cpuBefore;
      long reports = count(database) - reportsBefore;
      String metrics = node.http().get("/metrics").text();
      double p50 = quantile(metrics, "0.5");
      double p99 = quantile(metrics, "0.99");
      System.out.printf("%s, %d s: %,d reports stored (%.1f/s), hakim CPU %.2f s = %.2f ms per poll (%.0f%% of one core), poll p50 %.1f ms, "
          + "p99 %.1f ms%n", label, seconds, reports, reports / elapsed, cpu / (double) TICKS_PER_SECOND,
          reports == 0 ? 0 : cpu * 1000.0 / TICKS_PER_SECOND / reports, 100.0 * cpu / TICKS_PER_SECOND / elapsed, p50 * 1000, p99 * 1000);
      node.terminate(Duration.ofSeconds(30));
    }
  }

  private static void trends(List<FakeNode> fakes, String database) throws Exception {
    Path dataDir = TestNode.tempDir();
    List<String> nodeArgs = List.of("--http-port", "0", "--data-dir", dataDir.toString(), "--db-url", database, "--verticles", "hakim");
    try (NodeProcess node = NodeProcess.startAsDeployed(nodeArgs, Map.of("KOS_LOGGING_LEVEL", "WARN"), Duration.ofSeconds(120))) {
      Accounts.Session admin = Accounts.bootstrapAdmin(node.http(), dataDir);
      Instant end = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS);
      Instant start = end.minus(Duration.ofDays(30));
      long began = System.nanoTime();
      try (Connection sql = TestDatabase.connect(database); Statement statement = sql.createStatement()) {
        statement.execute("TRUNCATE hakim.health_rollup");
        // what 30 days of reports every 10 s make: 30 samples per five minutes, per target and metric
        StringBuilder dids = new StringBuilder();
        for (FakeNode fake : fakes) {
          dids.append(dids.length() == 0 ? "" : ",").append('\'').append(fake.did()).append('\'');
        }
        statement.execute("INSERT INTO hakim.health_rollup (target_node_did, metric, bucket, samples, total, minimum, maximum) "
            + "SELECT d, m, b, 30, 30 * (40 + 20 * sin(extract(epoch FROM b) / 3600)), 10, 90 FROM unnest(ARRAY[" + dids + "]) d, "
            + "unnest(ARRAY['cpu_usage_percent', 'memory_usage_percent', 'disk_usage_percent']) m, "
            + "generate_series(timestamptz '" + start + "', timestamptz '" + end + "' - interval '5 minutes', interval '5 minutes') b");
        statement.execute("ANALYZE hakim.health_rollup");
        try (ResultSet rows = statement.executeQuery("SELECT count(*), pg_size_pretty(pg_total_relation_size('hakim.health_rollup')) FROM hakim.health_rollup")) {
          rows.next();
          System.out.printf("trends: rollup of 30 days x %d targets x 3 metrics = %,d rows (%s), made in %.0f s%n", fakes.size(), rows.getLong(1),
              rows.getString(2), (System.nanoTime() - began) / 1e9);
        }
      }
      String range = "&from=" + start.getEpochSecond() + "&to=" + end.getEpochSecond();
      for (String bucket : List.of("1h", "1d")) {
        long[] millis = new long[200];
        for (int i = 0; i < millis.length; i++) {
          String url = "/api/hakim/v1/reports/trends?target=" + fakes.get(i * 7 % fakes.size()).did() + "&metric=cpu_usage_percent&bucket=" + bucket + range;
          long t0 = System.nanoTime();
          Http.Response answer = admin.http().get(url);
          millis[i] = System.nanoTime() - t0;
          if (answer.status() != 200 || answer.json().getJsonArray("points").size() < 30) {
            throw new IllegalStateException("trend query failed: " + answer);
          }
        }
        Arrays.sort(millis);
        System.out.printf("trend over 30 days, one target, bucket %s (%s points): p50 %.1f ms, p99 %.1f ms over %d queries%n", bucket,
            bucket.equals("1h") ? "720" : "30", millis[millis.length / 2] / 1e6, millis[millis.length * 99 / 100] / 1e6, millis.length);
      }
      node.terminate(Duration.ofSeconds(30));
    }
  }

  private static long count(String database) throws Exception {
    try (Connection sql = TestDatabase.connect(database); Statement statement = sql.createStatement();
         ResultSet rows = statement.executeQuery("SELECT count(*) FROM hakim.health_reports")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /** utime + stime of the process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
  private static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  private static double quantile(String metrics, String q) {
    Matcher m = QUANTILE.matcher(metrics);
    while (m.find()) {
      if (m.group(1).equals(q)) {
        return Double.parseDouble(m.group(2));
      }
    }
    return Double.NaN;
  }
}
