package io.kos.ingest;

import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The one pipelined transaction that writes a batch: reorg check, insert, checkpoint and the
 * retry that skips duplicates, on a pool of one connection so every write reuses the same session.
 */
class EventStoreTest {

  private static TestNode node;
  private static Pool pool;
  private static EventStore store;
  private static long now;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "ingest"));
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(node.node().database().connectOptions("ingest"))
        .using(node.node().vertx()).build();
    store = new EventStore(pool);
    now = System.currentTimeMillis() / 1000;
  }

  @AfterAll
  static void stop() {
    pool.close().await();
    node.close();
  }

  @Test
  void aReorgWritesNeitherTheEventsNorTheCheckpoint() throws Exception {
    long chain = 7_101;
    Object first = write(new EventStore.Checkpoint(chain, 5, Events.hash(chain * 1_000_000_000L + 5)), Events.feedback(chain, 5, 0, now));
    assertThat(first).isInstanceOf(EventStore.Stored.class);
    assertThat(checkpointBlock(chain)).isEqualTo(5);

    JsonObject forked = Events.feedback(chain, 5, 1, now).put("block_hash", Events.hash(42));
    Object second = write(new EventStore.Checkpoint(chain, 6, Events.hash(6)), forked, Events.feedback(chain, 6, 0, now + 12));
    assertThat(second).isEqualTo(new EventStore.Reorg(chain, 5, Events.hash(chain * 1_000_000_000L + 5), Events.hash(42)));
    assertThat(count(chain)).as("nothing of the reorganised batch").isEqualTo(1);
    assertThat(checkpointBlock(chain)).as("the checkpoint stays where the stored events are").isEqualTo(5);
  }

  @Test
  void aBatchHoldingStoredEventsIsWrittenAgainWithoutThemAndItsCheckpoint() throws Exception {
    long chain = 7_102;
    write(null, Events.feedback(chain, 1, 0, now), Events.feedback(chain, 1, 1, now));
    EventStore.Stored stored = (EventStore.Stored) write(new EventStore.Checkpoint(chain, 2, Events.hash(chain * 1_000_000_000L + 2)),
        Events.feedback(chain, 1, 1, now), Events.feedback(chain, 2, 0, now + 12), Events.feedback(chain, 2, 1, now + 12));
    assertThat(stored.accepted()).isEqualTo(2);
    assertThat(stored.duplicates()).isEqualTo(1);
    assertThat(stored.ids()).containsExactly(chain + "-2-0", chain + "-2-1");
    assertThat(stored.seqs()[1]).isEqualTo(stored.seqs()[0] + 1).isEqualTo(stored.highWaterSeq());
    assertThat(stored.seqBefore()).as("the failed first write took seqs before this span").isLessThan(stored.seqs()[0]);
    assertThat(count(chain)).isEqualTo(4);
    assertThat(checkpointBlock(chain)).isEqualTo(2);
  }

  @Test
  void aRetryAfterAStoredEventStillFindsTheMonthItsFirstWriteHadCreated() throws Exception {
    long chain = 7_104;
    write(null, Events.feedback(chain, 1, 0, now));
    // partitions exist from the retention window to two months ahead: this month is new to the table
    long farAhead = now + 200 * 86_400L;
    EventStore.Stored stored = (EventStore.Stored) write(null, Events.feedback(chain, 1, 0, now), Events.feedback(chain, 2, 0, farAhead));
    assertThat(stored.accepted()).isEqualTo(1);
    assertThat(stored.duplicates()).isEqualTo(1);
    assertThat(count(chain)).isEqualTo(2);
  }

  @Test
  void aFailedWriteStoresNothingAndLeavesTheSessionClean() throws Exception {
    long chain = 7_103;
    try (Connection c = node.jdbc(); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE ingest.events ADD CONSTRAINT refuse_for_test CHECK (file_uri IS DISTINCT FROM 'refuse-me')");
      try {
        assertThatThrownBy(() -> write(new EventStore.Checkpoint(chain, 1, Events.hash(1)), Events.feedback(chain, 1, 0, now),
            Events.feedback(chain, 1, 1, now).put("file_uri", "refuse-me")))
            .isInstanceOf(PgException.class).hasMessageContaining("refuse_for_test");
      } finally {
        s.execute("ALTER TABLE ingest.events DROP CONSTRAINT refuse_for_test");
      }
    }
    assertThat(count(chain)).isZero();
    assertThat(checkpointBlock(chain)).isEqualTo(-1);
    // the same (only) connection again: no transaction left open, the writers' lock released
    Object next = write(new EventStore.Checkpoint(chain, 1, Events.hash(chain * 1_000_000_000L + 1)), Events.feedback(chain, 1, 0, now));
    assertThat(((EventStore.Stored) next).accepted()).isEqualTo(1);
    assertThat(count(chain)).isEqualTo(1);
    assertThat(checkpointBlock(chain)).isEqualTo(1);
  }

  @Test
  void aMonthThatRetentionDroppedIsMadeAgainWhenAnEventOfItComesBack() throws Exception {
    long chain = 7_109;
    long old = now - 400 * 86_400L;
    // retention runs in another verticle, with its own store: this one still counts the month as made
    EventStore retention = new EventStore(pool);
    long monthAfter = EventStore.monthStarts(old, old + 32 * 86_400L).get(1);
    for (int round = 1; round <= 3; round++) {
      EventStore.WriteOutcome stored = write(null, Events.feedback(chain, round, 0, old));
      assertThat(stored).as("round " + round).isInstanceOf(EventStore.Stored.class);
      assertThat(((EventStore.Stored) stored).accepted()).isOne();
      assertThat(count(chain)).isOne();
      assertThat(retention.dropBefore(monthAfter).await()).as("round " + round).isNotEmpty();
      assertThat(count(chain)).isZero();
    }
  }

  private static EventStore.WriteOutcome write(EventStore.Checkpoint checkpoint, JsonObject... events) {
    EventBatch batch = EventBatch.of(List.of((Object[]) events));
    assertThat(batch.problems()).isEmpty();
    return store.store(batch, checkpoint).await();
  }

  private static long count(long chain) throws Exception {
    return single("SELECT count(*) FROM ingest.events WHERE chain_id = " + chain);
  }

  private static long checkpointBlock(long chain) throws Exception {
    return single("SELECT coalesce(max(block_number), -1) FROM ingest.checkpoints WHERE chain_id = " + chain);
  }

  private static long single(String sql) throws Exception {
    try (Connection c = node.jdbc(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
