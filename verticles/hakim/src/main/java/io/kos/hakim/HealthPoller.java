package io.kos.hakim;

import io.kos.hakim.api.HakimAddresses;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.Caller;
import io.kos.verticle.IdentityDocuments;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.outbound.OutboundHttp;
import io.kos.ronin.api.RoninAddresses;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Polls the watched nodes (one per node: {@code single}): each due target's {@code GET
 * /klf/v1/health} through the node's outbound guard, the signature and freshness checked, the
 * diagnosis made against the codes in force, and the report stored with the target's new state in
 * one statement. Also keeps the watch list's config and ronin entries, and the reports' retention.
 */
final class HealthPoller extends KosVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(HealthPoller.class);
  /** Where the API asks for a poll now (KLF get_health_report): {@code {did, endpoint}} → the report's summary. */
  static final String POLL_NOW = "kos.hakim.poller.poll";
  private static final int MAX_DOCUMENT_BYTES = 1 << 20;
  private static final long RETENTION_EVERY_MS = 3_600_000;

  private HakimSettings settings;
  private HakimStore store;
  private OutboundHttp http;
  private String nodeOwner;
  private final Set<String> configPending = new LinkedHashSet<>();
  private final ArrayDeque<Row> due = new ArrayDeque<>();
  private final Set<Long> partitions = new HashSet<>();
  private io.micrometer.core.instrument.Timer pollTimer;
  private int inFlight;
  private boolean claiming;
  private long lastRonin;
  private long lastRetention;

  @Override
  protected Future<?> setUp() {
    settings = HakimSettings.parse(env().config());
    store = new HakimStore(pool());
    nodeOwner = Caller.nodeOwnerId(env().nodeId()).toString();
    http = new OutboundHttp(vertx, vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(settings.requestTimeoutMs())
        .setKeepAliveTimeout(60), new PoolOptions().setHttp1MaxSize(4)), env().outbound());
    configPending.addAll(settings.watch());
    // a poll from its request to its stored report, by what it found
    pollTimer = io.micrometer.core.instrument.Timer.builder("kos.hakim.poll").description("a health poll, from the request to the stored report")
        .publishPercentiles(0.5, 0.99).register(env().meters());
    vertx.eventBus().<JsonObject>consumer(POLL_NOW, message -> store.run(HakimStore.TARGET, Tuple.of(message.body().getString("did"),
            message.body().getString("endpoint")))
        .compose(rows -> rows.size() == 0 ? Future.succeededFuture((JsonObject) null) : poll(rows.iterator().next()))
        .onComplete(report -> message.reply(report), failure -> message.fail(500, failure.getMessage())));
    reportHealth(() -> new JsonObject().put("ok", true).put("polls_in_flight", inFlight).put("config_targets_pending", configPending.size()));
    serveRetention(this::dropExpired);
    long tick = Math.max(50, Math.min(1000, settings.intervalMs() / 4));
    vertx.setPeriodic(tick, id -> tick());
    return Future.succeededFuture();
  }

  private void tick() {
    long now = System.currentTimeMillis();
    for (String endpoint : List.copyOf(configPending)) {
      Watching.identify(http, endpoint, settings.requestTimeoutMs())
          .compose(did -> Watching.watch(store, nodeOwner, did, endpoint, "config", settings.firstPollSpreadMs()))
          .onSuccess(did -> configPending.remove(endpoint))
          .onFailure(e -> LOG.debug("config target {} not identified yet: {}", endpoint, e.getMessage()));
    }
    if (!settings.watchRoninClasses().isEmpty() && now - lastRonin >= settings.intervalMs()) {
      lastRonin = now;
      settings.watchRoninClasses().forEach(this::watchFromRonin);
    }
    if (now - lastRetention >= RETENTION_EVERY_MS) {
      lastRetention = now;
      dropExpired().onFailure(e -> LOG.warn("report retention failed: {}", e.toString()));
    }
    claim();
  }

  /** Drops the month partitions of reports older than the retention; their names. */
  private Future<List<String>> dropExpired() {
    return store.run(HakimStore.DROP_BEFORE, Tuple.of(OffsetDateTime.now(ZoneOffset.UTC).minusDays(settings.retentionDays()))).map(rows -> {
      List<String> dropped = new ArrayList<>();
      rows.forEach(row -> dropped.add(row.getString(0)));
      if (!dropped.isEmpty()) {
        LOG.info("retention ({} days) dropped {}", settings.retentionDays(), dropped);
      }
      return dropped;
    });
  }

  /** Claims the targets due (up to what the concurrency has room for) and polls them. */
  private void claim() {
    int room = settings.concurrency() - inFlight - due.size();
    if (claiming || room <= 0) {
      return;
    }
    claiming = true;
    store.run(HakimStore.CLAIM_DUE, Tuple.of(settings.intervalMs(), room)).onComplete(rows -> {
      claiming = false;
      rows.forEach(due::add);
      pump();
    }, failure -> {
      claiming = false;
      LOG.warn("could not claim the due targets: {}", failure.toString());
    });
  }

  private void pump() {
    while (inFlight < settings.concurrency() && !due.isEmpty()) {
      inFlight++;
      poll(due.poll()).onComplete(done -> {
        inFlight--;
        if (done.failed()) {
          LOG.warn("a poll could not be recorded: {}", done.cause().toString());
        }
        pump();
      });
    }
  }

  /** One poll of a target: fetched, checked, diagnosed, stored; the stored report. */
  private Future<JsonObject> poll(Row target) {
    String did = target.getString("did");
    String endpoint = target.getString("endpoint");
    Diagnosis.Memory before = memory(target);
    Instant polled = Instant.now();
    long started = System.nanoTime();
    OutboundHttp.Request request = new OutboundHttp.Request(HttpMethod.GET, endpoint + "/klf/v1/health", MultiMap.caseInsensitiveMultiMap(), null,
        settings.requestTimeoutMs(), 0, MAX_DOCUMENT_BYTES);
    // a kept-alive connection the target closed as it was reused says nothing of the target: the GET is asked once more
    return http.send(request).recover(failure -> failure instanceof HttpClosedException ? http.send(request) : Future.failedFuture(failure))
        .map(reply -> observe(did, reply, before, polled))
        .otherwise(failure -> Observed.failed(Diagnosis.unreachable(String.valueOf(failure.getMessage())),
            new JsonObject().put("error", String.valueOf(failure.getMessage()))))
        .compose(observed -> record(did, endpoint, polled, observed, before))
        .onComplete(done -> pollTimer.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS));
  }

  /** A target's hysteresis state as its row keeps it. */
  private static Diagnosis.Memory memory(Row target) {
    Set<String> active = new HashSet<>();
    ((JsonArray) target.getValue("active_codes")).forEach(code -> active.add(String.valueOf(code)));
    Map<String, Instant> pending = new HashMap<>();
    ((JsonObject) target.getValue("band_pending")).forEach(entry -> pending.put(entry.getKey(), Instant.parse(String.valueOf(entry.getValue()))));
    return new Diagnosis.Memory(active, pending);
  }

  /** What one poll saw; {@code verified}: a signed, fresh document of the target was read. */
  private record Observed(Diagnosis.Result result, JsonObject metrics, JsonObject raw, boolean verified) {

    static Observed failed(Diagnosis.Result result, JsonObject raw) {
      return new Observed(result, null, raw, false);
    }
  }

  private Observed observe(String did, OutboundHttp.Reply reply, Diagnosis.Memory before, Instant polled) {
    if (reply.status() != 200) {
      String why = "HTTP " + reply.status() + (reply.status() == 401 ? ": the node is not discoverable (klf.discoverable false)" : "");
      return Observed.failed(Diagnosis.unreachable(why), new JsonObject().put("error", why));
    }
    JsonObject document;
    try {
      document = new JsonObject(reply.body());
    } catch (RuntimeException e) {
      return Observed.failed(Diagnosis.unverifiable(Diagnosis.SIGNATURE_INVALID, "the answer is not a JSON health document"),
          new JsonObject().put("error", "not JSON"));
    }
    String problem = IdentityDocuments.problem(document);
    if (problem == null && !did.equals(document.getValue("nodeId"))) {
      problem = "signed by " + document.getValue("nodeId") + ", not by the watched node";
    }
    if (problem != null) {
      return Observed.failed(Diagnosis.unverifiable(Diagnosis.SIGNATURE_INVALID, "the health document does not verify: " + problem), document);
    }
    Instant stamped;
    try {
      stamped = Instant.parse(document.getString("timestamp"));
    } catch (RuntimeException e) {
      stamped = Instant.EPOCH;
    }
    if (Duration.between(stamped, polled).abs().getSeconds() > settings.maxDocumentAgeSeconds()) {
      return Observed.failed(Diagnosis.unverifiable(Diagnosis.STALE_DOCUMENT, "the health document is dated " + document.getValue("timestamp")
          + ", more than max_document_age_seconds from this node's clock: a replayed document, or a clock off"), document);
    }
    Object metrics = document.getValue("metrics");
    return new Observed(Diagnosis.of(document, before, settings.thresholds(), polled), metrics instanceof JsonObject m ? m : null, document, true);
  }

  private Future<JsonObject> record(String did, String endpoint, Instant polled, Observed observed, Diagnosis.Memory before) {
    UUID reportId = UUID.randomUUID();
    OffsetDateTime at = polled.atOffset(ZoneOffset.UTC);
    JsonObject diagnosis = observed.result().toJson();
    Set<String> inForce = new LinkedHashSet<>(observed.result().codes());
    JsonObject pending = new JsonObject();
    if (observed.verified()) {
      observed.result().pending().forEach((code, since) -> pending.put(code, since.toString()));
    } else {
      // no figures read, so none of the figures' codes can change: they and their dwells stay beside this poll's own codes
      before.active().stream().filter(Diagnosis::isBanded).forEach(inForce::add);
      before.pending().forEach((code, since) -> pending.put(code, since.toString()));
    }
    Tuple row = Tuple.of(reportId, did, at, observed.result().status(), observed.metrics() == null ? null : observed.metrics().encode(),
        diagnosis.encode()).addValue(observed.raw().encode()).addValue(new JsonArray(List.copyOf(inForce)).encode())
        .addValue(observed.verified()).addValue(endpoint).addValue(pending.encode());
    return partitionFor(at).compose(v -> store.run(HakimStore.RECORD, row)).map(done -> {
      JsonObject summary = new JsonObject().put("report_id", reportId.toString()).put("target_node_did", did).put("timestamp", at.toString())
          .put("status", observed.result().status()).put("metrics", observed.metrics()).put("diagnosis", diagnosis);
      vertx.eventBus().publish(HakimAddresses.REPORT_NEW, summary);
      return summary;
    });
  }

  private Future<Void> partitionFor(OffsetDateTime at) {
    long month = at.getYear() * 12L + at.getMonthValue();
    if (partitions.contains(month)) {
      return Future.succeededFuture();
    }
    OffsetDateTime start = at.withDayOfMonth(1).toLocalDate().atStartOfDay().atOffset(ZoneOffset.UTC);
    // this month and the next, so the turn of the month never waits on DDL
    return store.run(HakimStore.ENSURE_PARTITIONS, Tuple.of(start, start.plusMonths(1))).map(rows -> {
      partitions.add(month);
      return null;
    });
  }

  /** The verified services of that class in ronin's map, watched as this node's own (source ronin); nothing when ronin is not deployed. */
  private void watchFromRonin(String nodeClass) {
    DeliveryOptions asNode = new DeliveryOptions().setSendTimeout(10_000)
        .setHeaders(Caller.node(env().nodeId(), Caller.Role.ADMIN).addTo(MultiMap.caseInsensitiveMultiMap()));
    vertx.eventBus().<Buffer>request(RoninAddresses.SERVICES_QUERY, ApiRequest.envelope(new JsonObject(), new JsonObject()
        .put("node_class", nodeClass).put("verified", "true").put("limit", "500"), null), asNode).onSuccess(reply -> {
          for (Object item : new JsonObject(reply.body()).getJsonArray("services")) {
            JsonObject service = (JsonObject) item;
            Watching.watch(store, nodeOwner, service.getString("node_id"), service.getString("endpoint"), "ronin",
                settings.firstPollSpreadMs())
                .onFailure(e -> LOG.warn("could not watch {} from ronin: {}", service.getString("node_id"), e.toString()));
          }
        }).onFailure(e -> {
          if (!(e instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS)) {
            LOG.warn("ronin's map could not be read: {}", e.toString());
          }
        });
  }
}
