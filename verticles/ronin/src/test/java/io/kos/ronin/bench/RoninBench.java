package io.kos.ronin.bench;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The discovery benchmark, against a ronin node process: (1) probe rate over a loopback range where
 * every port is closed (host × port probes/s at the default concurrency, the rate limit out of the
 * way); (2) the map query by capability over {@code bench.services} (100,000) stored services:
 * p50/p99 ms of {@code GET /services?capability=a,b} through the API, with the GIN index and, in the
 * same run, without it.
 *
 * <pre>mvn -B -Pbench-ronin -DskipTests package -pl verticles/ronin -am</pre>
 */
public final class RoninBench {

  private static final int CAPABILITIES = 40;

  public static void main(String[] args) throws Exception {
    int services = Integer.getInteger("bench.services", 100_000);
    Path dataDir = TestNode.tempDir();
    String database = TestDatabase.freshDatabaseUrl();
    Path config = TestNode.configFile("""
        verticles:
          config:
            ronin:
              scan_allow: ["127.0.0.0/8"]
              max_hosts: 100000
              probes_per_second: 100000
        """);
    List<String> nodeArgs = List.of("--config", config.toString(), "--http-port", "0", "--data-dir", dataDir.toString(),
        "--db-url", database, "--verticles", "ronin");
    try (NodeProcess node = NodeProcess.start(nodeArgs, Map.of("KOS_LOGGING_LEVEL", "WARN"), Duration.ofSeconds(120))) {
      Accounts.Session admin = Accounts.bootstrapAdmin(node.http(), dataDir);
      probeRate(admin, "127.1.0.0/24", 4);
      probeRate(admin, "127.1.0.0/20", 4);

      try (Connection sql = TestDatabase.connect(database); Statement statement = sql.createStatement()) {
        // each service has 3 to 5 of the 40 capability names (cap-x and cap-(x+14) together in about 1 of 40) and one of
        // 1000 rare ones (each on 100 services)
        statement.execute("INSERT INTO ronin.discovered_services (service_id, node_id, node_class, endpoint, capabilities, verified, last_seen) "
            + "SELECT 'did:kos:bench:' || lpad(to_hex(i), 32, '0'), 'did:kos:bench:' || lpad(to_hex(i), 32, '0'), "
            + "(ARRAY['tohunga','ronin','hakim'])[1 + i % 3], 'http://127.2.0.1:' || (1024 + i % 60000), "
            + "(SELECT jsonb_agg('cap-' || ((i * 7 + k * 13 + k * k) % " + CAPABILITIES + ")) FROM generate_series(0, 2 + i % 3) k) "
            + "|| jsonb_build_array('rare-' || (i % 1000)), "
            + "true, now() - (i % 3600) * interval '1 second' FROM generate_series(1, " + services + ") i");
        statement.execute("ANALYZE ronin.discovered_services");
        System.out.printf("map: %,d services, %d capability names, 3 to 5 each%n", services, CAPABILITIES);
        query(admin.http(), "common pair", "with the GIN index", i -> "cap-" + (i % CAPABILITIES) + ",cap-" + ((i + 14) % CAPABILITIES));
        query(admin.http(), "selective (rare-x, cap-y)", "with the GIN index", i -> "rare-" + (i * 37 % 1000) + ",cap-" + (i % CAPABILITIES));
        statement.execute("DROP INDEX ronin.idx_discovered_services_capabilities");
        query(admin.http(), "common pair", "without it", i -> "cap-" + (i % CAPABILITIES) + ",cap-" + ((i + 14) % CAPABILITIES));
        query(admin.http(), "selective (rare-x, cap-y)", "without it", i -> "rare-" + (i * 37 % 1000) + ",cap-" + (i % CAPABILITIES));
        statement.execute("CREATE INDEX idx_discovered_services_capabilities ON ronin.discovered_services USING GIN (capabilities)");
      }
      node.terminate(Duration.ofSeconds(30));
    }
  }

  private static void probeRate(Accounts.Session admin, String range, int ports) {
    JsonArray portList = new JsonArray();
    for (int p = 0; p < ports; p++) {
      portList.add(NodeProcess.freePort());
    }
    JsonObject created = admin.http().postJson("/api/ronin/v1/jobs", new JsonObject()
        .put("target", new JsonObject().put("type", "network_cidr").put("value", range)).put("ports", portList)).json();
    JsonObject job = admin.http().await("/api/ronin/v1/jobs/" + created.getString("job_id"),
        r -> !List.of("pending", "running").contains(r.json().getString("status")), Duration.ofMinutes(10)).json();
    double seconds = Duration.between(OffsetDateTime.parse(job.getString("started_at")), OffsetDateTime.parse(job.getString("completed_at")))
        .toNanos() / 1e9;
    System.out.printf("probe rate, %s x %d closed ports (concurrency 64): %,d probes in %.2f s = %,.0f probes/s (%s)%n", range, ports,
        job.getInteger("probes_done"), seconds, job.getInteger("probes_done") / seconds, job.getString("status"));
  }

  /** 300 queries of two capabilities (a page of up to 100), after 50 to warm up: p50 and p99. */
  private static void query(Http http, String kind, String label, java.util.function.IntFunction<String> capabilities) {
    for (int i = 0; i < 50; i++) {
      http.get("/api/ronin/v1/services?capability=" + capabilities.apply(i + 1000));
    }
    long[] millis = new long[300];
    int found = 0;
    for (int i = 0; i < millis.length; i++) {
      long start = System.nanoTime();
      Http.Response response = http.get("/api/ronin/v1/services?capability=" + capabilities.apply(i));
      millis[i] = (System.nanoTime() - start) / 1000;
      if (response.status() != 200) {
        throw new AssertionError(response.toString());
      }
      found += response.json().getJsonArray("services").size();
    }
    if (found == 0) {
      throw new AssertionError("the queries found nothing: the benchmark measures nothing");
    }
    Arrays.sort(millis);
    System.out.printf("capability query, %s (pages of 100) %s: p50 %.2f ms, p99 %.2f ms (%.1f services a page on average)%n", kind, label,
        millis[millis.length / 2] / 1000.0, millis[millis.length * 99 / 100] / 1000.0, found / (double) millis.length);
  }
}
