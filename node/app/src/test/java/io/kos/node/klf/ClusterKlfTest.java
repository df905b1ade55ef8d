package io.kos.node.klf;

import io.kos.node.identity.NodeIdentity;
import io.kos.node.testkit.ClusterCerts;
import io.kos.node.testkit.ClusterMember;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.KlfPeer;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.outbound.OutboundGuard;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two node processes on one cluster whose event bus is mutual TLS from a CA the test makes: every
 * KLF type over HTTP and over the bus, task pushes from B to A's reply_to over both, and members
 * without a certificate from that CA (no TLS at all, or another CA's) that join the Hazelcast
 * cluster but can neither send to nor receive from any address.
 */
class ClusterKlfTest {

  private static final Duration START = Duration.ofSeconds(90);
  private static final List<String> ANSWER_ONLY = List.of(KlfMessage.TASK_PROGRESS, KlfMessage.TASK_RESPONSE, KlfMessage.TASK_ERROR,
      KlfMessage.DATA_RESULT, KlfMessage.EVENT, KlfMessage.PONG);

  @Test
  void nodesExchangeEveryTypeOverHttpAndTheTlsBusAndStrangersGetNothing() throws Exception {
    ClusterCerts certs = ClusterCerts.create("kos");
    ClusterCerts otherCa = ClusterCerts.create("kos");
    Path dirA = TestNode.tempDir();
    Path dirB = TestNode.tempDir();
    NodeIdentity a = NodeIdentity.loadOrCreate(dirA.resolve("node.key"), "allinone");
    NodeIdentity b = NodeIdentity.loadOrCreate(dirB.resolve("node.key"), "allinone");
    KlfPeer tester = KlfPeer.create("hakim");
    int[] ports = {NodeProcess.freePort(), NodeProcess.freePort(), NodeProcess.freePort(), NodeProcess.freePort(), NodeProcess.freePort()};
    String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];

    Map<String, String> envB = env(certs, peers(a.did(), "editor", tester.did(), "editor"));
    Map<String, String> envA = env(certs, peers(b.did(), "viewer", tester.did(), "editor"));
    envA.put("KOS_HTTP_REQUEST_TIMEOUT", "2s");
    try (NodeProcess nodeB = NodeProcess.start(args(dirB, ports[1], "127.0.0.1:" + ports[0], "probe"), envB, START);
         NodeProcess nodeA = NodeProcess.start(args(dirA, ports[0], "127.0.0.1:" + ports[1], ""), envA, START)) {
      // members that hold a certificate from the cluster CA talk over the bus: A forwards to B
      Http.Response forwarded = nodeA.http().await("/api/probe/v1/ping", r -> r.status() == 200, Duration.ofSeconds(30));
      assertThat(forwarded.json().getString("node")).isEqualTo(b.did());

      everyTypeOverHttp(nodeB, tester, b.did());
      pushesReachTheRequester(nodeA, nodeB, KlfPeer.of(a), b.did());

      Vertx member = ClusterMember.join(ports[2], members, certs.issue("127.0.0.1"));
      Vertx noTls = ClusterMember.join(ports[3], members, null);
      Vertx foreignCa = ClusterMember.join(ports[4], members, otherCa.issue("127.0.0.1"));
      try {
        everyTypeOverTheBus(member, tester, b.did());
        for (Vertx stranger : List.of(noTls, foreignCa)) {
          cannotSend(stranger, tester, b.did());
        }
        nothingReachesStrangers(nodeA, member, List.of(noTls, foreignCa));
      } finally {
        for (Vertx vertx : List.of(member, noTls, foreignCa)) {
          vertx.close().await(20, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static void everyTypeOverHttp(NodeProcess nodeB, KlfPeer tester, String didB) throws Exception {
    Http http = nodeB.http();
    JsonObject pong = KlfPeer.send(http, tester.message(didB, KlfMessage.PING, new JsonObject())).json();
    assertThat(pong.getString("type")).isEqualTo(KlfMessage.PONG);
    KlfMessage.checkSigned(pong);
    JsonObject result = KlfPeer.send(http, tester.call(didB, KlfMessage.DATA_QUERY, "probe_ping", new JsonObject())).json();
    assertThat(result.getJsonObject("payload").getJsonObject("result").getString("node")).isEqualTo(didB);
    JsonObject echoed = KlfPeer.send(http, tester.call(didB, KlfMessage.CONTROL_COMMAND, "echo", new JsonObject().put("x", 1))).json();
    assertThat(echoed.getJsonObject("payload").getJsonObject("result")).isEqualTo(new JsonObject().put("x", 1));
    Http.Response accepted = KlfPeer.send(http, tester.call(didB, KlfMessage.TASK_REQUEST, "work", new JsonObject().put("steps", 2)));
    assertThat(accepted.status()).isEqualTo(202);
    String jobId = accepted.json().getJsonObject("payload").getString("job_id");
    // no reply_to: task_status has it
    awaitCompleted(() -> KlfPeer.send(http, tester.call(didB, KlfMessage.DATA_QUERY, KlfService.TASK_STATUS, new JsonObject().put("job_id", jobId)))
        .json().getJsonObject("payload").getJsonObject("result"));
    for (String type : ANSWER_ONLY) {
      Http.Response ack = KlfPeer.send(http, tester.message(didB, type, new JsonObject().put("note", "unsolicited " + type)));
      assertThat(ack.status()).as(type).isEqualTo(202);
      assertThat(ack.json().getBoolean("accepted")).isTrue();
    }
  }

  /** A asks B for tasks whose progress goes to A's URL (HTTP) and to A's DID (the bus); A receives both, verified. */
  private static void pushesReachTheRequester(NodeProcess nodeA, NodeProcess nodeB, KlfPeer asA, String didB) {
    for (String replyTo : List.of(nodeA.url() + "/klf/v1/message", asA.did())) {
      double before = received(nodeA, KlfMessage.TASK_RESPONSE);
      JsonObject request = asA.call(didB, KlfMessage.TASK_REQUEST, "work", new JsonObject().put("steps", 3).put("step_ms", 20),
          new JsonObject().put("reply_to", replyTo));
      assertThat(KlfPeer.send(nodeB.http(), request).status()).as(replyTo).isEqualTo(202);
      nodeA.http().await("/metrics", r -> received(nodeA, KlfMessage.TASK_RESPONSE) > before, Duration.ofSeconds(20));
    }
    assertThat(received(nodeA, KlfMessage.TASK_PROGRESS)).isGreaterThanOrEqualTo(8);
  }

  private static void everyTypeOverTheBus(Vertx member, KlfPeer tester, String didB) throws Exception {
    KlfClient bus = new KlfClient(member, OutboundGuard.allowing(List.of()), null, 10_000);
    KlfClient.Answer pong = bus.send(didB, tester.message(didB, KlfMessage.PING, new JsonObject())).await(15, TimeUnit.SECONDS);
    assertThat(pong.status()).isEqualTo(200);
    KlfMessage.checkSigned(pong.body());
    assertThat(pong.body().getString("type")).isEqualTo(KlfMessage.PONG);
    KlfClient.Answer result = bus.send(didB, tester.call(didB, KlfMessage.DATA_QUERY, "whoami", new JsonObject())).await(15, TimeUnit.SECONDS);
    assertThat(result.body().getJsonObject("payload").getJsonObject("result").getString("did")).isEqualTo(tester.did());
    KlfClient.Answer command = bus.send(didB, tester.call(didB, KlfMessage.CONTROL_COMMAND, "echo", new JsonObject().put("y", 2)))
        .await(15, TimeUnit.SECONDS);
    assertThat(command.body().getJsonObject("payload").getJsonObject("result")).isEqualTo(new JsonObject().put("y", 2));
    KlfClient.Answer task = bus.send(didB, tester.call(didB, KlfMessage.TASK_REQUEST, "work", new JsonObject())).await(15, TimeUnit.SECONDS);
    assertThat(task.status()).isEqualTo(202);
    String jobId = task.body().getJsonObject("payload").getString("job_id");
    awaitCompleted(() -> bus.send(didB, tester.call(didB, KlfMessage.DATA_QUERY, KlfService.TASK_STATUS, new JsonObject().put("job_id", jobId)))
        .await(15, TimeUnit.SECONDS).body().getJsonObject("payload").getJsonObject("result"));
    for (String type : ANSWER_ONLY) {
      assertThat(bus.send(didB, tester.message(didB, type, new JsonObject())).await(15, TimeUnit.SECONDS).status()).as(type).isEqualTo(202);
    }
    // the bus checks what HTTP checks
    JsonObject tampered = tester.message(didB, KlfMessage.PING, new JsonObject());
    tampered.put("payload", new JsonObject().put("changed", true));
    KlfClient.Answer refused = bus.send(didB, tampered).await(15, TimeUnit.SECONDS);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.body().getString("error")).isEqualTo("bad_signature");
  }

  private static void cannotSend(Vertx stranger, KlfPeer tester, String didB) throws Exception {
    KlfClient bus = new KlfClient(stranger, OutboundGuard.allowing(List.of()), null, 3_000);
    assertThat(bus.send(didB, tester.message(didB, KlfMessage.PING, new JsonObject())).transform(done -> io.vertx.core.Future.succeededFuture(done.succeeded()))
        .await(20, TimeUnit.SECONDS)).as("a member without the CA's certificate reaches nothing").isFalse();
    // nor a verticle operation: a note created by a stranger would show on B
    boolean created = stranger.eventBus().request("kos.probe.notes.create", ApiRequest.busRequest(new JsonObject().put("text", "stranger")),
            new DeliveryOptions().setSendTimeout(3_000).addHeader("kos-caller-id", "00000000-0000-4000-8000-000000000000")
                .addHeader("kos-caller-role", "admin").addHeader("kos-caller-via", "token"))
        .transform(done -> io.vertx.core.Future.succeededFuture(done.succeeded())).await(20, TimeUnit.SECONDS);
    assertThat(created).isFalse();
  }

  /** Consumers on the probe's address: A's requests reach B and the member, never a stranger. */
  private static void nothingReachesStrangers(NodeProcess nodeA, Vertx member, List<Vertx> strangers) throws Exception {
    AtomicInteger toMember = new AtomicInteger();
    AtomicInteger toStrangers = new AtomicInteger();
    member.eventBus().consumer("kos.probe.ping", message -> {
      toMember.incrementAndGet();
      message.reply(new JsonObject().put("pong", true).put("node", "member"));
    }).completion().await(20, TimeUnit.SECONDS);
    for (Vertx stranger : strangers) {
      stranger.eventBus().consumer("kos.probe.ping", message -> {
        toStrangers.incrementAndGet();
        message.reply(new JsonObject().put("pong", true).put("node", "stranger"));
      }).completion().await(20, TimeUnit.SECONDS);
    }
    NodeProcess.sleep(2000);
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Http.Response response = nodeA.http().get("/api/probe/v1/ping");
      statuses.add(response.status());
      assertThat(response.text()).doesNotContain("stranger");
    }
    assertThat(toStrangers.get()).as("statuses " + statuses).isZero();
    assertThat(toMember.get()).as("the member with a certificate is reached (statuses " + statuses + ")").isPositive();
  }

  private static void awaitCompleted(java.util.concurrent.Callable<JsonObject> status) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if ("completed".equals(status.call().getString("status"))) {
        return;
      }
      NodeProcess.sleep(100);
    }
    throw new AssertionError("the task did not complete");
  }

  private static double received(NodeProcess node, String type) {
    return node.http().get("/metrics").text().lines()
        .filter(line -> line.startsWith("klf_messages_total{") && line.contains("direction=\"received\"")
            && line.contains("type=\"" + type + "\"") && line.contains("outcome=\"accepted\""))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
  }

  private static String peers(String did1, String role1, String did2, String role2) {
    return new JsonArray().add(new JsonObject().put("did", did1).put("role", role1))
        .add(new JsonObject().put("did", did2).put("role", role2)).encode();
  }

  private static Map<String, String> env(ClusterCerts certs, String peers) {
    Map<String, String> env = new HashMap<>(certs.memberEnv("127.0.0.1"));
    env.put("KOS_KLF_PEERS", peers);
    env.put("KOS_OUTBOUND_ALLOW", "127.0.0.0/8");
    return env;
  }

  private static List<String> args(Path dataDir, int port, String members, String verticles) {
    return List.of("--http-port", "0", "--data-dir", dataDir.toString(), "--db-url", TestDatabase.freshDatabaseUrl(), "--verticles", verticles,
        "--cluster", "--cluster-host", "127.0.0.1", "--cluster-port", Integer.toString(port), "--cluster-members", members);
  }
}
