package io.kos.ingest;

import io.kos.ingest.api.Event;
import io.kos.ingest.api.IngestAddresses;
import io.kos.ingest.api.EventCodec;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The publisher alone, as a state machine on one Vert.x context, against a real ingest table (no
 * node: its schema is made by a node started and stopped once). Whatever wins the race between a
 * batch handed over in memory and the read-back a notification starts, every event is published
 * once, in seq order.
 */
@ExtendWith(VertxExtension.class)
class EventPublisherTest {

  private static final String ADDRESS = "test.published";
  private static String databaseUrl;
  private Pool pool;
  private EventPublisher publisher;
  private Context context;
  private final List<Long> published = new CopyOnWriteArrayList<>();
  /** Each publication's kos-previous-seq, in step with {@link #published}. */
  private final List<Long> previous = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void migrate() {
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"))) {
      databaseUrl = node.databaseUrl();
    }
  }

  @BeforeEach
  void start(Vertx vertx, VertxTestContext started) {
    EventCodec.register(vertx);
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2))
        .connectingTo(PgConnectOptions.fromUri(databaseUrl).setProperties(Map.of("search_path", "ingest"))).using(vertx).build();
    vertx.eventBus().<Event>consumer(ADDRESS, message -> {
      previous.add(Long.parseLong(message.headers().get(IngestAddresses.PREVIOUS_SEQ_HEADER)));
      published.add(message.body().seq());
    });
    context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      publisher = new EventPublisher(vertx, new EventStore(pool), ADDRESS);
      publisher.start().onComplete(started.succeedingThenComplete());
    });
  }

  @AfterEach
  void stop(VertxTestContext stopped) {
    context.runOnContext(v -> publisher.stop().compose(x -> pool.close()).onComplete(stopped.succeedingThenComplete()));
  }

  @Test
  void rowsAnotherWriterCommitsArePublishedInSeqOrder(Vertx vertx, VertxTestContext test) throws Exception {
    List<Long> seqs = insert(9_101, 3);
    awaitPublished(vertx, test, seqs);
  }

  @Test
  void batchesHandedOverInAnyOrderArePublishedOnceInSeqOrder(Vertx vertx, VertxTestContext test) throws Exception {
    // leadership first: a read-back proves this publisher holds the lock and listens
    awaitLeading(9_102);
    long before = published.get(published.size() - 1);
    List<Long> first = insert(9_103, 2);
    List<Long> second = insert(9_104, 3);
    // the later batch is handed over first; the notifications of both race the hand-overs
    context.runOnContext(v -> {
      publisher.offer(offer(first.get(first.size() - 1), second));
      publisher.offer(offer(before, first));
    });
    List<Long> all = new ArrayList<>(first);
    all.addAll(second);
    awaitPublished(vertx, test, all);
  }

  private void awaitLeading(long chain) throws Exception {
    List<Long> seqs = insert(chain, 1);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!published.containsAll(seqs) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(published).containsAll(seqs);
  }

  /** The published seqs end with exactly {@code expected}, in order, each once. */
  private void awaitPublished(Vertx vertx, VertxTestContext test, List<Long> expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    vertx.setPeriodic(20, id -> {
      if (published.containsAll(expected) || System.nanoTime() > deadline) {
        vertx.cancelTimer(id);
        // settle a little: a second publication of the same seq would show here
        vertx.setTimer(300, t -> test.verify(() -> {
          List<Long> tail = published.subList(published.indexOf(expected.get(0)), published.size());
          assertThat(tail).containsExactlyElementsOf(expected);
          // each names the one published before it, so a consumer can tell it missed none
          for (int i = 1; i < published.size(); i++) {
            assertThat(previous.get(i)).as("previous seq of %s", published.get(i)).isEqualTo(published.get(i - 1));
          }
          test.completeNow();
        }));
      }
    });
  }

  private static PublisherVerticle.Offer offer(long before, List<Long> seqs) {
    List<Event> events = seqs.stream().map(seq -> Event.of(seq, new JsonObject().put("seq", seq))).toList();
    return new PublisherVerticle.Offer(before, seqs.get(seqs.size() - 1), events);
  }

  /** Inserts {@code count} events of one chain in one statement, as an external writer would; their seqs. */
  private static List<Long> insert(long chain, int count) throws Exception {
    long now = System.currentTimeMillis() / 1000;
    StringBuilder values = new StringBuilder();
    for (int i = 0; i < count; i++) {
      values.append(i == 0 ? "" : ", ").append("('").append(chain).append("-").append(i).append("-0', ").append(chain).append(", ")
          .append(i).append(", '").append(Events.hash(i)).append("', '").append(Events.hash(i + 1)).append("', 0, ").append(now)
          .append(", 'identity', 'Registered', 7)");
    }
    List<Long> seqs = new ArrayList<>();
    try (Connection c = TestDatabase.connect(databaseUrl); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("INSERT INTO ingest.events (id, chain_id, block_number, block_hash, transaction_hash, log_index, "
             + "timestamp, registry, event_type, agent_id) VALUES " + values + " RETURNING seq")) {
      while (rs.next()) {
        seqs.add(rs.getLong(1));
      }
    }
    seqs.sort(null);
    return seqs;
  }
}
