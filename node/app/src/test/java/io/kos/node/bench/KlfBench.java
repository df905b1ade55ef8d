package io.kos.node.bench;

import io.kos.node.identity.NodeIdentity;
import io.kos.node.klf.KlfClient;
import io.kos.node.klf.KlfMessage;
import io.kos.node.testkit.ClusterCerts;
import io.kos.node.testkit.ClusterMember;
import io.kos.node.testkit.KlfPeer;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.kos.verticle.outbound.OutboundGuard;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * KLF's figures (issue 13): the cost of signing and of verifying one message, and signed
 * ping → pong round trips between a node process (B) and a sender that signs as another node with
 * the node's own client code, over HTTP and over the cluster bus (mutual TLS), with the sender
 * checking each pong's signature. Sender and node share this machine's cores.
 * {@code mvn -B -Pbench-klf -DskipTests package -pl node/app -am}
 */
public final class KlfBench {

  private static final Duration START = Duration.ofSeconds(120);

  private KlfBench() {
  }

  public static void main(String[] args) throws Exception {
    int concurrency = Integer.getInteger("bench.concurrency", 16);
    int warmup = Integer.getInteger("bench.warmup", 5);
    int seconds = Integer.getInteger("bench.seconds", 10);
    int rounds = Integer.getInteger("bench.rounds", 3);
    KlfPeer sender = KlfPeer.create("hakim");
    signingCost(sender);

    ClusterCerts certs = ClusterCerts.create("bench");
    Path dataDir = TestNode.tempDir();
    String didB = NodeIdentity.loadOrCreate(dataDir.resolve("node.key"), "allinone").did();
    int portB = NodeProcess.freePort();
    int portSender = NodeProcess.freePort();
    Map<String, String> env = new HashMap<>(certs.memberEnv("127.0.0.1"));
    env.put("KOS_LOGGING_LEVEL", "WARN");
    env.put("KOS_KLF_PEERS", new JsonArray().add(new JsonObject().put("did", sender.did()).put("role", "editor")).encode());
    List<String> nodeArgs = List.of("--http-port", "0", "--data-dir", dataDir.toString(), "--db-url", TestDatabase.freshDatabaseUrl(),
        "--verticles", "", "--cluster", "--cluster-host", "127.0.0.1", "--cluster-port", Integer.toString(portB),
        "--cluster-members", "127.0.0.1:" + portSender);
    try (NodeProcess nodeB = NodeProcess.startAsDeployed(nodeArgs, env, START)) {
      Vertx member = ClusterMember.join(portSender, "127.0.0.1:" + portB, certs.issue("127.0.0.1"));
      try {
        KlfClient client = new KlfClient(member, OutboundGuard.allowing(List.of("127.0.0.0/8")), null, 10_000);
        List<LoadGenerator.Result> results = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
          results.add(LoadGenerator.runAsync("KLF ping->pong over HTTP", pingPong(client, sender, nodeB.url(), didB), List.of(nodeB.pid()),
              concurrency, warmup, seconds));
          results.add(LoadGenerator.runAsync("KLF ping->pong over the TLS bus", pingPong(client, sender, didB, didB), List.of(nodeB.pid()),
              concurrency, warmup, seconds));
          results.subList(results.size() - 2, results.size()).forEach(System.out::println);
        }
        System.out.printf("%nconcurrency %d, %d s measured after %d s warm-up, %d rounds; server CPU is node B's alone%n",
            concurrency, seconds, warmup, rounds);
      } finally {
        member.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  /** One signed ping; true when the answer is a pong signed by B. */
  private static Supplier<Future<Boolean>> pingPong(KlfClient client, KlfPeer sender, String target, String didB) {
    return () -> client.send(target, sender.message(didB, KlfMessage.PING, new JsonObject())).map(answer -> {
      if (answer.status() != 200) {
        return false;
      }
      KlfMessage.checkSigned(answer.body());
      return KlfMessage.PONG.equals(answer.body().getString("type")) && didB.equals(answer.body().getString("from"));
    });
  }

  /** Microseconds per signature and per verification, one thread, after a warm-up. */
  private static void signingCost(KlfPeer sender) {
    String to = KlfPeer.create("tohunga").did();
    JsonObject payload = new JsonObject().put("task_name", "run_acquisition_job")
        .put("params", new JsonObject().put("source_id", "2b1f0c1e-0000-4000-8000-000000000001").put("limit", 1000));
    int n = Integer.getInteger("bench.sign_iterations", 20_000);
    JsonObject message = null;
    for (int pass = 0; pass < 2; pass++) {
      long begin = System.nanoTime();
      for (int i = 0; i < n; i++) {
        message = sender.message(to, KlfMessage.TASK_REQUEST, payload);
      }
      double signMicros = (System.nanoTime() - begin) / 1e3 / n;
      begin = System.nanoTime();
      for (int i = 0; i < n; i++) {
        KlfMessage.checkSigned(message);
      }
      double verifyMicros = (System.nanoTime() - begin) / 1e3 / n;
      begin = System.nanoTime();
      for (int i = 0; i < n; i++) {
        KlfMessage.canonical(message);
      }
      double canonicalMicros = (System.nanoTime() - begin) / 1e3 / n;
      if (pass == 1) {
        System.out.printf("sign one message (%d bytes): %.1f us; verify one: %.1f us (of which RFC 8785 canonical JSON %.1f us each)%n",
            message.encode().length(), signMicros, verifyMicros, canonicalMicros);
      }
    }
  }
}
