package io.kos.triggers;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.kos.actions.api.ActionsAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test side of the pipeline around {@code triggers}: events pushed through a real ingest, and
 * a stand-in for the actions verticle (until it lands) that checks configs on
 * {@code kos.actions.validate} and records what {@code kos.actions.enqueue} receives, idempotently
 * by key as the real queue is.
 */
final class Pipeline {

  /** Block times of a day ago: recent enough that ingest's retention (365 days) keeps them across restarts. */
  private static final long DAY_AGO = System.currentTimeMillis() / 1000 - 86_400;

  final List<JsonObject> enqueued = new CopyOnWriteArrayList<>();
  private final Map<String, String> jobs = new ConcurrentHashMap<>();
  private final AtomicInteger nextJob = new AtomicInteger();
  private MessageConsumer<JsonObject> validate;
  private MessageConsumer<JsonObject> enqueue;

  /** Starts answering both addresses on this node's bus; an action config with {@code "bad": true} is refused. */
  Pipeline answer(Vertx vertx) {
    validate = vertx.eventBus().consumer(ActionsAddresses.VALIDATE, message -> {
      JsonArray actions = message.body().getJsonObject("body").getJsonArray("actions");
      for (int i = 0; i < actions.size(); i++) {
        if (actions.getJsonObject(i).getJsonObject("config").getBoolean("bad", false)) {
          message.fail(422, new JsonObject().put("error", "invalid_field").put("message", "bad config")
              .put("field", "actions[" + i + "].config.bad").encode());
          return;
        }
      }
      message.reply(Buffer.buffer("{}"));
    });
    enqueue = vertx.eventBus().consumer(ActionsAddresses.ENQUEUE, message -> {
      JsonObject body = message.body().getJsonObject("body");
      String key = body.getString("idempotency_key");
      String existing = jobs.get(key);
      boolean duplicate = existing != null;
      if (!duplicate) {
        existing = "job-" + nextJob.incrementAndGet();
        jobs.put(key, existing);
        enqueued.add(body);
      }
      message.reply(new JsonObject().put("job_id", existing).put("duplicate", duplicate).toBuffer());
    });
    validate.completion().toCompletionStage().toCompletableFuture().join();
    enqueue.completion().toCompletionStage().toCompletableFuture().join();
    return this;
  }

  void stop() {
    validate.unregister().toCompletionStage().toCompletableFuture().join();
    enqueue.unregister().toCompletionStage().toCompletableFuture().join();
  }

  /** The jobs enqueued for one trigger. */
  List<JsonObject> of(String triggerId) {
    return enqueued.stream().filter(e -> e.getJsonObject("trigger").getString("id").equals(triggerId)).toList();
  }

  static Http producer(TestNode node) {
    return node.http().withApiKey(Accounts.apiKey(node.user("producer-" + System.nanoTime(), "editor"), "producer"));
  }

  /** A v0.4 NewFeedback of the push API's shape. */
  static JsonObject feedback(long chainId, long block, int logIndex, String agent, int score) {
    return new JsonObject().put("chain_id", chainId).put("block_number", block).put("block_hash", hash(chainId * 1_000_000L + block))
        .put("transaction_hash", hash(block * 1000 + logIndex + 7)).put("log_index", logIndex).put("timestamp", DAY_AGO + block)
        .put("registry", "reputation").put("event_type", "NewFeedback").put("agent_id", agent)
        .put("client_address", "0x00000000000000000000000000000000000000c1").put("score", score)
        .put("tag1", "0x7175616c69747900000000000000000000000000000000000000000000000000").put("file_uri", "ipfs://f");
  }

  /** A v1 NewFeedback: value with decimals, string tags. */
  static JsonObject v1Feedback(long chainId, long block, int logIndex, String agent, String value, int decimals) {
    JsonObject event = feedback(chainId, block, logIndex, agent, 0);
    event.remove("score");
    event.remove("tag1");
    return event.put("spec_version", "v1").put("value", value).put("value_decimals", decimals).put("tag1_text", "quality")
        .put("feedback_index", Integer.toString(logIndex + 1));
  }

  static void push(Http producer, JsonObject... events) {
    Http.Response pushed = producer.postJson("/api/ingest/v1/events", new JsonObject().put("events", new JsonArray(List.of((Object[]) events))));
    assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
  }

  static String hash(long n) {
    return "0x" + String.format("%064x", n);
  }

  /** Waits until the check holds (polling), failing after {@code timeout}. */
  static void await(Duration timeout, java.util.function.BooleanSupplier check, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!check.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
