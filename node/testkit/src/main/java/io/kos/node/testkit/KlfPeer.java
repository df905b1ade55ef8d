package io.kos.node.testkit;

import io.kos.node.identity.NodeIdentity;
import io.kos.node.klf.KlfMessage;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.List;

/**
 * A node identity the test holds (its own key pair in a temp dir), to sign KLF messages as another
 * node would, and to send them to a node's {@code /klf/v1/message}.
 */
public final class KlfPeer {

  private final NodeIdentity identity;

  private KlfPeer(NodeIdentity identity) {
    this.identity = identity;
  }

  public static KlfPeer create(String nodeClass) {
    return new KlfPeer(NodeIdentity.loadOrCreate(TestNode.tempDir().resolve("node.key"), nodeClass));
  }

  /** Signs as a node process the test started, with the key in its data dir (to forge what only that node may send). */
  public static KlfPeer ofDataDir(Path dataDir, String did) {
    return new KlfPeer(NodeIdentity.load(dataDir.resolve("node.key"), did.split(":")[2]));
  }

  /** Signs as a node the test runs (to send what that node would send). */
  public static KlfPeer of(NodeIdentity identity) {
    return new KlfPeer(identity);
  }

  public String did() {
    return identity.did();
  }

  public NodeIdentity identity() {
    return identity;
  }

  /** A signed message to {@code to}. */
  public JsonObject message(String to, String type, JsonObject payload, JsonObject metadata) {
    return KlfMessage.signed(identity, to, type, payload, metadata);
  }

  public JsonObject message(String to, String type, JsonObject payload) {
    return message(to, type, payload, new JsonObject());
  }

  /** {@code {<kind>_name: name, params}} for a task_request, data_query or control_command. */
  public JsonObject call(String to, String type, String name, JsonObject params, JsonObject metadata) {
    String field = switch (type) {
      case KlfMessage.TASK_REQUEST -> "task_name";
      case KlfMessage.DATA_QUERY -> "query_name";
      case KlfMessage.CONTROL_COMMAND -> "command_name";
      default -> throw new IllegalArgumentException("no name in a " + type);
    };
    return message(to, type, new JsonObject().put(field, name).put("params", params), metadata);
  }

  public JsonObject call(String to, String type, String name, JsonObject params) {
    return call(to, type, name, params, new JsonObject());
  }

  /** Re-signs a message after a test changed it (a valid signature over a changed envelope). */
  public JsonObject resign(JsonObject message) {
    JsonObject copy = message.copy();
    copy.remove("signature");
    return copy.put("signature", java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(identity.sign(KlfMessage.canonical(copy))));
  }

  /** POSTs the message to the node's {@code /klf/v1/message}. */
  public static Http.Response send(Http node, JsonObject message) {
    return node.postJson("/klf/v1/message", message);
  }

  /**
   * Follows a task this peer sent to {@code node} (the {@code accepted} answer names its job) with
   * {@code task_status} queries until it is completed or failed, or 20 s have passed; its last status.
   */
  public JsonObject awaitTask(Http node, String nodeDid, JsonObject accepted) {
    String taskId = accepted.getJsonObject("payload").getString("job_id");
    if (taskId == null) {
      throw new AssertionError("the task was not accepted: " + accepted.encode());
    }
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      JsonObject status = send(node, call(nodeDid, KlfMessage.DATA_QUERY, "task_status", new JsonObject().put("job_id", taskId)))
          .json().getJsonObject("payload").getJsonObject("result");
      if (List.of("completed", "failed").contains(status.getString("status")) || System.currentTimeMillis() > deadline) {
        return status;
      }
      NodeProcess.sleep(100);
    }
  }
}
