package io.kos.ingest;

import io.kos.ingest.api.Event;
import io.kos.ingest.api.IngestAddresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.Caller;
import io.kos.verticle.JsonFields;
import io.kos.verticle.KosVerticle;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The ingest API, as many instances as configured: push, queries, checkpoints and the consumers'
 * catch-up {@link IngestAddresses#EVENTS_SINCE}. A committed push is handed to the node's
 * {@link PublisherVerticle}, which publishes it on {@link IngestAddresses#EVENTS_NEW}.
 */
final class IngestVerticle extends KosVerticle {

  private static final int PROBLEMS_SHOWN = 100;

  private EventStore store;
  private Counter pushed;
  private Counter duplicates;
  private Counter rejected;
  private Counter reorgs;
  private IngestSettings settings;

  @Override
  protected Future<?> setUp() {
    settings = IngestSettings.parse(env().config());
    store = new EventStore(pool());
    pushed = Counter.builder("kos.ingest.events.stored").tag("source", "push").register(env().meters());
    duplicates = Counter.builder("kos.ingest.events.duplicate").description("pushed events already in the log").register(env().meters());
    rejected = Counter.builder("kos.ingest.batches.rejected").tag("reason", "invalid").register(env().meters());
    reorgs = Counter.builder("kos.ingest.batches.rejected").tag("reason", "reorg").register(env().meters());
    serve("events.push", this::push);
    serve("events.list", this::list);
    serve("events.get", this::get);
    serve("events.since", this::since);
    serve("events.seq_range", this::seqRange);
    serve("agents.get", this::agent);
    serve("stats", this::stats);
    serve("checkpoints.list", request -> {
      request.caller();
      return store.checkpoints().map(checkpoints -> {
        JsonArray list = new JsonArray();
        checkpoints.forEach(checkpoint -> list.add(IngestRequests.checkpointJson(checkpoint)));
        return new JsonObject().put("checkpoints", list);
      });
    });
    return Future.succeededFuture();
  }

  // ---- push

  private Future<JsonObject> push(ApiRequest request) {
    Caller caller = IngestRequests.requireProducer(request.caller(), "push events");
    caller.requireWriter();
    // every string of every event is checked by EventSchema, which names the event and the field
    JsonFields body = JsonFields.ofBody(request.uncheckedBodyObject()).onlyKnown(List.of("events"));
    JsonArray events = body.array("events", null);
    if (events.isEmpty()) {
      throw body.invalid("events", "must be a non-empty array of events");
    }
    if (events.size() > settings.batchMax()) {
      throw body.invalid("events", "at most " + settings.batchMax() + " events per batch (verticles.config.ingest.batch_max), got " + events.size());
    }
    // what retention would drop at its next run is refused, not accepted and lost within the hour
    long keptFrom = EventStore.monthStart(settings.retentionCutoff(System.currentTimeMillis() / 1000));
    EventBatch batch = EventBatch.of(events.stream().toList(), keptFrom, settings.retentionDays());
    if (!batch.problems().isEmpty()) {
      rejected.increment();
      throw new ApiError(IngestErrors.INVALID_EVENTS, batch.problems().size() + " problem(s) in the batch; nothing was stored",
          new JsonObject().put("problems", EventSchema.problemsJson(batch.problems(), PROBLEMS_SHOWN))
              .put("problem_count", batch.problems().size()));
    }
    return store.store(batch, null).map(outcome -> {
      if (outcome instanceof EventStore.Reorg reorg) {
        reorgs.increment();
        throw new ApiError(IngestErrors.REORG_DETECTED, "chain " + reorg.chainId() + " block " + reorg.blockNumber()
            + " is stored with hash " + reorg.stored() + " but this batch has " + reorg.pushed() + "; nothing was stored",
            new JsonObject().put("chain_id", reorg.chainId()).put("block_number", reorg.blockNumber())
                .put("stored_block_hash", reorg.stored()).put("pushed_block_hash", reorg.pushed()));
      }
      EventStore.Stored stored = (EventStore.Stored) outcome;
      pushed.increment(stored.accepted());
      duplicates.increment(stored.duplicates() + batch.repeated());
      PublisherVerticle.offer(vertx, stored, batch.inserted(stored));
      return new JsonObject().put("accepted", stored.accepted()).put("duplicates", stored.duplicates() + batch.repeated())
          .put("high_water_seq", stored.highWaterSeq());
    });
  }

  // ---- queries

  private Future<JsonObject> list(ApiRequest request) {
    request.caller();
    int limit = request.queryInt("limit", 100, 1, 1000);
    // the cursor is the seq of the last event seen: a consumer may start from any seq it stored
    long after = request.queryLong("cursor", 0, 0, Long.MAX_VALUE);
    List<String> present = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    for (EventStore.Filter filter : EventStore.FILTERS) {
      if (request.query(filter.parameter()) != null) {
        present.add(filter.parameter());
        values.add(filterValue(request, filter.parameter()));
      }
    }
    return store.list(present, values, after, limit).map(events -> {
      JsonObject page = new JsonObject().put("events", json(events));
      if (events.size() == limit) {
        page.put("next_cursor", Long.toString(events.get(events.size() - 1).seq()));
      }
      return page;
    });
  }

  /** A filter's value, typed as its column is, or 400 naming the parameter. */
  private static Object filterValue(ApiRequest request, String parameter) {
    String value = request.query(parameter);
    return switch (parameter) {
      case "chain_id" -> request.queryLong(parameter, 0, 1, Long.MAX_VALUE);
      case "from_block", "to_block" -> request.queryLong(parameter, 0, 0, Long.MAX_VALUE);
      case "registry" -> request.queryOneOf(parameter, EventSchema.EVENT_TYPES.keySet());
      // the two spellings of one event (v0.4 UriUpdated, v1 URIUpdated): either finds both
      case "event_type" -> {
        String type = request.queryOneOf(parameter, EventSchema.EVENT_TYPES.values().stream().flatMap(Set::stream).toList());
        yield type.equalsIgnoreCase("UriUpdated") ? new String[] {"UriUpdated", "URIUpdated"} : new String[] {type};
      }
      case "agent_id" -> {
        if (!EventSchema.isDecimal(value)) {
          throw ApiError.invalidParameter(parameter, "must be a decimal integer from 0 to 2^256-1");
        }
        yield new BigDecimal(value);
      }
      case "client_address", "validator_address" -> {
        if (!EventSchema.isHex(value, 40)) {
          throw ApiError.invalidParameter(parameter, "must be 0x and 40 hex digits");
        }
        yield value;
      }
      default -> throw new IllegalStateException("no rule for filter " + parameter);
    };
  }

  private Future<JsonObject> get(ApiRequest request) {
    request.caller();
    String id = request.pathParam("id");
    return store.event(id).map(event -> {
      if (event == null) {
        throw ApiError.notFound("no event " + id);
      }
      return event.fields();
    });
  }

  /**
   * An agent's current URI, owner and metadata as the log says. HTTP callers are authenticated by
   * the ingress; other verticles (actions, resolving an MCP endpoint) ask over the bus with the same params.
   */
  private Future<JsonObject> agent(ApiRequest request) {
    long chainId = IngestRequests.chainId(request);
    String agentId = request.pathParam("agent_id");
    if (agentId == null || !EventSchema.isDecimal(agentId)) {
      throw ApiError.invalidParameter("agent_id", "must be a decimal integer from 0 to 2^256-1");
    }
    return store.agent(chainId, agentId).map(agent -> {
      if (agent == null) {
        throw ApiError.notFound("no identity event of agent " + agentId + " on chain " + chainId);
      }
      return agent.toJson();
    });
  }

  private Future<JsonObject> stats(ApiRequest request) {
    request.caller();
    long now = System.currentTimeMillis() / 1000;
    long to = request.queryLong("to", now + 3600, 0, Long.MAX_VALUE);
    long from = request.queryLong("from", Math.max(0, to - 86_400), 0, Long.MAX_VALUE);
    return store.hourly(from, to).map(counts -> {
      JsonArray hours = new JsonArray();
      counts.forEach(count -> hours.add(new JsonObject().put("hour", count.hour()).put("chain_id", count.chainId())
          .put("registry", count.registry()).put("event_type", count.eventType()).put("events", count.events())));
      return new JsonObject().put("from", from).put("to", to).put("hourly", hours);
    });
  }

  // ---- consumers' catch-up (over the bus only: no route, no caller)

  /** {@code {after_seq, limit}} → {@code {events: [...], high_water_seq}}, events in seq order. */
  private Future<JsonObject> since(ApiRequest request) {
    JsonFields body = request.bodyFields().onlyKnown(List.of("after_seq", "limit"));
    long afterSeq = body.integer("after_seq", 0L, 0, Long.MAX_VALUE);
    int limit = body.intValue("limit", 1000, 1, IngestAddresses.SINCE_MAX);
    return store.since(afterSeq, limit).map(page -> new JsonObject().put("events", json(page.events()))
        .put("high_water_seq", page.highWaterSeq()));
  }

  private Future<JsonObject> seqRange(ApiRequest request) {
    JsonFields body = request.bodyFields().onlyKnown(List.of("from_timestamp", "to_timestamp"));
    long from = body.integer("from_timestamp", null, 0, Long.MAX_VALUE);
    long to = body.integer("to_timestamp", null, 0, Long.MAX_VALUE);
    if (to < from) {
      throw ApiError.invalidField("to_timestamp", "must be at least from_timestamp");
    }
    return store.seqRange(from, to);
  }

  private static JsonArray json(List<Event> events) {
    JsonArray array = new JsonArray(new ArrayList<>(events.size()));
    events.forEach(event -> array.add(event.fields()));
    return array;
  }
}
