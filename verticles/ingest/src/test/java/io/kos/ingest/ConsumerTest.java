package io.kos.ingest;

import io.kos.node.testkit.Http;
import io.kos.ingest.api.Event;
import io.kos.ingest.api.EventPage;
import io.kos.ingest.api.IngestAddresses;
import io.kos.ingest.api.IngestClient;
import io.kos.node.testkit.TestNode;
import io.kos.verticle.ApiRequest;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What consumers see through the typed {@link IngestClient}: {@code kos.ingest.events.new} after
 * commit, and catch-up by seq with {@code kos.ingest.events.since}.
 */
class ConsumerTest {

  private static TestNode node;
  private static Http producer;
  private static long now;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "ingest"));
    producer = Events.producer(node);
    now = System.currentTimeMillis() / 1000;
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void catchUpPagesThroughTenThousandEventsInOrderWithoutGapOrRepeat() throws Exception {
    long chain = 9_001;
    for (int batch = 0; batch < 10; batch++) {
      List<Object> events = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        events.add(Events.feedback(chain, batch * 1000L + i, 0, now + batch));
      }
      Http.Response pushed = producer.postJson("/api/ingest/v1/events", new JsonObject().put("events", new JsonArray(events)));
      assertThat(pushed.json().getInteger("accepted")).as(pushed.toString()).isEqualTo(1000);
    }
    List<Long> blocks = new ArrayList<>();
    long cursor = 0;
    long lastSeq = 0;
    while (true) {
      JsonObject page = since(cursor, 700);
      JsonArray events = page.getJsonArray("events");
      if (events.isEmpty()) {
        break;
      }
      for (Object e : events) {
        JsonObject event = (JsonObject) e;
        assertThat(event.getLong("seq")).isGreaterThan(lastSeq);
        lastSeq = event.getLong("seq");
        if (event.getLong("chain_id") == chain) {
          blocks.add(event.getLong("block_number"));
        }
      }
      cursor = lastSeq;
      assertThat(page.getLong("high_water_seq")).isGreaterThanOrEqualTo(lastSeq);
    }
    assertThat(blocks).hasSize(10_000);
    for (int i = 0; i < blocks.size(); i++) {
      assertThat(blocks.get(i)).isEqualTo(i);
    }
  }

  @Test
  void badCatchUpRequestsAreRefused() {
    Throwable failure = catchThrowable(new JsonObject().put("after_seq", -1));
    assertThat(failure).hasMessageContaining("after_seq");
    assertThat(catchThrowable(new JsonObject().put("limit", 100_000))).hasMessageContaining("limit");
    assertThat(catchThrowable(new JsonObject().put("after_seq", "5"))).hasMessageContaining("after_seq: must be an integer");
    assertThat(catchThrowable(new JsonObject().put("after", 5))).hasMessageContaining("unknown field");
    assertThat(catchThrowable(new JsonObject().put("limit", 0))).isInstanceOfSatisfying(ReplyException.class,
        e -> assertThat(e.failureCode()).isEqualTo(422));
  }

  @Test
  void aTimeRangeIsFoundInTheLogBySeq() {
    long base = now - 50_000;
    Http.Response pushed = producer.postJson("/api/ingest/v1/events", Events.batch(Events.feedback(4_401, 1, 0, base),
        Events.feedback(4_401, 2, 0, base + 10), Events.feedback(4_401, 3, 0, base + 20)));
    assertThat(pushed.status()).isEqualTo(200);
    long last = pushed.json().getLong("high_water_seq");
    IngestClient client = new IngestClient(node.node().vertx());
    IngestClient.SeqRange middle = client.seqRange(base + 5, base + 20).await();
    assertThat(middle.count()).isEqualTo(2);
    assertThat(middle.maxSeq()).isEqualTo(last);
    assertThat(middle.minSeq()).isEqualTo(last - 1);
    IngestClient.SeqRange none = client.seqRange(base + 21, base + 29).await();
    assertThat(none.count()).isZero();
    assertThat(none.minSeq()).isNull();
    assertThatThrownBy(() -> client.seqRange(base + 5, base).await()).hasMessageContaining("to_timestamp");
  }

  @Test
  void pushedEventsArePublishedAfterCommitInOrder() throws Exception {
    try (NewEvents listening = NewEvents.listen()) {
      List<JsonObject> seen = listening.seen();
      long chain = 9_002;
      producer.postJson("/api/ingest/v1/events", Events.batch(Events.feedback(chain, 1, 0, now), Events.feedback(chain, 1, 1, now),
          Events.feedback(chain, 2, 0, now)));
      awaitCount(seen, chain, 3);
      List<JsonObject> mine = seen.stream().filter(e -> e.getLong("chain_id") == chain).toList();
      assertThat(mine.stream().map(e -> e.getString("id"))).containsExactly(chain + "-1-0", chain + "-1-1", chain + "-2-0");
      assertThat(mine.get(0).getLong("seq")).isLessThan(mine.get(2).getLong("seq"));
      // a duplicate push publishes nothing new
      producer.postJson("/api/ingest/v1/events", Events.batch(Events.feedback(chain, 2, 0, now)));
      Thread.sleep(500);
      assertThat(seen.stream().filter(e -> e.getLong("chain_id") == chain)).hasSize(3);
    }
  }

  @Test
  void aRowWrittenByPlainSqlIsPublished() throws Exception {
    long chain = 9_003;
    try (NewEvents listening = NewEvents.listen(); Connection c = node.jdbc();
         Statement s = c.createStatement()) {
      List<JsonObject> seen = listening.seen();
      insertBySql(s, chain, 50);
      awaitCount(seen, chain, 1);
      JsonObject event = seen.stream().filter(e -> e.getLong("chain_id") == chain).findFirst().orElseThrow();
      assertThat(event.getString("event_type")).isEqualTo("Registered");
      assertThat(event.getString("token_uri")).isEqualTo("ipfs://agent.json");
    }
  }

  @Test
  void interleavedPushesDuplicatesAndSqlWritesArePublishedOnceInSeqOrderAsStored() throws Exception {
    long chain = 9_004;
    try (NewEvents listening = NewEvents.listen(); Connection c = node.jdbc();
         Statement s = c.createStatement()) {
      List<JsonObject> seen = listening.seen();
      int expected = 0;
      for (int round = 0; round < 10; round++) {
        producer.postJson("/api/ingest/v1/events", Events.batch(Events.feedback(chain, round * 10L, 0, now),
            Events.feedback(chain, round * 10L, 1, now)));
        // a batch of duplicates only: it takes seqs and inserts nothing
        producer.postJson("/api/ingest/v1/events", Events.batch(Events.feedback(chain, round * 10L, 0, now)));
        // a stored event then a new one: the first write fails on the key and takes seqs, the second skips the stored one
        JsonObject overlapping = producer.postJson("/api/ingest/v1/events", Events.batch(Events.feedback(chain, round * 10L, 1, now),
            Events.feedback(chain, round * 10L, 2, now))).json();
        assertThat(overlapping.getInteger("accepted")).isEqualTo(1);
        assertThat(overlapping.getInteger("duplicates")).isEqualTo(1);
        insertBySql(s, chain, round * 10L + 5);
        expected += 4;
      }
      awaitCount(seen, chain, expected);
      Thread.sleep(300);
      List<JsonObject> mine = seen.stream().filter(e -> e.getLong("chain_id") == chain).toList();
      assertThat(mine).hasSize(expected);
      for (int i = 1; i < mine.size(); i++) {
        assertThat(mine.get(i).getLong("seq")).isGreaterThan(mine.get(i - 1).getLong("seq"));
      }
      for (JsonObject published : mine) {
        JsonObject stored = producer.get("/api/ingest/v1/events/" + published.getString("id")).json();
        assertThat(published).as("published from memory or read back, an event looks as stored").isEqualTo(stored);
      }
    }
  }

  /** What an external indexer does: a Registered event written straight into the table. */
  private static void insertBySql(Statement s, long chain, long block) throws Exception {
    s.executeUpdate("INSERT INTO ingest.events (id, chain_id, block_number, block_hash, transaction_hash, log_index, timestamp, "
        + "registry, event_type, agent_id, owner, token_uri) VALUES ('" + chain + "-" + block + "-0', " + chain + ", " + block + ", '"
        + Events.hash(block) + "', '" + Events.hash(block + 1) + "', 0, " + now + ", 'identity', 'Registered', 7, '"
        + Events.CLIENT.toLowerCase() + "', 'ipfs://agent.json')");
  }

  /** Everything published on kos.ingest.events.new while open. */
  private record NewEvents(List<JsonObject> seen, MessageConsumer<Event> consumer) implements AutoCloseable {

    static NewEvents listen() {
      List<JsonObject> seen = new CopyOnWriteArrayList<>();
      MessageConsumer<Event> consumer = new IngestClient(node.node().vertx()).onNewEvent(event -> {
        assertThat(event.seq()).isEqualTo(event.fields().getLong("seq"));
        seen.add(event.fields());
      });
      consumer.completion().await();
      return new NewEvents(seen, consumer);
    }

    @Override
    public void close() {
      consumer.unregister().await();
    }
  }

  private static void awaitCount(List<JsonObject> seen, long chain, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (seen.stream().filter(e -> e.getLong("chain_id") == chain).count() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(seen.stream().filter(e -> e.getLong("chain_id") == chain)).as("published events of chain " + chain).hasSize(count);
  }

  /** A page from the typed client, as JSON again so the assertions read the fields consumers see. */
  private static JsonObject since(long afterSeq, int limit) {
    EventPage page = new IngestClient(node.node().vertx()).since(afterSeq, limit).await();
    JsonArray events = new JsonArray();
    page.events().forEach(event -> events.add(event.fields()));
    return new JsonObject().put("events", events).put("high_water_seq", page.highWaterSeq());
  }

  /** A raw request: the typed client cannot send some of these bodies. */
  private static Throwable catchThrowable(JsonObject request) {
    try {
      node.node().vertx().eventBus().request(IngestAddresses.EVENTS_SINCE, ApiRequest.busRequest(request)).await();
      return null;
    } catch (Exception e) {
      return e;
    }
  }
}
