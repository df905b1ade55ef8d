package io.kos.actions;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.TestNode;
import io.kos.actions.api.ActionsAddresses;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/** A test node running actions (and ingest, for agents) with loopback allowed out and quick retries. */
final class ActionsNode {

  private ActionsNode() {
  }

  /** {@code extra}: more YAML under {@code verticles.config.actions}, indented by six spaces. */
  static TestNode start(String telegramApi, String extra, boolean allowLoopback) {
    String yaml = """
        verticles:
          config:
            actions:
              backoff_base_ms: 20
              backoff_cap_ms: 100
              attempts: 3
              lease_seconds: 5
              poll_ms: 200
              noop_executor: true
              ipfs_gateway: "%s"
              telegram:
                bot_token: "%s"
                api_url: "%s"
                chat_interval_ms: 0
        %s""".formatted("http://127.0.0.1:9/ipfs/", TelegramFake.TOKEN, telegramApi == null ? "http://127.0.0.1:9" : telegramApi,
        extra == null ? "" : extra);
    return TestNode.start(allowLoopback ? Map.of("verticles.deploy", "actions,ingest", "outbound.allow", "127.0.0.0/8,::1/128")
        : Map.of("verticles.deploy", "actions,ingest"), TestNode.configFile(yaml));
  }

  static TestNode start() {
    return start(null, null, true);
  }

  /** Enqueues over the bus as triggers does; the reply {@code {job_id, duplicate}}. */
  static JsonObject enqueue(TestNode node, String key, UUID owner, String type, int priority, JsonObject config, JsonObject event) {
    JsonObject body = new JsonObject().put("idempotency_key", key)
        .put("trigger", new JsonObject().put("id", UUID.nameUUIDFromBytes(owner.toString().getBytes()).toString()).put("name", "t")
            .put("owner_id", owner.toString()))
        .put("action", new JsonObject().put("id", 1).put("action_type", type).put("priority", priority).put("config", config))
        .put("event", event);
    io.vertx.core.buffer.Buffer reply = node.node().vertx().eventBus().<io.vertx.core.buffer.Buffer>request(ActionsAddresses.ENQUEUE,
        io.kos.verticle.ApiRequest.busRequest(body), new DeliveryOptions().setSendTimeout(10_000)).await().body();
    return new JsonObject(reply);
  }

  /** Asks kos.actions.validate; the reply, or the failure's JSON with {@code status}. */
  static JsonObject validate(TestNode node, UUID owner, JsonArray actions) {
    try {
      io.vertx.core.buffer.Buffer reply = node.node().vertx().eventBus().<io.vertx.core.buffer.Buffer>request(ActionsAddresses.VALIDATE,
          io.kos.verticle.ApiRequest.busRequest(new JsonObject().put("owner_id", owner.toString()).put("actions", actions))).await().body();
      return new JsonObject(reply);
    } catch (io.vertx.core.eventbus.ReplyException e) {
      return new JsonObject(e.getMessage()).put("status", e.failureCode());
    }
  }

  /**
   * An action as triggers would have it: checked by kos.actions.validate (stored as it answers, so
   * a webhook secret is sealed), enqueued for the session's user, and followed until the job ends.
   */
  static JsonObject deliver(TestNode node, Accounts.Session owner, String type, JsonObject config, JsonObject event) throws InterruptedException {
    UUID ownerId = ownerOf(owner);
    JsonObject checked = validate(node, ownerId, new JsonArray().add(new JsonObject().put("action_type", type).put("config", config)));
    if (checked.containsKey("error")) {
      throw new AssertionError("the action did not validate: " + checked.encode());
    }
    JsonObject stored = checked.getJsonArray("actions").getJsonObject(0).getJsonObject("config");
    long id = enqueue(node, type + "-" + UUID.randomUUID(), ownerId, type, 1, stored, event).getLong("job_id");
    JsonObject[] job = new JsonObject[1];
    await(Duration.ofSeconds(20), () -> {
      job[0] = owner.http().get("/api/actions/v1/jobs/" + id).json();
      return java.util.List.of("succeeded", "failed", "dead").contains(job[0].getString("status"));
    }, "job " + id + " to end");
    return job[0];
  }

  static JsonObject event(String agentId) {
    return new JsonObject().put("id", "31337:" + UUID.randomUUID()).put("seq", 1).put("chain_id", 31337).put("block_number", 7)
        .put("timestamp", 1_700_000_000L).put("registry", "reputation").put("event_type", "NewFeedback").put("agent_id", agentId)
        .put("score", 87).put("client_address", "0x00000000000000000000000000000000000000c1");
  }

  static UUID ownerOf(Accounts.Session session) {
    return UUID.fromString(session.userId());
  }

  static void await(Duration timeout, BooleanSupplier check, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!check.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
