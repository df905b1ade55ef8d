package io.kos.ingest;

import io.kos.ingest.api.Event;
import io.kos.ingest.api.IngestAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.SqlConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.TreeMap;

/**
 * Publishes every new event, in seq order and after its commit, on {@code kos.ingest.events.new}: those
 * pushed through the API and those an external indexer writes straight into the table. It listens
 * on the {@code new_event} channel (one notification per insert statement, carrying the new
 * high-water seq), reads what lies between what it has published and that mark, and publishes it.
 * One publisher per database: the node whose {@link PublisherVerticle} holds a session advisory lock
 * publishes, others stand by and retry. A timer also looks for new events, so a notification lost while reconnecting costs
 * a few seconds, not an event.
 *
 * <p>A batch this node has just committed is {@link #offer offered} with the span of seqs it
 * owns: when nothing unpublished lies before that span, its events are published from memory
 * instead of read back. A notification waits a moment before reading back, so that the offer of
 * the same commit, racing it, usually wins.
 */
final class EventPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);
  private static final String TRY_LEAD = "SELECT pg_try_advisory_lock(hashtext('kos.ingest.publisher'))";
  private static final int PAGE = 1000;
  private static final long RETRY_MILLIS = 5000;
  private static final long POLL_MILLIS = 2000;
  private static final long READ_BACK_DELAY_MILLIS = 25;

  private final Vertx vertx;
  private final EventStore store;
  private final String address;
  private SqlConnection connection;
  private long published = -1;
  /** The seq of the last event published (or the high-water mark at start): each publication says it, as its previous seq. */
  private long lastPublishedSeq = -1;
  private long wanted;
  private boolean draining;
  private boolean stopped;
  private long pollTimer = -1;
  private long readBackTimer = -1;
  private final TreeMap<Long, PublisherVerticle.Offer> offers = new TreeMap<>();

  EventPublisher(Vertx vertx, EventStore store, String address) {
    this.vertx = vertx;
    this.store = store;
    this.address = address;
  }

  /** Starts from the current high-water mark: consumers catch up on history with {@code kos.ingest.events.since}. */
  Future<Void> start() {
    return store.highWater().map(high -> {
      published = high;
      lastPublishedSeq = high;
      wanted = high;
      connect();
      pollTimer = vertx.setPeriodic(POLL_MILLIS, id -> store.highWater().onSuccess(this::wake));
      return null;
    });
  }

  Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(pollTimer);
    vertx.cancelTimer(readBackTimer);
    if (connection == null) {
      return Future.succeededFuture();
    }
    // the connection goes back to the pool: leave it without the listener and the lock
    SqlConnection leader = connection;
    return leader.query("UNLISTEN *").execute()
        .compose(v -> leader.query("SELECT pg_advisory_unlock_all()").execute())
        .transform(v -> leader.close());
  }

  /** Something up to {@code highWater} is committed: publish it soon (only if this instance leads). */
  void wake(long highWater) {
    if (highWater > wanted) {
      wanted = highWater;
    }
    if (readBackTimer == -1 && connection != null) {
      readBackTimer = vertx.setTimer(READ_BACK_DELAY_MILLIS, id -> {
        readBackTimer = -1;
        drain();
      });
    }
  }

  /** This node committed a batch owning the seqs ({@code before}, {@code after}]; its events in seq order. */
  void offer(PublisherVerticle.Offer offer) {
    if (connection == null) {
      return; // not the publisher: the one that is reads the batch back when notified
    }
    if (offer.after() > published) {
      offers.put(offer.before(), offer);
    }
    if (offer.after() > wanted) {
      wanted = offer.after();
    }
    drain();
  }

  private void connect() {
    if (stopped) {
      return;
    }
    store.pool().getConnection().compose(conn -> conn.query(TRY_LEAD).execute().compose(rows -> {
      if (!rows.iterator().next().getBoolean(0)) {
        conn.close();
        return Future.failedFuture("another instance publishes");
      }
      PgConnection pg = PgConnection.cast(conn);
      pg.notificationHandler(notification -> wake(Long.parseLong(notification.getPayload())));
      pg.closeHandler(v -> {
        connection = null;
        if (!stopped) {
          LOG.warn("lost the new_event listener connection; reconnecting");
          vertx.setTimer(RETRY_MILLIS, id -> connect());
        }
      });
      return conn.query("LISTEN new_event").execute().map(v -> conn);
    })).onComplete(conn -> {
      connection = conn;
      // anything committed while nobody listened
      store.highWater().onSuccess(this::wake);
    }, failure -> vertx.setTimer(RETRY_MILLIS, id -> connect()));
  }

  private void publish(Event event) {
    vertx.eventBus().publish(address, event, new DeliveryOptions().addHeader(IngestAddresses.PREVIOUS_SEQ_HEADER, Long.toString(lastPublishedSeq)));
    lastPublishedSeq = event.seq();
  }

  private void drain() {
    if (draining || connection == null) {
      return;
    }
    for (PublisherVerticle.Offer offer = offers.remove(published); offer != null; offer = offers.remove(published)) {
      offer.events().forEach(this::publish);
      published = offer.after();
    }
    offers.headMap(published, true).clear(); // already published by a read-back
    if (published >= wanted) {
      return;
    }
    draining = true;
    long target = wanted;
    store.between(published, target, PAGE).onComplete(events -> {
      for (Event event : events) {
        publish(event);
        published = event.seq();
      }
      if (events.size() < PAGE) {
        published = Math.max(published, target); // seq gaps from rolled-back inserts
      }
      draining = false;
      drain();
    }, failure -> {
      draining = false;
      LOG.warn("publishing new events failed, retrying: {}", failure.toString());
    });
  }
}
