package io.kos.actions;

import io.kos.verticle.OwnerScope;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Every statement of the actions verticle, and the records they return. */
final class ActionStore {

  /**
   * Queues a batch at once ($1..$10 arrays, one element per job; $11 the attempts each job gets)
   * and answers the keys it inserted. A key queued before is not inserted again and is not in the
   * answer ({@link #JOB_IDS_OF} finds it); a key whose first insert is still uncommitted in another
   * transaction waits for it (ON CONFLICT) and is then not in the answer either. No join with
   * action_jobs here: the statement costs the same however large the table grows.
   */
  static final String ENQUEUE = "INSERT INTO action_jobs (idempotency_key, owner_id, trigger_id, trigger_name, event_id, action_id, "
      + "action_type, priority, config, event, max_attempts) SELECT k, o, t, n, e, a, y, p, c::jsonb, v::jsonb, $11 "
      + "FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::int[], $9::text[], "
      + "$10::text[]) AS input(k, o, t, n, e, a, y, p, c, v) ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key, id";
  static final String JOB_IDS_OF = "SELECT idempotency_key, id FROM action_jobs WHERE idempotency_key = ANY($1)";

  private static final String CLAIMED_COLUMNS = "j.id, j.idempotency_key, j.owner_id, j.trigger_id, j.trigger_name, j.event_id, "
      + "j.action_id, j.action_type, j.priority, j.config, j.event, j.attempts, j.max_attempts";
  /** Up to $2 due jobs by priority then run_at, leased to worker $1 for $3 seconds; the claim counts the attempt. */
  static final String CLAIM = "UPDATE action_jobs j SET status = 'running', attempts = j.attempts + 1, lease_owner = $1, "
      + "lease_expires_at = now() + $3 * interval '1 second', updated_at = now() "
      + "FROM (SELECT id FROM action_jobs WHERE status = 'queued' AND run_at <= now() ORDER BY priority, run_at "
      + "LIMIT $2 FOR UPDATE SKIP LOCKED) due WHERE j.id = due.id RETURNING " + CLAIMED_COLUMNS;
  /** Worker $2 still runs jobs $1: their leases run $3 more seconds. */
  static final String RENEW = "UPDATE action_jobs SET lease_expires_at = now() + $3 * interval '1 second' "
      + "WHERE id = ANY($1) AND lease_owner = $2 AND status = 'running'";
  /**
   * Ends a batch of attempts of worker $8: each job's new status ($3; 'queued' with a delay $4 for
   * a retry or a deferral) if the worker still holds its lease for that attempt, and one
   * action_results row per attempt ($5 the seed's result status; null for a deferral, which is not
   * an attempt and gives its count back). Returns the jobs it changed. {@code j.id = ANY($1)} lets
   * the planner find the jobs by primary key whatever it believes of the table's size (without it
   * a stale estimate of a table that grew fast made this a hash join over the whole queue).
   */
  static final String COMPLETE = "WITH done AS (SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::bigint[], $5::text[], "
      + "$6::text[], $7::int[], $9::text[], $10::uuid[], $11::uuid[], $12::text[], $13::text[]) AS t(id, attempt, status, delay_ms, result, "
      + "error, duration_ms, response, owner_id, trigger_id, event_id, action_type)), "
      + "updated AS (UPDATE action_jobs j SET status = d.status, "
      + "run_at = CASE WHEN d.status = 'queued' THEN now() + d.delay_ms * interval '1 millisecond' ELSE j.run_at END, "
      + "attempts = j.attempts - CASE WHEN d.result IS NULL THEN 1 ELSE 0 END, "
      + "last_error = CASE WHEN d.result IS NULL THEN j.last_error ELSE d.error END, lease_owner = NULL, lease_expires_at = NULL, "
      + "finished_at = CASE WHEN d.status IN ('succeeded', 'failed', 'dead') THEN now() END, updated_at = now() "
      + "FROM done d WHERE j.id = ANY($1) AND j.id = d.id AND j.status = 'running' AND j.lease_owner = $8 AND j.attempts = d.attempt "
      + "RETURNING j.id), "
      + "results AS (INSERT INTO action_results (job_id, attempt, owner_id, trigger_id, event_id, action_type, status, duration_ms, "
      + "error_message, response_data, retry_count, worker) SELECT id, attempt, owner_id, trigger_id, event_id, action_type, "
      + "result, duration_ms, error, response::jsonb, attempt - 1, $8 FROM done WHERE result IS NOT NULL) "
      + "SELECT id FROM updated";
  /**
   * Jobs whose worker stopped (lease expired): queued again, or dead after their last attempt, with
   * a result row saying so. What is dead is returned (its outcome is published).
   */
  static final String RECLAIM = "WITH expired AS (SELECT id, lease_owner FROM action_jobs WHERE status = 'running' AND lease_expires_at < now() "
      + "ORDER BY lease_expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED), "
      + "reclaimed AS (UPDATE action_jobs j SET status = CASE WHEN j.attempts >= j.max_attempts THEN 'dead' ELSE 'queued' END, "
      + "run_at = now(), lease_owner = NULL, lease_expires_at = NULL, updated_at = now(), "
      + "finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END, "
      + "last_error = 'attempt ' || j.attempts || ' did not finish: its worker ' || coalesce(j.lease_owner, '?') "
      + "|| ' stopped (lease expired)' FROM expired e WHERE j.id = e.id "
      + "RETURNING j.id, j.status, j.attempts, j.trigger_id, j.action_id, j.event_id, j.idempotency_key, j.action_type, "
      + "j.last_error, j.owner_id, e.lease_owner AS stopped_worker), "
      + "results AS (INSERT INTO action_results (job_id, attempt, owner_id, trigger_id, event_id, action_type, status, error_message, "
      + "retry_count, worker) SELECT id, attempts, owner_id, trigger_id, event_id, action_type, "
      + "CASE WHEN status = 'dead' THEN 'failed' ELSE 'retrying' END, last_error, attempts - 1, stopped_worker FROM reclaimed) "
      + "SELECT id, status, attempts, trigger_id, action_id, event_id, idempotency_key, action_type, last_error FROM reclaimed";
  static final String WAKE = "NOTIFY kos_action_jobs";

  static final String RETRY = "UPDATE action_jobs SET status = 'queued', run_at = now(), max_attempts = attempts + $3, "
      + "finished_at = NULL, updated_at = now() WHERE id = $1 AND status IN ('dead', 'failed') AND " + OwnerScope.clause(2) + " RETURNING id";
  static final String RETRY_DEAD_OF_TRIGGER = "UPDATE action_jobs SET status = 'queued', run_at = now(), max_attempts = attempts + $3, "
      + "finished_at = NULL, updated_at = now() WHERE trigger_id = $1 AND status = 'dead' AND " + OwnerScope.clause(2) + " RETURNING id";

  private static final String JOB_COLUMNS = "id, idempotency_key, owner_id, trigger_id, trigger_name, event_id, action_id, action_type, "
      + "priority, config, status, attempts, max_attempts, run_at, lease_owner, lease_expires_at, last_error, created_at, updated_at, "
      + "finished_at";
  static final String JOB = "SELECT " + JOB_COLUMNS + ", event FROM action_jobs WHERE id = $1 AND " + OwnerScope.clause(2);
  /** $3 trigger, $4 status, $5 type, $6/$7 created from/to, $8 cursor (ids below it), $9 limit; a null filter is no filter. */
  static final String JOBS = "SELECT " + JOB_COLUMNS + " FROM action_jobs WHERE " + OwnerScope.clause(1)
      + " AND ($2::uuid IS NULL OR trigger_id = $2) AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR action_type = $4) "
      + "AND ($5::timestamptz IS NULL OR created_at >= $5) AND ($6::timestamptz IS NULL OR created_at < $6) "
      + "AND ($7::bigint IS NULL OR id < $7) ORDER BY id DESC LIMIT $8";
  private static final String RESULT_COLUMNS = "id, job_id, attempt, trigger_id, event_id, action_type, status, executed_at, "
      + "duration_ms, error_message, response_data, retry_count, worker";
  static final String RESULTS_OF_JOB = "SELECT " + RESULT_COLUMNS + " FROM action_results WHERE job_id = $1 ORDER BY attempt, id";
  static final String RESULTS = "SELECT " + RESULT_COLUMNS + " FROM action_results WHERE " + OwnerScope.clause(1)
      + " AND ($2::uuid IS NULL OR trigger_id = $2) AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR action_type = $4) "
      + "AND ($5::timestamptz IS NULL OR executed_at >= $5) AND ($6::timestamptz IS NULL OR executed_at < $6) "
      + "AND ($7::bigint IS NULL OR job_id = $7) AND ($8::bigint IS NULL OR id < $8) ORDER BY id DESC LIMIT $9";
  /** Whole hours $2 <= hour < $3 of the owners in scope ($1), optionally of one type ($4); summed over owners in Java. */
  static final String METRICS = "SELECT hour, action_type, total_executions, success_count, failure_count, retrying_count, "
      + "duration_sum_ms, duration_buckets FROM action_metrics_hourly WHERE " + OwnerScope.clause(1) + " AND hour >= $2 AND hour < $3 "
      + "AND ($4::text IS NULL OR action_type = $4) ORDER BY hour, action_type";
  static final String BUCKET_BOUNDS = "SELECT duration_bucket_bounds()";

  static final String PUT_TOKEN = "INSERT INTO agent_mcp_tokens (chain_id, agent_id, token_sealed) VALUES ($1, $2::numeric, $3) "
      + "ON CONFLICT (chain_id, agent_id) DO UPDATE SET token_sealed = EXCLUDED.token_sealed RETURNING (xmax = 0) AS created";
  static final String DELETE_TOKEN = "DELETE FROM agent_mcp_tokens WHERE chain_id = $1 AND agent_id = $2::numeric";
  static final String TOKEN = "SELECT token_sealed FROM agent_mcp_tokens WHERE chain_id = $1 AND agent_id = $2::numeric";

  /** Retention, in chunks so that no statement holds many locks: finished jobs, then results. */
  static final int PRUNE_CHUNK = 5000;
  static final String PRUNE_JOBS = "DELETE FROM action_jobs WHERE id IN (SELECT id FROM action_jobs WHERE created_at < now() - $1 * interval "
      + "'1 day' AND finished_at < now() - $1 * interval '1 day' LIMIT " + PRUNE_CHUNK + ")";
  static final String PRUNE_RESULTS = "DELETE FROM action_results WHERE id IN (SELECT id FROM action_results "
      + "WHERE executed_at < now() - $1 * interval '1 day' LIMIT " + PRUNE_CHUNK + ")";

  private final Pool pool;

  ActionStore(Pool pool) {
    this.pool = pool;
  }

  /** One job to queue, as {@code kos.actions.enqueue} received it. */
  record NewJob(String idempotencyKey, UUID ownerId, UUID triggerId, String triggerName, String eventId, Long actionId,
                String actionType, int priority, JsonObject config, JsonObject event) {
  }

  /** What a queued key is: its job id, and whether the key was queued before this request. */
  record Queued(long jobId, boolean duplicate) {
  }

  /** Queues a batch of distinct keys; the answer is by key. */
  Future<Map<String, Queued>> enqueue(List<NewJob> jobs, int maxAttempts) {
    int n = jobs.size();
    String[] keys = new String[n];
    UUID[] owners = new UUID[n];
    UUID[] triggers = new UUID[n];
    String[] names = new String[n];
    String[] events = new String[n];
    Long[] actions = new Long[n];
    String[] types = new String[n];
    Integer[] priorities = new Integer[n];
    String[] configs = new String[n];
    String[] payloads = new String[n];
    for (int i = 0; i < n; i++) {
      NewJob job = jobs.get(i);
      keys[i] = job.idempotencyKey();
      owners[i] = job.ownerId();
      triggers[i] = job.triggerId();
      names[i] = job.triggerName();
      events[i] = job.eventId();
      actions[i] = job.actionId();
      types[i] = job.actionType();
      priorities[i] = job.priority();
      configs[i] = job.config().encode();
      payloads[i] = job.event().encode();
    }
    return pool.preparedQuery(ENQUEUE).execute(Tuple.from(new Object[] {keys, owners, triggers, names, events, actions, types, priorities,
        configs, payloads, maxAttempts})).compose(rows -> {
          Map<String, Queued> queued = new HashMap<>(n * 2);
          rows.forEach(row -> queued.put(row.getString(0), new Queued(row.getLong(1), false)));
          if (queued.size() == n) {
            return Future.succeededFuture(queued);
          }
          String[] repeats = java.util.Arrays.stream(keys).filter(key -> !queued.containsKey(key)).toArray(String[]::new);
          return pool.preparedQuery(JOB_IDS_OF).execute(Tuple.of((Object) repeats)).map(existing -> {
            existing.forEach(row -> queued.put(row.getString(0), new Queued(row.getLong(1), true)));
            return queued;
          });
        });
  }

  Future<List<Job>> claim(String worker, int limit, int leaseSeconds) {
    return pool.preparedQuery(CLAIM).execute(Tuple.of(worker, limit, leaseSeconds)).map(rows -> {
      List<Job> jobs = new ArrayList<>(rows.rowCount());
      for (Row row : rows) {
        jobs.add(new Job(row.getLong(0), row.getString(1), row.getUUID(2), row.getUUID(3), row.getString(4), row.getString(5),
            row.getLong(6), row.getString(7), row.getInteger(8), row.getJsonObject(9), row.getJsonObject(10), row.getInteger(11),
            row.getInteger(12)));
      }
      return jobs;
    });
  }

  Future<Void> renew(List<Long> jobIds, String worker, int leaseSeconds) {
    return pool.preparedQuery(RENEW).execute(Tuple.of(jobIds.toArray(new Long[0]), worker, leaseSeconds)).mapEmpty();
  }

  /**
   * How an attempt ended, for {@link #complete}.
   *
   * @param status   the job's status after it ({@code queued} for a retry or a deferral)
   * @param delayMs  for {@code queued}: how long until it is due again
   * @param result   the seed's result status ({@code success}, {@code failed}, {@code retrying}); null for a deferral
   * @param response what the receiver answered, kept in the result (bounded by the executor)
   */
  record Completion(Job job, String status, long delayMs, String result, String error, int durationMs, JsonObject response) {
  }

  /** Ends a batch of attempts of {@code worker}; the answer is the ids of the jobs whose lease it still held. */
  Future<List<Long>> complete(List<Completion> completions, String worker) {
    int n = completions.size();
    Long[] ids = new Long[n];
    Integer[] attempts = new Integer[n];
    String[] statuses = new String[n];
    Long[] delays = new Long[n];
    String[] results = new String[n];
    String[] errors = new String[n];
    Integer[] durations = new Integer[n];
    String[] responses = new String[n];
    UUID[] owners = new UUID[n];
    UUID[] triggers = new UUID[n];
    String[] events = new String[n];
    String[] types = new String[n];
    for (int i = 0; i < n; i++) {
      Completion c = completions.get(i);
      owners[i] = c.job().ownerId();
      triggers[i] = c.job().triggerId();
      events[i] = c.job().eventId();
      types[i] = c.job().actionType();
      ids[i] = c.job().id();
      attempts[i] = c.job().attempt();
      statuses[i] = c.status();
      delays[i] = c.delayMs();
      results[i] = c.result();
      errors[i] = c.error();
      durations[i] = c.durationMs();
      responses[i] = c.response() == null ? null : c.response().encode();
    }
    return pool.preparedQuery(COMPLETE).execute(Tuple.from(new Object[] {ids, attempts, statuses, delays, results, errors, durations,
        worker, responses, owners, triggers, events, types})).map(rows -> {
          List<Long> changed = new ArrayList<>(rows.rowCount());
          rows.forEach(row -> changed.add(row.getLong(0)));
          return changed;
        });
  }

  /** A job whose worker stopped, as {@link #RECLAIM} left it. */
  record Reclaimed(long id, String status, int attempt, UUID triggerId, Long actionId, String eventId, String idempotencyKey,
                   String actionType, String error) {
  }

  Future<List<Reclaimed>> reclaim() {
    return pool.query(RECLAIM).execute().map(rows -> {
      List<Reclaimed> reclaimed = new ArrayList<>(rows.rowCount());
      for (Row row : rows) {
        reclaimed.add(new Reclaimed(row.getLong(0), row.getString(1), row.getInteger(2), row.getUUID(3), row.getLong(4), row.getString(5),
            row.getString(6), row.getString(7), row.getString(8)));
      }
      return reclaimed;
    });
  }

  Future<Void> wake() {
    return pool.query(WAKE).execute().mapEmpty();
  }

  /** Queues a dead or failed job again with {@code attempts} more; null when it is not retryable (or not the caller's). */
  Future<Long> retry(long jobId, UUID ownerFilter, int attempts) {
    return pool.preparedQuery(RETRY).execute(Tuple.of(jobId, ownerFilter, attempts))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
  }

  Future<List<Long>> retryDeadOfTrigger(UUID triggerId, UUID ownerFilter, int attempts) {
    return pool.preparedQuery(RETRY_DEAD_OF_TRIGGER).execute(Tuple.of(triggerId, ownerFilter, attempts)).map(rows -> {
      List<Long> ids = new ArrayList<>();
      rows.forEach(row -> ids.add(row.getLong(0)));
      return ids;
    });
  }

  /** A job as the API shows it (with its event when {@code withEvent}); null when missing or another owner's. */
  Future<JsonObject> job(long id, UUID ownerFilter) {
    return pool.preparedQuery(JOB).execute(Tuple.of(id, ownerFilter)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(null);
      }
      Row row = rows.iterator().next();
      JsonObject job = jobJson(row).put("event", row.getJsonObject(20));
      return pool.preparedQuery(RESULTS_OF_JOB).execute(Tuple.of(id)).map(results -> job.put("attempts_made", resultsJson(results)));
    });
  }

  /** Filters of a listing; a null one is no filter. */
  record Filter(UUID ownerFilter, UUID triggerId, String status, String actionType, OffsetDateTime from, OffsetDateTime to, Long before,
                int limit) {
  }

  Future<JsonArray> jobs(Filter f) {
    return pool.preparedQuery(JOBS).execute(Tuple.from(new Object[] {f.ownerFilter(), f.triggerId(), f.status(), f.actionType(), f.from(),
        f.to(), f.before(), f.limit()})).map(rows -> {
          JsonArray jobs = new JsonArray();
          rows.forEach(row -> jobs.add(jobJson(row)));
          return jobs;
        });
  }

  Future<JsonArray> results(Filter f, Long jobId) {
    return pool.preparedQuery(RESULTS).execute(Tuple.from(new Object[] {f.ownerFilter(), f.triggerId(), f.status(), f.actionType(),
        f.from(), f.to(), jobId, f.before(), f.limit()})).map(ActionStore::resultsJson);
  }

  /** One row of the hourly answer: the owners' rows of an hour and type are summed into it. */
  private record HourAndType(String hour, String actionType) {
  }

  Future<JsonArray> metrics(UUID ownerFilter, OffsetDateTime from, OffsetDateTime to, String actionType) {
    return pool.query(BUCKET_BOUNDS).execute().compose(bounds -> {
      Integer[] upper = (Integer[]) bounds.iterator().next().getValue(0);
      return pool.preparedQuery(METRICS).execute(Tuple.of(ownerFilter, from, to, actionType)).map(rows -> {
        Map<HourAndType, long[]> counts = new java.util.LinkedHashMap<>();
        Map<HourAndType, JsonObject> buckets = new HashMap<>();
        for (Row row : rows) {
          HourAndType key = new HourAndType(row.getOffsetDateTime(0).toInstant().toString(), row.getString(1));
          long[] sum = counts.computeIfAbsent(key, k -> new long[5]);
          for (int i = 0; i < 5; i++) {
            sum[i] += row.getLong(2 + i);
          }
          JsonObject merged = buckets.computeIfAbsent(key, k -> new JsonObject());
          row.getJsonObject(7).forEach(b -> merged.put(b.getKey(), merged.getLong(b.getKey(), 0L) + ((Number) b.getValue()).longValue()));
        }
        JsonArray hours = new JsonArray();
        counts.forEach((key, sum) -> hours.add(new JsonObject().put("hour", key.hour()).put("action_type", key.actionType())
            .put("total_executions", sum[0]).put("success_count", sum[1]).put("failure_count", sum[2]).put("retrying_count", sum[3])
            .put("avg_duration_ms", sum[0] == 0 ? null : (double) sum[4] / sum[0])
            .put("p95_duration_ms", percentile(buckets.get(key), upper, sum[0], 0.95))));
        return hours;
      });
    });
  }

  /** The upper bound of the histogram bucket holding the quantile (null above the last bound). */
  static Integer percentile(JsonObject buckets, Integer[] upper, long total, double quantile) {
    if (total == 0) {
      return null;
    }
    long rank = (long) Math.ceil(quantile * total);
    long seen = 0;
    for (int bucket = 0; bucket <= upper.length; bucket++) {
      seen += buckets.getLong(Integer.toString(bucket), 0L);
      if (seen >= rank) {
        return bucket < upper.length ? upper[bucket] : null;
      }
    }
    return null;
  }

  /** True when the token was new for that agent. */
  Future<Boolean> putToken(long chainId, String agentId, String sealed) {
    return pool.preparedQuery(PUT_TOKEN).execute(Tuple.of(chainId, new java.math.BigDecimal(agentId), sealed)).map(rows -> rows.iterator().next().getBoolean(0));
  }

  Future<Boolean> deleteToken(long chainId, String agentId) {
    return pool.preparedQuery(DELETE_TOKEN).execute(Tuple.of(chainId, new java.math.BigDecimal(agentId))).map(rows -> rows.rowCount() > 0);
  }

  /** The sealed token of an agent, or null. */
  Future<String> token(long chainId, String agentId) {
    return pool.preparedQuery(TOKEN).execute(Tuple.of(chainId, new java.math.BigDecimal(agentId))).map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }

  Future<Integer> pruneJobs(int days) {
    return pool.preparedQuery(PRUNE_JOBS).execute(Tuple.of(days)).map(RowSet::rowCount);
  }

  Future<Integer> pruneResults(int days) {
    return pool.preparedQuery(PRUNE_RESULTS).execute(Tuple.of(days)).map(RowSet::rowCount);
  }

  private static JsonObject jobJson(Row row) {
    return new JsonObject().put("id", row.getLong(0)).put("idempotency_key", row.getString(1)).put("owner_id", str(row.getUUID(2)))
        .put("trigger_id", str(row.getUUID(3))).put("trigger_name", row.getString(4)).put("event_id", row.getString(5))
        .put("action_id", row.getLong(6)).put("action_type", row.getString(7)).put("priority", row.getInteger(8))
        .put("config", ActionConfigs.shown(row.getJsonObject(9))).put("status", row.getString(10)).put("attempts", row.getInteger(11))
        .put("max_attempts", row.getInteger(12)).put("run_at", time(row.getOffsetDateTime(13))).put("lease_owner", row.getString(14))
        .put("lease_expires_at", time(row.getOffsetDateTime(15))).put("last_error", row.getString(16))
        .put("created_at", time(row.getOffsetDateTime(17))).put("updated_at", time(row.getOffsetDateTime(18)))
        .put("finished_at", time(row.getOffsetDateTime(19)));
  }

  private static JsonArray resultsJson(RowSet<Row> rows) {
    JsonArray results = new JsonArray();
    for (Row row : rows) {
      results.add(new JsonObject().put("id", row.getLong(0)).put("job_id", row.getLong(1)).put("attempt", row.getInteger(2))
          .put("trigger_id", str(row.getUUID(3))).put("event_id", row.getString(4)).put("action_type", row.getString(5))
          .put("status", row.getString(6)).put("executed_at", time(row.getOffsetDateTime(7))).put("duration_ms", row.getInteger(8))
          .put("error_message", row.getString(9)).put("response_data", row.getValue(10)).put("retry_count", row.getInteger(11))
          .put("worker", row.getString(12)));
    }
    return results;
  }

  private static String str(UUID id) {
    return id == null ? null : id.toString();
  }

  private static String time(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }
}
