package io.kos.ingest;

import io.kos.ingest.api.EventCodec;
import io.kos.ingest.api.Event;
import io.kos.ingest.api.IngestAddresses;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.SharedCodec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.List;

/**
 * The node's one {@link EventPublisher}, in a verticle of its own: publishing in seq order needs one
 * writer of its state. The API instances and the chain follower hand it each batch they commit
 * ({@link #offer}, a local message: the events are not copied); it publishes them on
 * {@link IngestAddresses#EVENTS_NEW} from memory, or reads back what it was not handed.
 */
final class PublisherVerticle extends KosVerticle {

  /** Where committed batches are handed to the publisher of this node. */
  private static final String OFFERS = "kos.ingest.publisher.offer";
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  /** Events a committed batch inserted, in seq order, with the span of seqs it owned: ({@code before}, {@code after}]. */
  record Offer(long before, long after, List<Event> events) {
  }

  private EventPublisher publisher;

  @Override
  protected Future<?> setUp() {
    EventCodec.register(vertx);
    // an offer is passed by reference and never leaves its node
    SharedCodec.register(vertx, Offer.class, new SharedCodec<>("kos.ingest.offer") { });
    publisher = new EventPublisher(vertx, new EventStore(pool()), IngestAddresses.EVENTS_NEW);
    // a one-way hand-off inside this module, not an operation: no reply, no caller
    vertx.eventBus().<Offer>localConsumer(OFFERS, message -> publisher.offer(message.body()));
    return publisher.start();
  }

  @Override
  public Future<?> stop() {
    return publisher == null ? Future.succeededFuture() : publisher.stop();
  }

  /** Hands a committed batch to this node's publisher (from any verticle of the module). */
  static void offer(Vertx vertx, EventStore.Stored stored, List<Event> events) {
    vertx.eventBus().send(OFFERS, new Offer(stored.seqBefore(), stored.highWaterSeq(), events), LOCAL);
  }
}
