package io.kos.actions;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static io.kos.actions.ActionsNode.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbound guard as a node has it by default (outbound.allow empty): a host name that resolves
 * to loopback ({@code localhost}), loopback, link-local, private, CGNAT, IPv6 unique-local and
 * IPv4-mapped targets are refused before any connection, and nothing arrives at the receiver.
 */
class OutboundRefusalTest {

  private static Receiver receiver;
  private static TestNode node;
  private static Accounts.Session alice;

  @BeforeAll
  static void start() {
    receiver = Receiver.start();
    node = TestNode.start(java.util.Map.of("verticles.deploy", "actions"), TestNode.configFile("""
        verticles:
          config:
            actions:
              attempts: 2
              backoff_base_ms: 10
              backoff_cap_ms: 20
              poll_ms: 200
        """));
    alice = node.user("alice", "editor");
  }

  @AfterAll
  static void stop() {
    node.close();
    receiver.close();
  }

  private static JsonObject deliver(String url) throws Exception {
    UUID owner = ActionsNode.ownerOf(alice);
    JsonObject stored = ActionsNode.validate(node, owner, new JsonArray().add(new JsonObject().put("action_type", "rest")
        .put("config", new JsonObject().put("url", url)))).getJsonArray("actions").getJsonObject(0).getJsonObject("config");
    long id = ActionsNode.enqueue(node, "ssrf-" + UUID.randomUUID(), owner, "rest", 1, stored, ActionsNode.event("1")).getLong("job_id");
    JsonObject[] job = new JsonObject[1];
    await(Duration.ofSeconds(15), () -> {
      job[0] = alice.http().get("/api/actions/v1/jobs/" + id).json();
      return List.of("succeeded", "failed", "dead").contains(job[0].getString("status"));
    }, "job " + id + " to end");
    return job[0];
  }

  @Test
  void aNameThatResolvesToLoopbackIsRefusedWhenNotAllowListed() throws Exception {
    JsonObject job = deliver("http://localhost:" + receiver.port() + "/by-name");
    assertThat(job.getString("status")).isEqualTo("failed");
    assertThat(job.getString("last_error")).contains("refused to connect to localhost").contains("127.0.0.0/8");
    assertThat(job.getJsonArray("attempts_made")).hasSize(1);
    assertThat(receiver.at("/by-name")).isEmpty();
  }

  @Test
  void privateLinkLocalUniqueLocalAndOtherLoopbackTargetsAreRefused() throws Exception {
    for (String url : List.of(receiver.url("/loopback"), "http://127.0.0.2:" + receiver.port() + "/other-loopback", "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/", "http://192.168.1.1/", "http://100.64.0.1/", "http://[fd00::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.2]/",
        "http://0.0.0.0:" + receiver.port() + "/")) {
      JsonObject job = deliver(url);
      assertThat(job.getString("status")).as(url).isEqualTo("failed");
      assertThat(job.getString("last_error")).as(url).contains("refused");
    }
    assertThat(receiver.requests).isEmpty();
  }
}
