package io.kos.ingest.api;

import io.kos.verticle.ApiRequest;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * What a consumer of the event log (the {@code triggers} verticle) calls, over the event bus: the
 * ingest verticle answers wherever in the cluster it runs. Failures are {@code ReplyException}s
 * with the contract's status codes (400/422 for a bad request, 503 when ingest or its database is
 * unavailable, NO_HANDLERS when no node deploys ingest).
 */
public final class IngestClient {

  private final Vertx vertx;

  public IngestClient(Vertx vertx) {
    this.vertx = vertx;
    EventCodec.register(vertx);
  }

  /** Up to {@code limit} (1 to {@link IngestAddresses#SINCE_MAX}) committed events after {@code afterSeq}, in seq order. */
  public Future<EventPage> since(long afterSeq, int limit) {
    JsonObject request = ApiRequest.busRequest(new JsonObject().put("after_seq", afterSeq).put("limit", limit));
    return vertx.eventBus().<Buffer>request(IngestAddresses.EVENTS_SINCE, request).map(reply -> {
      JsonObject page = new JsonObject(reply.body());
      JsonArray raw = page.getJsonArray("events");
      List<Event> events = new ArrayList<>(raw.size());
      for (int i = 0; i < raw.size(); i++) {
        JsonObject fields = raw.getJsonObject(i);
        events.add(Event.of(fields.getLong("seq"), fields));
      }
      return new EventPage(events, page.getLong("high_water_seq"));
    });
  }

  /** How many events have a block time in [{@code fromTimestamp}, {@code toTimestamp}], and the seqs they lie between. */
  public Future<SeqRange> seqRange(long fromTimestamp, long toTimestamp) {
    JsonObject request = ApiRequest.busRequest(new JsonObject().put("from_timestamp", fromTimestamp).put("to_timestamp", toTimestamp));
    return vertx.eventBus().<Buffer>request(IngestAddresses.EVENTS_SEQ_RANGE, request).map(reply -> {
      JsonObject range = new JsonObject(reply.body());
      return new SeqRange(range.getLong("count"), range.getLong("min_seq"), range.getLong("max_seq"));
    });
  }

  /** The events of a time range: how many, and the first and last seq among them (null when none). */
  public record SeqRange(long count, Long minSeq, Long maxSeq) {
  }

  /** The agent's current URI, owner and metadata as the log says; fails with 404 when the log has no identity event of it. */
  public Future<Agent> agent(long chainId, String agentId) {
    JsonObject request = ApiRequest.envelope(new JsonObject().put("chain_id", Long.toString(chainId)).put("agent_id", agentId),
        new JsonObject(), null);
    return vertx.eventBus().<Buffer>request(IngestAddresses.AGENTS_GET, request).map(reply -> Agent.fromJson(new JsonObject(reply.body())));
  }

  /**
   * Subscribes to every new event, in seq order, after its commit. A live publication can be missed
   * (a restart, a partition): keep a durable cursor and catch up with {@link #since}.
   */
  public MessageConsumer<Event> onNewEvent(Handler<Event> handler) {
    return onPublished(published -> handler.handle(published.event()));
  }

  /** As {@link #onNewEvent}, with the seq of the event published before each: a consumer can tell it missed none. */
  public MessageConsumer<Event> onPublished(Handler<Published> handler) {
    return vertx.eventBus().consumer(IngestAddresses.EVENTS_NEW, message -> {
      String previous = message.headers().get(IngestAddresses.PREVIOUS_SEQ_HEADER);
      handler.handle(new Published(previous == null ? -1 : Long.parseLong(previous), message.body()));
    });
  }

  /** A published event and the seq of the one published just before it (-1: not said). */
  public record Published(long previousSeq, Event event) {
  }
}
