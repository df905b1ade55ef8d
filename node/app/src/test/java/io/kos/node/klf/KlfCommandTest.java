package io.kos.node.klf;

import io.kos.node.Main;
import io.kos.node.identity.NodeIdentity;
import io.kos.node.testkit.KlfPeer;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code kos-node klf send} and {@code klf verify} against a running node, signing with a key file of their own. */
class KlfCommandTest {

  private static final Path KEY = TestNode.tempDir().resolve("operator.key");
  private static final NodeIdentity OPERATOR = NodeIdentity.loadOrCreate(KEY, "hakim");
  private static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "probe",
        "klf.peers", new JsonArray().add(new JsonObject().put("did", OPERATOR.did()).put("role", "editor")).encode()));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private record Run(int exitCode, String out, String err) {
  }

  private static Run klf(String... args) {
    List<String> all = new ArrayList<>(List.of("klf"));
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(all.toArray(String[]::new), Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private static Run send(String... args) {
    List<String> all = new ArrayList<>(List.of("send", "--to", node.node().httpUrl(), "--key", KEY.toString(), "--class", "hakim"));
    all.addAll(List.of(args));
    return klf(all.toArray(String[]::new));
  }

  @Test
  void sendsSignedMessagesAndPrintsTheVerifiedAnswers() {
    Run ping = send("--type", "ping");
    assertThat(ping.exitCode()).as(ping.toString()).isZero();
    assertThat(ping.out()).contains("\"type\" : \"pong\"", "\"to\" : \"" + OPERATOR.did() + "\"");

    Run query = send("--type", "data_query", "--name", "whoami");
    assertThat(query.exitCode()).as(query.toString()).isZero();
    assertThat(query.out()).contains("\"did\" : \"" + OPERATOR.did() + "\"", "\"role\" : \"editor\"");

    Run command = send("--type", "control_command", "--name", "echo", "--params", "{\"say\": \"hi\"}");
    assertThat(command.exitCode()).isZero();
    assertThat(command.out()).contains("\"say\" : \"hi\"");

    Run unknown = send("--type", "data_query", "--name", "nothing_here");
    assertThat(unknown.exitCode()).isEqualTo(Main.FAILURE);
    assertThat(unknown.out()).contains("unknown_operation");
  }

  @Test
  void waitFollowsATaskToItsResult() {
    Run work = send("--type", "task_request", "--name", "work", "--params", "{\"steps\": 2, \"step_ms\": 200}", "--wait");
    assertThat(work.exitCode()).as(work.toString()).isZero();
    assertThat(work.out()).contains("\"status\" : \"pending\"", "completed 100% completed", "\"steps\" : 2");

    Run failing = send("--type", "task_request", "--name", "fail", "--wait");
    assertThat(failing.exitCode()).as(failing.toString()).isEqualTo(Main.FAILURE);
    assertThat(failing.out()).contains("failed", "internal_error");
  }

  @Test
  void refusalsAndUsageErrorsHaveTheirExitCodes() throws IOException {
    Path stranger = TestNode.tempDir().resolve("stranger.key");
    NodeIdentity.loadOrCreate(stranger, "ronin");
    Run refused = klf("send", "--to", node.node().httpUrl(), "--key", stranger.toString(), "--class", "ronin", "--type", "ping");
    assertThat(refused.exitCode()).isEqualTo(Main.FAILURE);
    assertThat(refused.out()).contains("unknown_node");

    assertThat(send("--type", "data_query", "--name", "whoami", "--params", "[1]").exitCode()).isEqualTo(Main.USAGE);
    assertThat(send("--type", "data_query").exitCode()).isEqualTo(Main.USAGE);
    assertThat(send("--type", "shout").exitCode()).isEqualTo(Main.USAGE);
    Run noKey = klf("send", "--to", node.node().httpUrl(), "--key", "/nowhere/key", "--type", "ping");
    assertThat(noKey.exitCode()).isEqualTo(Main.USAGE);
    assertThat(noKey.err()).contains("does not exist");
    Run noNode = klf("send", "--to", "http://127.0.0.1:1", "--key", KEY.toString(), "--type", "ping");
    assertThat(noNode.exitCode()).isEqualTo(Main.FAILURE);
  }

  @Test
  void verifyChecksASavedMessage() throws IOException {
    JsonObject message = KlfPeer.of(OPERATOR).message(node.node().identity().did(), "event", new JsonObject().put("what", "saved"));
    Path saved = Files.writeString(TestNode.tempDir().resolve("message.json"), message.encodePrettily());
    Run valid = klf("verify", saved.toString());
    assertThat(valid.exitCode()).as(valid.toString()).isZero();
    assertThat(valid.out()).startsWith("valid: event " + message.getString("id") + " from " + OPERATOR.did());

    message.getJsonObject("payload").put("what", "changed");
    Files.writeString(saved, message.encode());
    Run tampered = klf("verify", saved.toString());
    assertThat(tampered.exitCode()).isEqualTo(Main.FAILURE);
    assertThat(tampered.out()).startsWith("invalid: bad_signature");

    Files.writeString(saved, "not json");
    assertThat(klf("verify", saved.toString()).exitCode()).isEqualTo(Main.FAILURE);
    assertThat(klf("verify", "/nowhere/message.json").exitCode()).isEqualTo(Main.USAGE);
  }
}
