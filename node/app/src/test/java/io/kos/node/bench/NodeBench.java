package io.kos.node.bench;

import io.kos.node.auth.PasswordHasher;
import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.ClusterCerts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Figures, printed, never asserted: ingress round trip against a bare Vert.x handler in the same
 * run, the same request across two clustered nodes, anonymous vs authenticated (JWT, API key)
 * requests, login and argon2id throughput, warm start to ready, idle RSS.
 * Run: {@code mvn -B -Pbench -DskipTests package -pl node/app -am} (see README, Benchmarks).
 */
public final class NodeBench {

  private static final Duration START = Duration.ofSeconds(120);
  private static final Pattern HTTP_LINE = Pattern.compile("^  http: +(http://\\S+)$", Pattern.MULTILINE);
  private static final Pattern READY_IN = Pattern.compile("ready in (\\d+) ms");

  public static void main(String[] args) throws Exception {
    int concurrency = Integer.getInteger("bench.concurrency", 32);
    int warmup = Integer.getInteger("bench.warmup", 8);
    int measure = Integer.getInteger("bench.seconds", 10);
    int rounds = Integer.getInteger("bench.rounds", 3);
    boolean cluster = Boolean.parseBoolean(System.getProperty("bench.cluster", "true"));
    boolean startup = Boolean.parseBoolean(System.getProperty("bench.startup", "true"));
    boolean auth = Boolean.parseBoolean(System.getProperty("bench.auth", "true"));
    Path jar = Path.of(System.getProperty("kos.node.jar", "node/target/kos-node.jar")).toAbsolutePath();
    System.out.printf("kOS node bench: %d cores, concurrency %d, %ds warm-up + %ds measured per run, %d rounds%n",
        Runtime.getRuntime().availableProcessors(), concurrency, warmup, measure, rounds);

    Vertx vertx = Vertx.vertx();
    List<LoadGenerator.Result> results = new ArrayList<>();
    Bare bare = startBare();
    int portA = NodeProcess.freePort();
    int portB = NodeProcess.freePort();
    ClusterCerts certs = cluster ? ClusterCerts.create("bench") : null;
    Path singleDataDir = TestNode.tempDir();
    try (NodeProcess single = NodeProcess.startAsDeployed(List.of("--http-port", "0",
        "--data-dir", singleDataDir.toString(), "--db-url", TestDatabase.freshDatabaseUrl(), "--verticles", "probe"), quietLogs(), START);
         NodeProcess clusterA = cluster ? NodeProcess.startAsDeployed(clusterArgs(portA, portB, ""), memberEnv(certs), START) : null;
         NodeProcess clusterB = cluster ? NodeProcess.startAsDeployed(clusterArgs(portB, portA, "probe"), memberEnv(certs), START) : null) {
      String bareUrl = bare.awaitUrl() + "/ping";
      if (cluster) {
        new Http(clusterA.url()).await("/api/probe/v1/ping", r -> r.status() == 200, Duration.ofSeconds(30));
      }
      String ping = single.url() + "/api/probe/v1/ping";
      Accounts.Session admin = rounds > 0 && auth ? Accounts.bootstrapAdmin(single.http(), singleDataDir) : null;
      String apiKey = admin == null ? null : Accounts.apiKey(admin, "bench");
      for (int round = 1; round <= rounds; round++) {
        results.add(LoadGenerator.run(vertx, "bare Vert.x handler", bareUrl, List.of(bare.process().pid()), concurrency, warmup, measure));
        results.add(LoadGenerator.run(vertx, "node ingress -> probe (local bus)", ping,
            List.of(single.pid()), concurrency, warmup, measure));
        if (admin != null) {
          // the same route and verticle work; only the credential check and the caller headers differ
          results.add(LoadGenerator.run(vertx, "auth JWT -> probe ping", LoadGenerator.Target.get(ping)
              .withHeader("Authorization", "Bearer " + admin.accessToken()), List.of(single.pid()), concurrency, warmup, measure));
          results.add(LoadGenerator.run(vertx, "auth JWT -> probe whoami (auth-only route)", LoadGenerator.Target.get(single.url()
              + "/api/probe/v1/whoami").withHeader("Authorization", "Bearer " + admin.accessToken()), List.of(single.pid()),
              concurrency, warmup, measure));
          results.add(LoadGenerator.run(vertx, "auth API key -> probe ping", LoadGenerator.Target.get(ping)
              .withHeader("X-API-Key", apiKey), List.of(single.pid()), concurrency, warmup, measure));
        }
        if (cluster) {
          results.add(LoadGenerator.run(vertx, "node A -> probe on node B (cluster)", clusterA.url() + "/api/probe/v1/ping",
              List.of(clusterA.pid(), clusterB.pid()), concurrency, warmup, measure));
        }
      }
      if (admin != null) {
        // login is bounded by the hash cost by design: one argon2id verification per request
        results.add(LoadGenerator.run(vertx, "login (POST, one argon2id verify)", LoadGenerator.Target.postJson(
            single.url() + "/api/auth/v1/login", new JsonObject().put("username", "admin").put("password", Accounts.PASSWORD).encode()),
            List.of(single.pid()), 4, 3, measure));
      }
    } finally {
      bare.process().destroy();
    }
    vertx.close().await();

    if (results.isEmpty()) {
      if (startup) {
        startAndMemory(jar);
      }
      return;
    }
    System.out.println();
    System.out.println("HTTP round trip, GET returning a small JSON object:");
    results.forEach(r -> System.out.println("  " + r));
    double bareRps = best(results, "bare");
    double nodeRps = best(results, "node ingress");
    double clusterRps = best(results, "node A");
    System.out.printf("  ingress overhead vs bare (best round of each): %.1f%% fewer req/s; %.0f%% more server CPU per request (median round)%n",
        100 * (1 - nodeRps / bareRps), 100 * (medianCpu(results, "node ingress") / medianCpu(results, "bare") - 1));
    if (cluster) {
      System.out.printf("  across the cluster (best round): %.1f%% fewer req/s than bare%n", 100 * (1 - clusterRps / bareRps));
    }
    if (auth) {
      double anonymousMedian = medianRps(results, "node ingress");
      for (String credential : List.of("auth JWT -> probe ping", "auth JWT -> probe whoami", "auth API key")) {
        System.out.printf("  %s vs anonymous ping: %.1f%% fewer req/s (median rounds), %+.1f us server CPU per request%n",
            credential, 100 * (1 - medianRps(results, credential) / anonymousMedian),
            medianCpu(results, credential) - medianCpu(results, "node ingress"));
      }
    }
    if (auth) {
      passwordHashing();
    }
    if (startup) {
      startAndMemory(jar);
    }
  }

  /** argon2id at the default cost, in this JVM: one thread, then one per core as the node runs it. */
  private static void passwordHashing() throws InterruptedException {
    PasswordHasher hasher = new PasswordHasher(19456, 2);
    for (int i = 0; i < 5; i++) {
      hasher.hash("warm-up password " + i);
    }
    System.out.println();
    System.out.println("Password hashing, " + hasher.cost() + ":");
    int perThread = 20;
    for (int threads : List.of(1, Runtime.getRuntime().availableProcessors())) {
      List<Thread> workers = new ArrayList<>();
      long begin = System.nanoTime();
      for (int t = 0; t < threads; t++) {
        Thread worker = new Thread(() -> {
          for (int i = 0; i < perThread; i++) {
            hasher.hash("correct horse battery staple " + i);
          }
        });
        worker.start();
        workers.add(worker);
      }
      for (Thread worker : workers) {
        worker.join();
      }
      double seconds = (System.nanoTime() - begin) / 1e9;
      System.out.printf("  %d thread(s): %.1f hashes/s, %.0f ms per hash%n", threads, threads * perThread / seconds,
          1000 * seconds / perThread);
    }
  }

  /** The binary as users run it (java -jar, default JVM flags), on its embedded PostgreSQL. */
  private static void startAndMemory(Path jar) throws Exception {
    Path dataDir = TestNode.tempDir();
    List<String> args = List.of("--http-port", "0", "--data-dir", dataDir.toString());
    System.out.println();
    System.out.println("Start to ready, java -jar " + jar.getFileName() + " on the embedded PostgreSQL:");
    try (NodeProcess cold = NodeProcess.startJar(jar, args, quietLogs(), START)) {
      System.out.printf("  first start (initdb, migrations): %d ms to /health/ready 200 (node says %s ms)%n",
          cold.readyMillis(), nodeReady(cold));
      cold.terminate(Duration.ofSeconds(30));
    }
    for (int i = 1; i <= 3; i++) {
      try (NodeProcess warm = NodeProcess.startJar(jar, args, quietLogs(), START)) {
        System.out.printf("  warm start %d: %d ms from process spawn to /health/ready 200 (node says %s ms)%n",
            i, warm.readyMillis(), nodeReady(warm));
        if (i == 3) {
          Thread.sleep(10_000);
          long javaRss = rssKb(warm.pid());
          long pgRss = postgresRssKb(dataDir.resolve("pg/postmaster.pid"));
          System.out.printf("  idle after 10 s: node JVM RSS %d MB; embedded PostgreSQL processes RSS %d MB (sum, shared pages counted per process)%n",
              javaRss / 1024, pgRss / 1024);
        }
        warm.terminate(Duration.ofSeconds(30));
      }
    }
  }

  private static Map<String, String> quietLogs() {
    // tokens outlive the whole run
    return Map.of("KOS_LOGGING_LEVEL", "WARN", "KOS_HTTP_HOST", "127.0.0.1", "KOS_AUTH_ACCESS_TOKEN_TTL", "4h");
  }

  /** A member's environment: quiet, with its certificate for the event bus's mutual TLS (what a real cluster runs). */
  private static Map<String, String> memberEnv(ClusterCerts certs) {
    Map<String, String> env = new java.util.HashMap<>(quietLogs());
    env.putAll(certs.memberEnv("127.0.0.1"));
    return env;
  }

  private static List<String> clusterArgs(int port, int peer, String verticles) {
    return List.of("--http-port", "0", "--data-dir", TestNode.tempDir().toString(), "--db-url", TestDatabase.freshDatabaseUrl(),
        "--verticles", verticles, "--cluster", "--cluster-host", "127.0.0.1", "--cluster-port", Integer.toString(port),
        "--cluster-members", "127.0.0.1:" + peer);
  }

  /** A child JVM with the same flags as the node processes, so only the code on the path differs. */
  private record Bare(Process process, Path log) {
    String awaitUrl() throws IOException, InterruptedException {
      for (int i = 0; i < 300 && process.isAlive(); i++) {
        Matcher m = HTTP_LINE.matcher(Files.readString(log));
        if (m.find()) {
          return m.group(1);
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException("bare server did not start: " + Files.readString(log));
    }
  }

  private static Bare startBare() throws IOException {
    Path log = Files.createTempFile("kos-bench-bare", ".log");
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), BareServer.class.getName())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new Bare(process, log);
  }

  private static double best(List<LoadGenerator.Result> results, String prefix) {
    return results.stream().filter(r -> r.name().startsWith(prefix)).mapToDouble(LoadGenerator.Result::requestsPerSecond).max().orElse(0);
  }

  private static double medianRps(List<LoadGenerator.Result> results, String prefix) {
    double[] rps = results.stream().filter(r -> r.name().startsWith(prefix))
        .mapToDouble(LoadGenerator.Result::requestsPerSecond).sorted().toArray();
    return rps.length == 0 ? Double.NaN : rps[rps.length / 2];
  }

  private static double medianCpu(List<LoadGenerator.Result> results, String prefix) {
    double[] cpu = results.stream().filter(r -> r.name().startsWith(prefix))
        .mapToDouble(LoadGenerator.Result::serverCpuMicrosPerRequest).sorted().toArray();
    return cpu.length == 0 ? Double.NaN : cpu[cpu.length / 2];
  }

  private static String nodeReady(NodeProcess node) {
    Matcher m = READY_IN.matcher(node.log());
    return m.find() ? m.group(1) : "?";
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return 0;
  }

  private static long postgresRssKb(Path pidFile) throws IOException {
    long postmaster = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    long total = rssKb(postmaster);
    for (ProcessHandle child : ProcessHandle.of(postmaster).map(p -> p.descendants().toList()).orElse(List.of())) {
      total += rssKb(child.pid());
    }
    return total;
  }
}
