package io.kos.actions;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

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
    return ActionsNode.deliver(node, alice, "rest", new JsonObject().put("url", url), ActionsNode.event("1"));
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
