package io.kos.node;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two separate node processes on one clustered event bus over loopback: node A deploys no verticle,
 * node B deploys the probe; A's ingress forwards to B, notices B leaving, and recovers when B returns.
 */
class ClusterTest {

  private static final Duration START = Duration.ofSeconds(90);
  /** Availability is the subject here, so no certificates: loopback allows cluster.tls false (ClusterKlfTest runs with TLS). */
  private static final Map<String, String> PLAIN = Map.of("KOS_CLUSTER_TLS", "false");

  @Test
  void requestToNodeAIsServedByNodeBAndFollowsItsAvailability() {
    int portA = NodeProcess.freePort();
    int portB = NodeProcess.freePort();
    String dbA = TestDatabase.freshDatabaseUrl();
    String dbB = TestDatabase.freshDatabaseUrl();
    List<String> argsB = List.of("--http-port", "0", "--data-dir", TestNode.tempDir().toString(), "--db-url", dbB,
        "--verticles", "probe", "--cluster", "--cluster-host", "127.0.0.1", "--cluster-port", Integer.toString(portB),
        "--cluster-members", "127.0.0.1:" + portA);
    try (NodeProcess a = NodeProcess.start(List.of("--http-port", "0", "--data-dir", TestNode.tempDir().toString(), "--db-url", dbA,
        "--verticles", "", "--cluster", "--cluster-host", "127.0.0.1", "--cluster-port", Integer.toString(portA),
        "--cluster-members", "127.0.0.1:" + portB), Map.of("KOS_HTTP_REQUEST_TIMEOUT", "2s", "KOS_CLUSTER_TLS", "false"), START)) {
      Http viaA = a.http();
      String didB;
      try (NodeProcess b = NodeProcess.start(argsB, PLAIN, START)) {
        didB = b.http().get("/klf/v1/identity").json().getString("nodeId");
        Http.Response served = viaA.await("/api/probe/v1/ping", r -> r.status() == 200, Duration.ofSeconds(20));
        assertThat(served.json().getString("node")).as("answered by node B").isEqualTo(didB);
        assertThat(a.http().get("/klf/v1/identity").json().getString("nodeId")).isNotEqualTo(didB);
        assertThat(b.terminate(Duration.ofSeconds(30))).isZero();
      }
      long stoppedAt = System.nanoTime();
      Http.Response unavailable = viaA.await("/api/probe/v1/ping", r -> r.status() == 503, Duration.ofSeconds(10));
      long millisTo503 = (System.nanoTime() - stoppedAt) / 1_000_000;
      assertThat(unavailable.json().getString("error")).isEqualTo("verticle_unavailable");
      assertThat(unavailable.header("Retry-After")).isNotNull();
      System.out.println("node A answered 503 " + millisTo503 + " ms after node B exited");

      try (NodeProcess again = NodeProcess.start(argsB, PLAIN, START)) {
        Http.Response recovered = viaA.await("/api/probe/v1/ping", r -> r.status() == 200, Duration.ofSeconds(20));
        assertThat(recovered.json().getString("node")).isEqualTo(didB);

        // a crash, not a goodbye: requests already sent to B time out (504 after A's 2 s request
        // timeout); A answers 503 again once the cluster has dropped B for missing heartbeats
        again.kill();
        long killedAt = System.nanoTime();
        Http.Response afterCrash = viaA.await("/api/probe/v1/ping", r -> r.status() == 503, Duration.ofSeconds(30));
        assertThat(afterCrash.json().getString("error")).isEqualTo("verticle_unavailable");
        System.out.println("node A answered 503 " + (System.nanoTime() - killedAt) / 1_000_000 + " ms after node B was killed");
      }
    }
  }
}
