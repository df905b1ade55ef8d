package io.kos.hakim;

import io.kos.verticle.Addresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.ApiResponse;
import io.kos.verticle.Caller;
import io.kos.verticle.JsonFields;
import io.kos.verticle.Keyset;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.OwnerScope;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The API (HTTP routes and KLF operations): each caller's watch list, and the reports and trends
 * of the nodes it watches (an admin sees every one).
 */
final class HakimVerticle extends KosVerticle {

  private static final Map<String, Long> BUCKETS = Map.of("5m", 300L, "1h", 3600L, "1d", 86_400L);
  private static final int MAX_TREND_POINTS = 10_000;
  private static final long LAST_UNIX_SECOND = 253_402_300_799L;

  private HakimSettings settings;
  private HakimStore store;
  private OutboundHttp http;

  @Override
  protected Future<?> setUp() {
    settings = HakimSettings.parse(env().config());
    store = new HakimStore(pool());
    http = new OutboundHttp(vertx, vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(settings.requestTimeoutMs())),
        env().outbound());
    serve("nodes.list", this::listNodes);
    serve("nodes.create", this::watch);
    serve("nodes.get", request -> store.owned(HakimStore.NODE, request.pathParam("did"), request.caller(), "watched node", HakimStore::node));
    serve("nodes.delete", this::unwatch);
    serve("reports.list", this::listReports);
    serve("reports.get", request -> {
      UUID id = OwnerScope.uuidOrNotFound(request.pathParam("report_id"), "health report");
      return store.owned(HakimStore.REPORT, id, request.caller(), "health report", row -> HakimStore.report(row, true));
    });
    serve("reports.latest", request -> {
      String target = required(request, "target");
      return store.owned(HakimStore.LATEST, target, request.caller(), "health report of", row -> HakimStore.report(row, false));
    });
    serve("reports.trends", this::trends);
    serve("reports.current", this::current);
    return Future.succeededFuture();
  }

  private Future<JsonObject> listNodes(ApiRequest request) {
    int limit = request.queryInt("limit", 100, 1, Keyset.MAX_LIMIT);
    return store.many(HakimStore.NODES, Tuple.of(OwnerScope.filter(request.caller()), request.query("after"), limit), HakimStore::node)
        .map(items -> new JsonObject().put("nodes", items)
            .put("next_cursor", items.size() == limit ? items.getJsonObject(items.size() - 1).getString("did") : null));
  }

  /** {@code {endpoint}} (the DID read from its signed identity) or {@code {did}} (its endpoint from ronin's map). */
  private Future<ApiResponse> watch(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    JsonFields fields = request.bodyFields().onlyKnown(List.of("endpoint", "did"));
    String endpoint = fields.string("endpoint", "", 500);
    String did = fields.string("did", "", 100);
    if (endpoint.isEmpty() == did.isEmpty()) {
      throw ApiError.invalidField(endpoint.isEmpty() ? "endpoint" : "did", "give the node's endpoint or its DID, one of them");
    }
    Future<String[]> found;
    if (!endpoint.isEmpty()) {
      String problem = Endpoints.problem(endpoint);
      if (problem != null) {
        throw ApiError.invalidField("endpoint", problem);
      }
      String base = Endpoints.base(endpoint);
      found = Watching.identify(http, base, settings.requestTimeoutMs()).map(id -> new String[] {id, base});
    } else {
      if (!did.matches("did:kos:[a-z][a-z0-9]{0,30}:[0-9a-f]{32}")) {
        throw ApiError.invalidField("did", "must be a kOS DID (did:kos:<class>:<32 hex digits>)");
      }
      found = fromRonin(did, caller).map(at -> new String[] {did, at});
    }
    return found.compose(node -> Watching.watch(store, OwnerScope.owner(caller).toString(), node[0], node[1], "api",
        settings.firstPollSpreadMs()))
        .compose(id -> store.run(HakimStore.NODE, Tuple.of(id, OwnerScope.owner(caller))))
        .map(rows -> ApiResponse.of(201, HakimStore.node(rows.iterator().next())));
  }

  /** Where ronin's map last saw that DID verified, asked as the caller. */
  private Future<String> fromRonin(String did, Caller caller) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(10_000).setHeaders(caller.addTo(MultiMap.caseInsensitiveMultiMap()));
    return vertx.eventBus().<Buffer>request(Addresses.of("ronin", "services.get"), ApiRequest.envelope(new JsonObject().put("service_id", did),
        new JsonObject(), null), options).map(reply -> {
          JsonObject service = new JsonObject(reply.body());
          if (!Boolean.TRUE.equals(service.getBoolean("verified"))) {
            throw HakimErrors.UNKNOWN_NODE.error(did + " is in ronin's map but not verified");
          }
          return Endpoints.base(service.getString("endpoint"));
        }).recover(failure -> {
          if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
            return Future.failedFuture(HakimErrors.RONIN_UNAVAILABLE.error("no ronin verticle answers to resolve " + did));
          }
          if (failure instanceof ReplyException reply && reply.failureCode() == 404) {
            return Future.failedFuture(HakimErrors.UNKNOWN_NODE.error(did + " is not in ronin's map"));
          }
          return Future.failedFuture(failure);
        });
  }

  private Future<Void> unwatch(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    String did = request.pathParam("did");
    return store.owned(HakimStore.UNWATCH, did, caller, "watched node", row -> row)
        .compose(unwatched -> store.run(HakimStore.FORGET_UNWATCHED, Tuple.of(did))).mapEmpty();
  }

  private Future<JsonObject> listReports(ApiRequest request) {
    Keyset keyset = Keyset.of(request);
    String status = request.queryOneOf("status", Diagnosis.STATUSES);
    OffsetDateTime from = time(request, "from");
    OffsetDateTime to = time(request, "to");
    if (from != null && to != null && from.isAfter(to)) {
      throw ApiError.invalidParameter("from", "must not be after to");
    }
    Tuple params = Tuple.of(OwnerScope.filter(request.caller()), request.query("target"), status).addValue(from).addValue(to);
    return store.many(HakimStore.REPORTS, keyset.addTo(params), row -> HakimStore.report(row, false))
        .map(items -> keyset.page("reports", items, "timestamp", "report_id"));
  }

  /**
   * {@code target}, {@code metric} (a number of the reports' {@code metrics}), {@code bucket}
   * (5m, 1h, 1d; default 1h), {@code from} and {@code to} (unix seconds; default the last day):
   * min, average and max per bucket, from the five-minute rollup.
   */
  private Future<JsonObject> trends(ApiRequest request) {
    String target = required(request, "target");
    String metric = required(request, "metric");
    if (!metric.matches("[a-z][a-z0-9_]{0,63}")) {
      throw ApiError.invalidParameter("metric", "must be a metric name (cpu_usage_percent, memory_usage_percent, ...)");
    }
    String bucket = request.query("bucket") == null ? "1h" : request.queryOneOf("bucket", List.of("5m", "1h", "1d"));
    long now = Instant.now().getEpochSecond();
    long to = request.queryLong("to", now, 0, LAST_UNIX_SECOND);
    long from = request.queryLong("from", Math.max(0, to - 86_400), 0, LAST_UNIX_SECOND);
    if (from > to) {
      throw ApiError.invalidParameter("from", "must not be after to");
    }
    long width = BUCKETS.get(bucket);
    if ((to - from) / width > MAX_TREND_POINTS) {
      throw ApiError.invalidParameter("bucket", "gives more than " + MAX_TREND_POINTS + " points for that range: take a wider bucket");
    }
    Tuple params = Tuple.of(target, metric, width).addValue(utc(from)).addValue(utc(to)).addValue(OwnerScope.filter(request.caller()));
    return store.run(HakimStore.TRENDS, params).map(rows -> {
      JsonArray points = new JsonArray();
      rows.forEach(row -> points.add(new JsonObject().put("at", row.getOffsetDateTime("at").toString()).put("samples", row.getLong("samples"))
          .put("min", row.getDouble("minimum")).put("avg", row.getDouble("average")).put("max", row.getDouble("maximum"))));
      return new JsonObject().put("target", target).put("metric", metric).put("bucket", bucket).put("from", from).put("to", to)
          .put("points", points);
    });
  }

  /** KLF get_health_report {target_node_did}: the target polled now, if the caller watches it. */
  private Future<JsonObject> current(ApiRequest request) {
    Caller caller = request.caller();
    String target = request.bodyFields().onlyKnown(List.of("target_node_did")).string("target_node_did", null, 100);
    return store.run(HakimStore.NODE, Tuple.of(target, OwnerScope.filter(caller))).compose(rows -> {
      if (rows.size() == 0) {
        throw new ApiError(HakimErrors.DIAGNOSTIC_FAILED, target + " is not watched by the caller", failure("NOT_WATCHED"));
      }
      return vertx.eventBus().<JsonObject>request(HealthPoller.POLL_NOW, new JsonObject().put("did", target)
              .put("endpoint", rows.iterator().next().getString("endpoint")),
          new DeliveryOptions().setSendTimeout(settings.requestTimeoutMs() + 10_000L));
    }).recover(failure -> Future.failedFuture(failure instanceof ApiError ? failure : new ApiError(HakimErrors.DIAGNOSTIC_FAILED,
        "the report could not be made: " + failure.getMessage(), failure("RECORD_FAILED"))))
        .compose(reply -> store.run(HakimStore.REPORT, Tuple.of(UUID.fromString(reply.body().getString("report_id")), OwnerScope.filter(caller))))
        .map(rows -> HakimStore.report(OwnerScope.one(rows, "health report", target), false));
  }

  /** The kOS docs' failure code (what a KLF caller reads as error.code), and why. */
  private static JsonObject failure(String reason) {
    return new JsonObject().put("code", "DIAGNOSTIC_FAILED").put("reason", reason);
  }

  private static String required(ApiRequest request, String name) {
    String value = request.query(name);
    if (value == null || value.isEmpty()) {
      throw ApiError.invalidParameter(name, "is required");
    }
    return value;
  }

  private static OffsetDateTime time(ApiRequest request, String name) {
    return request.query(name) == null ? null : utc(request.queryLong(name, 0, 0, LAST_UNIX_SECOND));
  }

  private static OffsetDateTime utc(long unixSeconds) {
    return Instant.ofEpochSecond(unixSeconds).atOffset(ZoneOffset.UTC);
  }
}
