package io.kos.ronin;

import io.kos.ronin.api.RoninAddresses;
import io.kos.verticle.Addresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.ApiResponse;
import io.kos.verticle.Caller;
import io.kos.verticle.EventStream;
import io.kos.verticle.Keyset;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.OwnerScope;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;

/**
 * The API (HTTP routes and KLF operations): discovery jobs, owner-scoped like every verticle's
 * rows, checked whole before anything is sent and handed to this node's {@link DiscoveryRunner};
 * and the map, which every authenticated caller reads and only an admin edits.
 */
final class RoninVerticle extends KosVerticle {

  private RoninSettings settings;
  private DomainResolver domains;
  private RoninStore store;

  @Override
  protected Future<?> setUp() {
    settings = RoninSettings.parse(env().config());
    domains = new DomainResolver(vertx, settings);
    store = new RoninStore(pool(), settings.staleAfterSeconds());
    serve("jobs.create", request -> create(request).compose(job -> start(job, request, false)).map(job -> ApiResponse.of(201, job)));
    serve("jobs.run", this::runJob);
    serve("jobs.list", this::listJobs);
    serve("jobs.get", this::getJob);
    serve("jobs.cancel", this::cancelJob);
    serve("jobs.events", request -> getJob(request).map(job -> EventStream.followJob(vertx, job, RoninAddresses.JOB_PROGRESS)));
    serve("services.query", this::listServices);
    serve("services.get", request -> store.run(RoninStore.SERVICE, Tuple.of(request.pathParam("service_id")))
        .map(rows -> store.service(OwnerScope.one(rows, "service", request.pathParam("service_id")))));
    serve("services.resolve", request -> {
      String did = request.bodyFields().onlyKnown(List.of("did")).string("did", null, 80);
      return store.run(RoninStore.RESOLVE, Tuple.of(did)).map(rows -> store.service(OwnerScope.one(rows, "verified service", did)));
    });
    serve("services.delete", request -> {
      request.caller().requireAdmin();
      return store.run(RoninStore.DELETE_SERVICE, Tuple.of(request.pathParam("service_id")))
          .map(rows -> {
            OwnerScope.one(rows, "service", request.pathParam("service_id"));
            return null;
          });
    });
    return Future.succeededFuture();
  }

  /** Checks the params (a domain resolved here, its allowed addresses kept with the job) and records the job, pending. */
  private Future<JsonObject> create(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    JsonObject params = Targets.parse(request.bodyObject(), settings);
    JsonObject target = params.getJsonObject("target");
    Future<JsonObject> checked = !target.getString("type").equals("domain") ? Future.succeededFuture(params)
        : domains.resolve(target.getString("value"), params.getJsonArray("ports").stream().map(port -> (Integer) port).toList())
            .map(params::mergeIn);
    return checked.compose(ready -> store.one(RoninStore.INSERT_JOB, Tuple.of(UUID.randomUUID(), ready, env().nodeId(), OwnerScope.owner(caller),
        caller.did()), RoninStore::job));
  }

  private Future<JsonObject> start(JsonObject job, ApiRequest request, boolean wait) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(wait ? 24 * 3600 * 1000L : 10_000);
    if (wait) {
      options.addHeader(DiscoveryRunner.WAIT, "true");
      for (String header : List.of(Addresses.HEADER_KLF_JOB, Addresses.HEADER_KLF_PROGRESS)) {
        if (request.header(header) != null) {
          options.addHeader(header, request.header(header));
        }
      }
    }
    return vertx.eventBus().<JsonObject>request(DiscoveryRunner.startAddress(job.getString("run_by")), new JsonObject().put("job_id",
        job.getString("job_id")), options).map(reply -> wait ? reply.body() : job);
  }

  /**
   * The KLF task {@code run_discovery_job}: runs the job and answers at its end, progress reported on
   * the way: {@code {job_id, status: completed, result: {services_found: [DiscoveredService]}}}, or
   * the job's failure as {@code discovery_failed} carrying its code.
   */
  private Future<JsonObject> runJob(ApiRequest request) {
    return create(request).compose(job -> start(job, request, true)).compose(job -> {
      if (!"completed".equals(job.getString("status"))) {
        JsonObject error = job.getJsonObject("error", new JsonObject().put("code", RoninErrors.INTERRUPTED).put("message", "the job did not end"));
        throw new ApiError(RoninErrors.DISCOVERY_FAILED, error.getString("message"),
            new JsonObject().put("code", error.getString("code")).put("job_id", job.getString("job_id")));
      }
      return services(job.getJsonArray("services_found")).map(services -> new JsonObject().put("job_id", job.getString("job_id"))
          .put("status", "completed").put("result", new JsonObject().put("services_found", services)));
    });
  }

  /** The services of these ids, in that order (one no longer on the map left out). */
  private Future<JsonArray> services(JsonArray ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(new JsonArray());
    }
    return store.many(RoninStore.SERVICES_BY_ID, Tuple.of(ids.stream().map(String::valueOf).toArray(String[]::new)), store::service);
  }

  private Future<JsonObject> getJob(ApiRequest request) {
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("job_id"), "discovery job");
    return store.owned(RoninStore.JOB, id, request.caller(), "discovery job", RoninStore::job)
        .compose(job -> services(job.getJsonArray("services_found")).map(services -> job.put("services", services)));
  }

  private Future<JsonObject> listJobs(ApiRequest request) {
    Keyset keyset = Keyset.of(request);
    String status = request.queryOneOf("status", List.of("pending", "running", "completed", "failed", "cancelled"));
    return store.many(RoninStore.JOBS, keyset.addTo(Tuple.of(OwnerScope.filter(request.caller()), status)), RoninStore::job)
        .map(items -> keyset.page("jobs", items, "job_id"));
  }

  private Future<JsonObject> cancelJob(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("job_id"), "discovery job");
    return store.one(RoninStore.CANCEL_JOB, Tuple.of(id, OwnerScope.filter(caller)), RoninStore::job).compose(cancelled -> {
      if (cancelled != null) {
        vertx.eventBus().publish(DiscoveryRunner.CANCEL, new JsonObject().put("job_id", id.toString()));
        return Future.succeededFuture(cancelled);
      }
      return store.owned(RoninStore.JOB, id, caller, "discovery job", RoninStore::job).map(job -> {
        throw RoninErrors.DISCOVERY_FINISHED.error("discovery job " + id + " is already " + job.getString("status"));
      });
    });
  }

  /**
   * The map: {@code capability} (comma separated: all of them), {@code node_class}, {@code verified},
   * {@code fresh_within} (seconds, or with s, m, h, d), paged by service id ({@code after}).
   */
  private Future<JsonObject> listServices(ApiRequest request) {
    String capability = request.query("capability");
    JsonArray capabilities = null;
    if (capability != null) {
      capabilities = new JsonArray();
      for (String one : capability.split(",", -1)) {
        if (one.isBlank() || one.length() > 100) {
          throw ApiError.invalidParameter("capability", "must be capability names, comma separated");
        }
        capabilities.add(one.trim());
      }
    }
    String nodeClass = request.query("node_class");
    String verified = request.queryOneOf("verified", List.of("true", "false"));
    Long fresh = freshWithin(request.query("fresh_within"));
    int limit = request.queryInt("limit", 100, 1, Keyset.MAX_LIMIT);
    String after = request.query("after");
    Tuple params = Tuple.of(nodeClass, verified == null ? null : Boolean.valueOf(verified), fresh, after, limit);
    String sql = capabilities == null ? RoninStore.SERVICES : RoninStore.SERVICES_WITH;
    if (capabilities != null) {
      params.addValue(capabilities.encode());
    }
    return store.many(sql, params, store::service).map(items -> new JsonObject().put("services", items)
        .put("next_cursor", items.size() == limit ? items.getJsonObject(items.size() - 1).getString("service_id") : null));
  }

  private static Long freshWithin(String raw) {
    if (raw == null) {
      return null;
    }
    java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("([0-9]{1,9})([smhd]?)").matcher(raw);
    if (!matcher.matches()) {
      throw ApiError.invalidParameter("fresh_within", "must be a duration: seconds, or a number with s, m, h or d (10m)");
    }
    long value = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2)) {
      case "m" -> value * 60;
      case "h" -> value * 3600;
      case "d" -> value * 86_400;
      default -> value;
    };
  }
}
