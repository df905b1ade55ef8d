package io.kos.actions;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.TestNode;
import io.kos.actions.api.ActionsAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.kos.actions.ActionsNode.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The queue's semantics on a real node: idempotent enqueue, priority, backoff and dead-lettering, leases, retry by API, wake-up. */
class QueueTest {

  private static Receiver receiver;
  private static TestNode node;
  private static Accounts.Session alice;

  @BeforeAll
  static void start() {
    receiver = Receiver.start();
    node = ActionsNode.start();
    alice = node.user("alice", "editor");
  }

  @AfterAll
  static void stop() {
    node.close();
    receiver.close();
  }

  private static JsonObject rest(String path) {
    return new JsonObject().put("url", receiver.url(path)).put("timeout_ms", 2000);
  }

  private static UUID owner() {
    return ActionsNode.ownerOf(alice);
  }

  @Test
  void aRepeatedKeyReturnsTheFirstJobAndDeliversOnce() throws Exception {
    String key = "dup-" + UUID.randomUUID();
    JsonObject first = ActionsNode.enqueue(node, key, owner(), "rest", 1, rest("/dup"), ActionsNode.event("1"));
    JsonObject second = ActionsNode.enqueue(node, key, owner(), "rest", 1, rest("/dup"), ActionsNode.event("1"));
    assertThat(first.getBoolean("duplicate")).isFalse();
    assertThat(second.getBoolean("duplicate")).isTrue();
    assertThat(second.getLong("job_id")).isEqualTo(first.getLong("job_id"));
    await(Duration.ofSeconds(10), () -> receiver.at("/dup").size() == 1, "the delivery");
    Thread.sleep(300);
    assertThat(receiver.at("/dup")).hasSize(1);
    assertThat(receiver.at("/dup").get(0).header("x-kos-delivery-id")).isEqualTo(key);
  }

  @Test
  void concurrentRepeatsOfOneKeyMakeOneJob() throws Exception {
    String key = "race-" + UUID.randomUUID();
    List<JsonObject> replies = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Thread t = new Thread(() -> replies.add(ActionsNode.enqueue(node, key, owner(), "noop", 1, new JsonObject(), ActionsNode.event("2"))));
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(replies.stream().map(r -> r.getLong("job_id")).distinct()).hasSize(1);
    assertThat(replies.stream().filter(r -> !r.getBoolean("duplicate"))).hasSize(1);
  }

  @Test
  void failuresBackOffThenTheJobIsDeadAndAnOutcomeIsPublished() throws Exception {
    List<JsonObject> outcomes = new CopyOnWriteArrayList<>();
    var consumer = node.node().vertx().eventBus().<JsonObject>consumer(ActionsAddresses.OUTCOME, m -> outcomes.add(m.body()));
    consumer.completion().await();
    receiver.responder = request -> request.path().equals("/down") ? Receiver.Reply.status(503) : Receiver.Reply.ok();
    JsonObject job = ActionsNode.enqueue(node, "down-" + UUID.randomUUID(), owner(), "rest", 1, rest("/down"), ActionsNode.event("4"));
    long id = job.getLong("job_id");
    await(Duration.ofSeconds(15), () -> outcomes.stream().anyMatch(o -> o.getLong("job_id") == id), "the outcome");
    consumer.unregister().await();
    receiver.responder = request -> Receiver.Reply.ok();
    JsonObject outcome = outcomes.stream().filter(o -> o.getLong("job_id") == id).findFirst().orElseThrow();
    assertThat(outcome.getString("status")).isEqualTo("dead");
    assertThat(outcome.getInteger("attempt")).isEqualTo(3);
    assertThat(receiver.at("/down")).hasSize(3);
    JsonObject shown = alice.http().get("/api/actions/v1/jobs/" + id).json();
    assertThat(shown.getString("status")).isEqualTo("dead");
    JsonArray attempts = shown.getJsonArray("attempts_made");
    assertThat(attempts.stream().map(a -> ((JsonObject) a).getString("status"))).containsExactly("retrying", "retrying", "failed");
    assertThat(attempts.getJsonObject(2).getString("error_message")).contains("HTTP 503");
  }

  @Test
  void aClientErrorIsNotRetried() throws Exception {
    receiver.responder = request -> request.path().equals("/gone") ? Receiver.Reply.status(410) : Receiver.Reply.ok();
    long id = ActionsNode.enqueue(node, "gone-" + UUID.randomUUID(), owner(), "rest", 1, rest("/gone"), ActionsNode.event("5")).getLong("job_id");
    await(Duration.ofSeconds(10), () -> "failed".equals(alice.http().get("/api/actions/v1/jobs/" + id).json().getString("status")), "failed");
    receiver.responder = request -> Receiver.Reply.ok();
    assertThat(receiver.at("/gone")).hasSize(1);
  }

  @Test
  void retryAfterIsHonoured() throws Exception {
    receiver.responder = request -> request.path().equals("/slowdown") && receiver.at("/slowdown").size() == 1
        ? new Receiver.Reply(429, java.util.Map.of("retry-after", "1"), "", 0) : Receiver.Reply.ok();
    ActionsNode.enqueue(node, "429-" + UUID.randomUUID(), owner(), "rest", 1, rest("/slowdown"), ActionsNode.event("6"));
    await(Duration.ofSeconds(10), () -> receiver.at("/slowdown").size() == 2, "the second attempt");
    receiver.responder = request -> Receiver.Reply.ok();
    List<Receiver.Request> calls = receiver.at("/slowdown");
    // backoff here is at most 100 ms: a gap of a second is the receiver's Retry-After
    assertThat(Duration.ofNanos(calls.get(1).receivedNanos() - calls.get(0).receivedNanos())).isGreaterThanOrEqualTo(Duration.ofMillis(950));
  }

  @Test
  void anExpiredLeaseIsReclaimedAndTheJobRunsAgain() throws Exception {
    long id = ActionsNode.enqueue(node, "lease-" + UUID.randomUUID(), owner(), "rest", 1, rest("/lease"), ActionsNode.event("7"))
        .getLong("job_id");
    await(Duration.ofSeconds(10), () -> receiver.at("/lease").size() == 1, "the first delivery");
    try (Connection db = node.jdbc(); Statement sql = db.createStatement()) {
      // as if a worker on another node had claimed it again and died holding it
      sql.execute("UPDATE actions.action_jobs SET status = 'running', attempts = attempts + 1, lease_owner = 'did:dead/worker', "
          + "lease_expires_at = now() - interval '1 second', max_attempts = 5 WHERE id = " + id);
    }
    await(Duration.ofSeconds(15), () -> receiver.at("/lease").size() == 2, "the reclaimed job delivered");
    await(Duration.ofSeconds(5), () -> "succeeded".equals(alice.http().get("/api/actions/v1/jobs/" + id).json().getString("status")), "done");
    JsonArray attempts = alice.http().get("/api/actions/v1/jobs/" + id).json().getJsonArray("attempts_made");
    assertThat(attempts.stream().map(a -> ((JsonObject) a).getString("error_message")).filter(java.util.Objects::nonNull).toList())
        .anySatisfy(error -> assertThat(error).contains("did:dead/worker").contains("lease expired"));
  }

  @Test
  void aNewJobWakesAnIdleWorkerAtOnce() throws Exception {
    // poll_ms is 200 here: a delivery well under that after the enqueue came from the wake-up
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      Thread.sleep(250);
      String path = "/wake/" + i;
      long before = System.nanoTime();
      ActionsNode.enqueue(node, "wake-" + UUID.randomUUID(), owner(), "rest", 1, rest(path), ActionsNode.event("8"));
      await(Duration.ofSeconds(5), () -> receiver.at(path).size() == 1, "the delivery");
      best = Math.min(best, receiver.at(path).get(0).receivedNanos() - before);
    }
    assertThat(Duration.ofNanos(best)).isLessThan(Duration.ofMillis(150));
  }
}
