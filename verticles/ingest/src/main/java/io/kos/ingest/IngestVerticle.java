package io.kos.ingest;

import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.Caller;
import io.kos.verticle.KosVerticle;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Push API, queries, checkpoints and the consumers' catch-up address {@code kos.ingest.events.since}.
 * Every accepted event is published on {@code kos.events.new} by {@link EventPublisher}, after commit.
 */
final class IngestVerticle extends KosVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(IngestVerticle.class);
  static final String SINCE_ADDRESS = "kos.ingest.events.since";
  static final String NEW_EVENTS_ADDRESS = "kos.events.new";
  private static final int PROBLEMS_SHOWN = 100;
  private static final int SINCE_MAX = 10_000;
  private static final String FOLLOWER_LOCK = "kos.ingest.follower";

  private EventStore store;
  private EventPublisher publisher;
  private final List<ChainFollower> followers = new ArrayList<>();
  private final String followerId = java.util.UUID.randomUUID().toString();
  private boolean follows;
  private Counter pushed;
  private Counter duplicates;
  private Counter rejected;
  private Counter reorgs;
  private int batchMax;
  private int retentionDays;

  @Override
  protected Future<?> setUp() {
    IngestSettings settings = IngestSettings.parse(env().config());
    batchMax = settings.batchMax();
    retentionDays = settings.retentionDays();
    store = new EventStore(pool());
    pushed = Counter.builder("kos.ingest.events.stored").tag("source", "push").register(env().meters());
    duplicates = Counter.builder("kos.ingest.events.duplicate").description("pushed events already in the log").register(env().meters());
    rejected = Counter.builder("kos.ingest.batches.rejected").tag("reason", "invalid").register(env().meters());
    reorgs = Counter.builder("kos.ingest.batches.rejected").tag("reason", "reorg").register(env().meters());
    serve("events.push", this::push);
    serve("events.list", this::list);
    serve("events.get", this::get);
    serve("stats", this::stats);
    serve("checkpoints.list", request -> {
      request.caller();
      return pool().query(EventStore.CHECKPOINTS).execute().map(rows -> {
        JsonArray checkpoints = new JsonArray();
        rows.forEach(row -> checkpoints.add(checkpointJson(row)));
        return new JsonObject().put("checkpoints", checkpoints);
      });
    });
    vertx.eventBus().<JsonObject>consumer(SINCE_ADDRESS, this::since);
    publisher = new EventPublisher(vertx, store, NEW_EVENTS_ADDRESS);
    long now = System.currentTimeMillis() / 1000;
    // partitions for the retained window and two months ahead; older ones dropped
    return store.prepareWindow(now - retentionDays * 86_400L, now + 62 * 86_400L)
        .compose(created -> dropExpired())
        .compose(v -> publisher.start())
        .compose(v -> startFollowers(settings.chains(), settings.abi()))
        .onSuccess(v -> vertx.setPeriodic(Duration.ofHours(1).toMillis(), id -> housekeeping()));
  }

  @Override
  public Future<?> stop() {
    followers.forEach(ChainFollower::stop);
    if (follows) {
      vertx.sharedData().getLocalMap(FOLLOWER_LOCK).remove("instance", followerId);
    }
    return publisher == null ? Future.succeededFuture() : publisher.stop();
  }

  /**
   * One follower per configured chain; only the first instance follows, so a chain has one writer
   * per node, and only that instance answers for the chains and takes checkpoint writes (the others
   * do not know which chains are followed).
   */
  private Future<Void> startFollowers(List<ChainFollower.Settings> chains, String abi) {
    // a local map is per Vert.x instance, so per node
    if (vertx.sharedData().getLocalMap(FOLLOWER_LOCK).putIfAbsent("instance", followerId) != null) {
      return Future.succeededFuture();
    }
    follows = true;
    serve("chains", request -> {
      request.caller();
      return Future.succeededFuture(new JsonObject().put("chains", chainStates()));
    });
    serve("chains.resume", this::resumeChain);
    // here too, since only this instance knows which chains its follower moves
    serve("checkpoints.put", this::putCheckpoint);
    if (chains.isEmpty()) {
      return Future.succeededFuture();
    }
    reportHealth(() -> {
      boolean halted = followers.stream().anyMatch(ChainFollower::isHalted);
      JsonObject health = new JsonObject().put("ok", !halted).put("chains", chainStates());
      return halted ? health.put("error", "a followed chain is halted; see docs/ingest.md, 'A halted chain'") : health;
    });
    AbiCatalog catalog = AbiCatalog.load(abi);
    WebClient client = WebClient.create(vertx);
    List<Future<Void>> started = new ArrayList<>();
    for (ChainFollower.Settings chain : chains) {
      ChainFollower follower = new ChainFollower(vertx, chain, new EthRpc(client, chain.rpcUrl()), catalog, store, publisher,
          env().meters());
      followers.add(follower);
      started.add(follower.start());
    }
    return Future.all(started).mapEmpty();
  }

  /** An operator's way back after a halt, once the log and the checkpoint are right (docs/ingest.md). */
  private Future<JsonObject> resumeChain(ApiRequest request) {
    request.caller().requireAdmin();
    long chainId = chainIdParameter(request);
    ChainFollower follower = followers.stream().filter(f -> f.chainId() == chainId).findFirst()
        .orElseThrow(() -> new ApiError(404, "unknown_chain", "this node does not follow chain " + chainId));
    if (!follower.isHalted()) {
      throw new ApiError(409, "not_halted", "chain " + chainId + " is not halted");
    }
    return follower.resume();
  }

  private JsonArray chainStates() {
    JsonArray chains = new JsonArray();
    followers.forEach(follower -> chains.add(follower.status()));
    return chains;
  }

  // ---- push

  /** Producers write with an API key; a person with an admin's token may too. */
  private static Caller requireProducer(Caller caller, String action) {
    if (!caller.isAdmin() && !caller.via().equals("api_key")) {
      throw ApiError.forbidden("api_key_or_admin", action + " with an API key or an admin's token");
    }
    return caller;
  }

  private Future<JsonObject> push(ApiRequest request) {
    Caller caller = requireProducer(request.caller(), "push events");
    caller.requireWriter();
    JsonObject body = request.bodyObject();
    Object raw = body.getValue("events");
    if (!(raw instanceof JsonArray events) || events.isEmpty()) {
      throw ApiError.invalidField("events", "must be a non-empty array of events");
    }
    if (events.size() > batchMax) {
      throw ApiError.invalidField("events", "at most " + batchMax + " events per batch, got " + events.size());
    }
    if (body.size() > 1) {
      throw ApiError.invalidField(body.fieldNames().stream().filter(f -> !f.equals("events")).findFirst().orElseThrow(), "unknown field");
    }
    EventBatch batch = EventBatch.of(events.stream().toList());
    if (!batch.problems.isEmpty()) {
      rejected.increment();
      throw new ApiError(422, "invalid_events", batch.problems.size() + " problem(s) in the batch; nothing was stored",
          new JsonObject().put("problems", EventSchema.problemsJson(batch.problems, PROBLEMS_SHOWN)).put("problem_count", batch.problems.size()));
    }
    return batch.store(store, null).map(result -> {
      if (result instanceof EventStore.Reorg reorg) {
        reorgs.increment();
        throw new ApiError(409, "reorg_detected", "chain " + reorg.chainId() + " block " + reorg.blockNumber()
            + " is stored with hash " + reorg.stored() + " but this batch has " + reorg.pushed() + "; nothing was stored",
            new JsonObject().put("chain_id", reorg.chainId()).put("block_number", reorg.blockNumber())
                .put("stored_block_hash", reorg.stored()).put("pushed_block_hash", reorg.pushed()));
      }
      EventStore.Stored stored = (EventStore.Stored) result;
      pushed.increment(stored.accepted());
      duplicates.increment(stored.duplicates() + batch.repeated);
      publisher.offer(stored.seqBefore(), stored.highWaterSeq(), batch.inserted(stored));
      return new JsonObject().put("accepted", stored.accepted()).put("duplicates", stored.duplicates() + batch.repeated)
          .put("high_water_seq", stored.highWaterSeq());
    });
  }

  // ---- queries

  private Future<JsonObject> list(ApiRequest request) {
    request.caller();
    int limit = request.queryInt("limit", 100, 1, 1000);
    // the cursor is the seq of the last event seen: a consumer may start from any seq it stored
    long after = queryLong(request, "cursor", 0);
    List<String> present = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    for (EventStore.Filter filter : EventStore.FILTERS) {
      String value = request.query(filter.parameter());
      if (value != null) {
        present.add(filter.parameter());
        values.add(filterValue(filter.parameter(), value));
      }
    }
    return store.list(present, values, after, limit).map(events -> {
      JsonObject page = new JsonObject().put("events", events);
      if (events.size() == limit) {
        page.put("next_cursor", events.getJsonObject(events.size() - 1).getLong("seq").toString());
      }
      return page;
    });
  }

  private static Object filterValue(String parameter, String value) {
    return switch (parameter) {
      case "chain_id", "from_block", "to_block" -> {
        try {
          yield Long.parseLong(value);
        } catch (NumberFormatException e) {
          throw ApiError.badRequest("invalid_parameter", parameter + " must be an integer");
        }
      }
      case "agent_id" -> {
        if (!EventSchema.isDecimal(value)) {
          throw ApiError.badRequest("invalid_parameter", "agent_id must be a decimal integer");
        }
        yield value;
      }
      case "client_address", "validator_address" -> {
        if (!EventSchema.isHex(value, 40)) {
          throw ApiError.badRequest("invalid_parameter", parameter + " must be 0x and 40 hex digits");
        }
        yield value;
      }
      default -> value;
    };
  }

  private Future<JsonObject> get(ApiRequest request) {
    request.caller();
    String id = request.pathParam("id");
    return pool().preparedQuery(EventStore.EVENT_BY_ID).execute(Tuple.of(id)).map(rows -> {
      if (rows.size() == 0) {
        throw ApiError.notFound("no event " + id);
      }
      return EventSchema.toJson(rows.iterator().next());
    });
  }

  private Future<JsonObject> stats(ApiRequest request) {
    request.caller();
    long now = System.currentTimeMillis() / 1000;
    long to = queryLong(request, "to", now + 3600);
    long from = queryLong(request, "from", to - 86_400);
    return pool().preparedQuery(EventStore.STATS).execute(Tuple.of(from, to)).map(rows -> {
      JsonArray hours = new JsonArray();
      rows.forEach(row -> hours.add(new JsonObject().put("hour", row.getLong("hour")).put("chain_id", row.getLong("chain_id"))
          .put("registry", row.getString("registry")).put("event_type", row.getString("event_type")).put("events", row.getLong("events"))));
      return new JsonObject().put("from", from).put("to", to).put("hourly", hours);
    });
  }

  private static long queryLong(ApiRequest request, String name, long defaultValue) {
    String raw = request.query(name);
    if (raw == null) {
      return defaultValue;
    }
    try {
      long value = Long.parseLong(raw);
      if (value < 0) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("invalid_parameter", name + " must be an integer >= 0");
    }
  }

  // ---- checkpoints

  private Future<JsonObject> putCheckpoint(ApiRequest request) {
    requireProducer(request.caller().requireWriter(), "set checkpoints");
    long chainId = chainIdParameter(request);
    if (followers.stream().anyMatch(f -> f.chainId() == chainId && !f.isHalted())) {
      throw new ApiError(409, "chain_followed", "this node follows chain " + chainId + " and moves its checkpoint; "
          + "set it only while the chain is halted (docs/ingest.md, 'A halted chain')");
    }
    JsonObject body = request.bodyObject();
    Object number = body.getValue("block_number");
    Object hash = body.getValue("block_hash");
    if (!(number instanceof Integer || number instanceof Long) || ((Number) number).longValue() < 0) {
      throw ApiError.invalidField("block_number", "must be an integer >= 0");
    }
    if (!(hash instanceof String h) || !EventSchema.isHex(h, 64)) {
      throw ApiError.invalidField("block_hash", "must be 0x and 64 hex digits");
    }
    return pool().preparedQuery(EventStore.UPSERT_CHECKPOINT)
        .execute(Tuple.of(chainId, ((Number) number).longValue(), ((String) hash).toLowerCase()))
        .map(rows -> checkpointJson(rows.iterator().next()));
  }

  private static long chainIdParameter(ApiRequest request) {
    try {
      long chainId = Long.parseLong(request.pathParam("chain_id"));
      if (chainId > 0) {
        return chainId;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiError.badRequest("invalid_parameter", "chain_id must be a positive integer");
  }

  private static JsonObject checkpointJson(Row row) {
    return new JsonObject().put("chain_id", row.getLong("chain_id")).put("block_number", row.getLong("block_number"))
        .put("block_hash", row.getString("block_hash")).put("updated_at", row.getOffsetDateTime("updated_at").toString());
  }

  // ---- consumers' catch-up

  /** {@code {after_seq, limit}} → {@code {events: [...], high_water_seq}}, events in seq order. */
  private void since(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    Object after = body.getValue("after_seq", 0L);
    Object limit = body.getValue("limit", 1000);
    if (!(after instanceof Number a) || a.longValue() < 0 || !(limit instanceof Number l) || l.intValue() < 1 || l.intValue() > SINCE_MAX) {
      message.fail(400, ApiError.badRequest("invalid_body", "after_seq must be >= 0 and limit from 1 to " + SINCE_MAX).toJson().encode());
      return;
    }
    store.since(a.longValue(), l.intValue())
        .compose(events -> store.highWater().map(high -> new JsonObject().put("events", events).put("high_water_seq", high)))
        .onComplete(message::reply, failure -> {
          LOG.warn("{} failed: {}", SINCE_ADDRESS, failure.toString());
          message.fail(503, ApiError.unavailable("database_unavailable", failure.getMessage()).toJson().encode());
        });
  }

  // ---- housekeeping

  private void housekeeping() {
    long now = System.currentTimeMillis() / 1000;
    store.prepareWindow(now, now + 62 * 86_400L).compose(v -> dropExpired())
        .onFailure(e -> LOG.warn("partition housekeeping failed: {}", e.toString()));
  }

  private Future<Void> dropExpired() {
    long cutoff = System.currentTimeMillis() / 1000 - retentionDays * 86_400L;
    return store.dropBefore(cutoff).map(dropped -> {
      if (!dropped.isEmpty()) {
        LOG.info("retention ({} days): dropped partitions {}", retentionDays, dropped);
      }
      return null;
    });
  }
}
