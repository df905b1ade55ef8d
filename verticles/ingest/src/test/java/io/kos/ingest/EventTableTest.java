package io.kos.ingest;

import io.kos.node.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the table itself guarantees to any writer, the verticle or plain SQL. */
class EventTableTest {

  private static TestNode node;
  private static long now;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "ingest"));
    now = System.currentTimeMillis() / 1000;
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aThousandRowInsertNotifiesOnceWithItsHighWaterSeq() throws Exception {
    try (Connection listener = connect(); Connection writer = connect(); Statement listen = listener.createStatement();
         Statement write = writer.createStatement()) {
      listen.execute("LISTEN new_event");
      int rows = write.executeUpdate(insertSeries(8_001, 1000));
      assertThat(rows).isEqualTo(1000);
      long highWater;
      try (ResultSet rs = write.executeQuery("SELECT max(seq) FROM ingest.events WHERE chain_id = 8001")) {
        rs.next();
        highWater = rs.getLong(1);
      }
      // everything the commit sent arrives within this window; one per row would be a thousand
      List<PGNotification> received = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
      while (System.nanoTime() < deadline) {
        PGNotification[] batch = listener.unwrap(PGConnection.class).getNotifications(100);
        if (batch != null) {
          received.addAll(List.of(batch));
        }
      }
      assertThat(received).hasSize(1);
      assertThat(received.get(0).getParameter()).isEqualTo(Long.toString(highWater));
    }
  }

  @Test
  void aWriterWaitsForTheOneBeforeItSoSeqFollowsCommitOrder() throws Exception {
    try (Connection first = connect(); Connection second = connect()) {
      first.setAutoCommit(false);
      try (Statement s = first.createStatement()) {
        s.executeUpdate(insertSeries(8_002, 1));
      }
      CompletableFuture<Long> later = CompletableFuture.supplyAsync(() -> {
        try (Statement s = second.createStatement()) {
          s.executeUpdate(insertSeries(8_003, 1));
          try (ResultSet rs = s.executeQuery("SELECT seq FROM ingest.events WHERE chain_id = 8003")) {
            rs.next();
            return rs.getLong(1);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(500);
      assertThat(later).as("the second writer waits while the first is uncommitted").isNotDone();
      long firstSeq;
      try (Statement s = first.createStatement(); ResultSet rs = s.executeQuery("SELECT seq FROM ingest.events WHERE chain_id = 8002")) {
        rs.next();
        firstSeq = rs.getLong(1);
      }
      first.commit();
      assertThat(later.get(10, TimeUnit.SECONDS)).isGreaterThan(firstSeq);
    }
  }

  @Test
  void theHourlyRollupFollowsEveryInsertAndDeleteAndTheLogRefusesUpdates() throws Exception {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.executeUpdate(insertSeries(8_004, 10));
      assertThat(hourly(s, 8_004)).isEqualTo(10);
      // an operator's way out of a reorg deletes events by SQL: the counts follow
      assertThat(s.executeUpdate("DELETE FROM ingest.events WHERE chain_id = 8004 AND block_number > 6")).isEqualTo(4);
      assertThat(hourly(s, 8_004)).isEqualTo(6);
      s.executeUpdate("DELETE FROM ingest.events WHERE chain_id = 8004");
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM ingest.events_hourly WHERE chain_id = 8004")) {
        rs.next();
        assertThat(rs.getInt(1)).as("an hour with no event left leaves the rollup").isZero();
      }
      s.executeUpdate(insertSeries(8_004, 3));
      assertThatThrownBy(() -> s.executeUpdate("UPDATE ingest.events SET chain_id = 8005 WHERE chain_id = 8004"))
          .hasMessageContaining("immutable");
      assertThat(hourly(s, 8_004)).isEqualTo(3);
    }
  }

  private static long hourly(Statement s, long chain) throws Exception {
    try (ResultSet rs = s.executeQuery("SELECT hour, registry, event_type, events FROM ingest.events_hourly WHERE chain_id = " + chain)) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong("hour")).isEqualTo(now / 3600 * 3600);
      assertThat(rs.getString("registry") + " " + rs.getString("event_type")).isEqualTo("identity Registered");
      long events = rs.getLong("events");
      assertThat(rs.next()).as("one hour, one registry, one type").isFalse();
      return events;
    }
  }

  private static String insertSeries(long chain, int rows) {
    return "INSERT INTO ingest.events (id, chain_id, block_number, block_hash, transaction_hash, log_index, timestamp, registry, "
        + "event_type, agent_id) SELECT '" + chain + "-' || n || '-0', " + chain + ", n, '" + Events.hash(chain) + "', '" + Events.hash(chain + 1)
        + "', 0, " + now + ", 'identity', 'Registered', n FROM generate_series(1, " + rows + ") AS n";
  }

  private static Connection connect() throws Exception {
    return node.jdbc();
  }
}
