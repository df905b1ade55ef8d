package io.kos.actions;

import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.ApiResponse;
import io.kos.verticle.Caller;
import io.kos.verticle.JsonFields;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.OwnerScope;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The API: {@code kos.actions.enqueue} and {@code kos.actions.validate} for triggers, and the
 * owner-scoped HTTP routes over jobs, results, metrics and (for admins) MCP tokens. Enqueues are
 * group-committed: what arrives while an insert is in flight goes into the next one.
 */
final class ActionsVerticle extends KosVerticle {

  static final int LIST_MAX = 500;
  private static final List<String> JOB_STATUSES = List.of("queued", "running", "succeeded", "failed", "dead");
  private static final List<String> RESULT_STATUSES = List.of("success", "failed", "retrying");
  private static final String UINT256_MAX = "115792089237316195423570985008687907853269984665640564039457584007913129639935";

  private ActionsSettings settings;
  private ActionStore store;
  private ActionConfigs configs;
  private GroupCommit<ActionStore.NewJob, ActionStore.Queued> enqueues;

  @Override
  protected Future<?> setUp() {
    settings = ActionsSettings.parse(env().config());
    store = new ActionStore(pool());
    configs = new ActionConfigs(env().secrets(), settings);
    enqueues = new GroupCommit<>(this::insert, 1000, 2);
    serve("enqueue", this::enqueue);
    serve("validate", request -> Future.succeededFuture(configs.validate(request.bodyObject())));
    serve("jobs.list", this::listJobs);
    serve("jobs.get", this::getJob);
    serve("jobs.retry", this::retry);
    serve("jobs.retry_dead", this::retryDead);
    serve("results.list", this::listResults);
    serve("metrics.hourly", this::metrics);
    serve("mcp_tokens.put", this::putToken);
    serve("mcp_tokens.delete", this::deleteToken);
    return Future.succeededFuture();
  }

  private Future<JsonObject> enqueue(ApiRequest request) {
    JsonObject body = request.bodyObject();
    JsonFields fields = JsonFields.ofBody(body).onlyKnown(List.of("idempotency_key", "trigger", "action", "event"));
    String key = fields.string("idempotency_key", null, 300);
    if (key.isEmpty()) {
      throw ApiError.invalidField("idempotency_key", "must not be empty");
    }
    JsonObject trigger = fields.object("trigger", null);
    JsonFields triggerFields = JsonFields.ofBody(trigger, "trigger");
    UUID owner = triggerFields.uuid("owner_id", true);
    UUID triggerId = triggerFields.uuid("id", false);
    JsonObject action = fields.object("action", null);
    JsonFields actionFields = JsonFields.ofBody(action, "action");
    String type = actionFields.string("action_type", null, 20);
    Object actionId = action.getValue("id");
    if (actionId != null && !(actionId instanceof Integer || actionId instanceof Long)) {
      throw ApiError.invalidField("action.id", "must be an integer");
    }
    JsonObject event = fields.object("event", null);
    String eventId = JsonFields.ofBody(event, "event").string("id", "", 200);
    ActionStore.NewJob job = new ActionStore.NewJob(key, owner, triggerId,
        triggerFields.string("name", "", 200), eventId.isEmpty() ? null : eventId,
        actionId == null ? null : ((Number) actionId).longValue(), type, actionFields.intValue("priority", 1, 0, 100),
        actionFields.object("config", null), event);
    return enqueues.add(job).map(queued -> new JsonObject().put("job_id", queued.jobId()).put("duplicate", queued.duplicate()));
  }

  /** One insert for a batch; a key twice in one batch is inserted once, and its later copies are duplicates. */
  private Future<List<ActionStore.Queued>> insert(List<ActionStore.NewJob> batch) {
    Map<String, ActionStore.NewJob> distinct = new LinkedHashMap<>();
    batch.forEach(job -> distinct.putIfAbsent(job.idempotencyKey(), job));
    return store.enqueue(new ArrayList<>(distinct.values()), settings.attempts()).map(byKey -> {
      Map<String, Boolean> seen = new HashMap<>();
      List<ActionStore.Queued> out = new ArrayList<>(batch.size());
      for (ActionStore.NewJob job : batch) {
        ActionStore.Queued queued = byKey.get(job.idempotencyKey());
        boolean repeat = seen.put(job.idempotencyKey(), true) != null;
        out.add(repeat ? new ActionStore.Queued(queued.jobId(), true) : queued);
      }
      return out;
    });
  }

  private Future<JsonObject> listJobs(ApiRequest request) {
    Caller caller = request.caller();
    ActionStore.Filter filter = filter(request, caller, JOB_STATUSES);
    return store.jobs(filter).map(jobs -> new JsonObject().put("jobs", jobs).put("next_cursor", next(jobs, filter.limit())));
  }

  private Future<JsonObject> getJob(ApiRequest request) {
    long id = jobId(request);
    return store.job(id, OwnerScope.filter(request.caller())).map(job -> {
      if (job == null) {
        throw ApiError.notFound("no job " + id);
      }
      return job;
    });
  }

  private Future<JsonObject> retry(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    long id = jobId(request);
    UUID scope = OwnerScope.filter(caller);
    return store.retry(id, scope, settings.attempts()).compose(retried -> {
      if (retried != null) {
        return store.wake().compose(v -> store.job(id, scope));
      }
      return store.job(id, scope).map(job -> {
        if (job == null) {
          throw ApiError.notFound("no job " + id);
        }
        throw ActionsErrors.JOB_NOT_RETRYABLE.error("job " + id + " is " + job.getString("status") + ", not dead or failed");
      });
    });
  }

  private Future<JsonObject> retryDead(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    JsonFields fields = request.bodyFields().onlyKnown(List.of("trigger_id"));
    UUID trigger = fields.uuid("trigger_id", true);
    return store.retryDeadOfTrigger(trigger, OwnerScope.filter(caller), settings.attempts()).compose(ids -> {
      JsonObject answer = new JsonObject().put("retried", ids.size()).put("job_ids", new JsonArray(new ArrayList<>(ids)));
      return ids.isEmpty() ? Future.succeededFuture(answer) : store.wake().map(answer);
    });
  }

  private Future<JsonObject> listResults(ApiRequest request) {
    Caller caller = request.caller();
    ActionStore.Filter filter = filter(request, caller, RESULT_STATUSES);
    Long jobId = request.query("job_id") == null ? null : request.queryLong("job_id", 0, 1, Long.MAX_VALUE);
    return store.results(filter, jobId).map(results -> new JsonObject().put("results", results).put("next_cursor", next(results, filter.limit())));
  }

  private Future<JsonObject> metrics(ApiRequest request) {
    Caller caller = request.caller();
    long now = System.currentTimeMillis() / 1000;
    long to = request.queryLong("to", now + 3600, 0, 253_402_300_799L);
    long from = request.queryLong("from", Math.max(0, to - 86_400), 0, 253_402_300_799L);
    if (from > to) {
      throw ApiError.invalidParameter("from", "must not be after to");
    }
    String type = request.query("type") == null ? null : request.queryOneOf("type", types());
    return store.metrics(OwnerScope.filter(caller), time(from), time(to), type)
        .map(hours -> new JsonObject().put("from", from).put("to", to).put("hourly", hours));
  }

  private Future<ApiResponse> putToken(ApiRequest request) {
    request.caller().requireAdmin();
    long chainId = request.pathLong("chain_id", 1, Long.MAX_VALUE);
    String agentId = agentId(request);
    String token = request.bodyFields().onlyKnown(List.of("token")).string("token", null, 4096);
    if (token.isBlank()) {
      throw ApiError.invalidField("token", "must not be empty");
    }
    String sealed = env().secrets().seal(token, McpExecutor.tokenPurpose(chainId, agentId));
    return store.putToken(chainId, agentId, sealed).map(created -> ApiResponse.of(created ? 201 : 200,
        new JsonObject().put("chain_id", chainId).put("agent_id", agentId).put("created", created)));
  }

  private Future<Void> deleteToken(ApiRequest request) {
    request.caller().requireAdmin();
    long chainId = request.pathLong("chain_id", 1, Long.MAX_VALUE);
    String agentId = agentId(request);
    return store.deleteToken(chainId, agentId).map(deleted -> {
      if (!deleted) {
        throw ApiError.notFound("no MCP token for agent " + agentId + " on chain " + chainId);
      }
      return null;
    });
  }

  private ActionStore.Filter filter(ApiRequest request, Caller caller, List<String> statuses) {
    String trigger = request.query("trigger_id");
    UUID triggerId = null;
    if (trigger != null) {
      try {
        triggerId = UUID.fromString(trigger);
      } catch (IllegalArgumentException e) {
        throw ApiError.invalidParameter("trigger_id", "must be a UUID");
      }
    }
    String status = request.query("status") == null ? null : request.queryOneOf("status", statuses);
    String type = request.query("type") == null ? null : request.queryOneOf("type", types());
    OffsetDateTime from = request.query("from") == null ? null : time(request.queryLong("from", 0, 0, 253_402_300_799L));
    OffsetDateTime to = request.query("to") == null ? null : time(request.queryLong("to", 0, 0, 253_402_300_799L));
    if (from != null && to != null && from.isAfter(to)) {
      throw ApiError.invalidParameter("from", "must not be after to");
    }
    Long before = request.query("cursor") == null ? null : request.queryLong("cursor", 0, 1, Long.MAX_VALUE);
    return new ActionStore.Filter(OwnerScope.filter(caller), triggerId, status, type, from, to, before, request.queryInt("limit", 50, 1, LIST_MAX));
  }

  private List<String> types() {
    List<String> types = new ArrayList<>(ActionConfigs.TYPES);
    if (settings.noopExecutor()) {
      types.add(ActionConfigs.NOOP);
    }
    return types;
  }

  private static String next(JsonArray page, int limit) {
    return page.size() == limit ? String.valueOf(page.getJsonObject(page.size() - 1).getLong("id")) : null;
  }

  private static long jobId(ApiRequest request) {
    String raw = request.pathParam("id");
    if (raw == null || !raw.matches("\\d{1,18}")) {
      throw ApiError.notFound("no job " + raw);
    }
    return Long.parseLong(raw);
  }

  private static String agentId(ApiRequest request) {
    String raw = request.pathParam("agent_id");
    if (raw == null || !raw.matches("\\d{1,78}") || (raw.length() == 78 && raw.compareTo(UINT256_MAX) > 0) || (raw.length() > 1 && raw.startsWith("0"))) {
      throw ApiError.invalidParameter("agent_id", "must be a decimal integer from 0 to 2^256-1");
    }
    return raw;
  }

  private static OffsetDateTime time(long epochSeconds) {
    return OffsetDateTime.ofInstant(Instant.ofEpochSecond(epochSeconds), ZoneOffset.UTC);
  }
}
