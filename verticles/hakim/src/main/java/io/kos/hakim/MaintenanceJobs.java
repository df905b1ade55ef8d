package io.kos.hakim;

import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.ApiResponse;
import io.kos.verticle.Caller;
import io.kos.verticle.JsonFields;
import io.kos.verticle.Keyset;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.OwnerScope;
import io.kos.verticle.Retries;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;

/**
 * Hakim's side of consented maintenance (docs/maintenance.md): a job asked of a watched node is
 * recorded PendingApproval and sent to the target as {@code maintenance_requested}; only the
 * target (its admin decides there) approves or rejects it, signed; an approved job is sent to the
 * target as {@code run_maintenance} and followed to its end. The target runs it only if its own
 * record agrees, so nothing here can make a node run what its admin did not approve.
 */
final class MaintenanceJobs extends KosVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceJobs.class);
  private static final String COLUMNS = "job_id, owner_id, target_node_did, endpoint, requester_did, task_name, params, status, status_history, "
      + "result, created_at, expires_at, completed_at, updated_at, reply_to, target_task_id";
  private static final String STEP = "status_history || jsonb_build_array(jsonb_build_object('status', $2::text, 'timestamp', now(), 'message', $3::text))";
  static final String INSERT = "INSERT INTO maintenance_jobs (job_id, owner_id, target_node_did, endpoint, requester_did, task_name, params, status, "
      + "status_history, expires_at, reply_to) VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, 'PendingApproval', jsonb_build_array(jsonb_build_object("
      + "'status', 'PendingApproval', 'timestamp', now(), 'message', 'sent to the target for its admin''s approval')), "
      + "now() + $8 * interval '1 second', $9) RETURNING " + COLUMNS;
  /** A step of the job; $4 the statuses it may come from. */
  static final String MOVE = "UPDATE maintenance_jobs SET status = $2, status_history = " + STEP + ", result = coalesce($5::text::jsonb, result), "
      + "completed_at = CASE WHEN $2 IN ('Completed', 'Failed', 'Rejected', 'Expired') THEN now() ELSE completed_at END, updated_at = now() "
      + "WHERE job_id = $1 AND status = ANY($4) RETURNING " + COLUMNS;
  /** To Running with the target's task id, kept so that a restarted Hakim follows the task again. */
  static final String RUNNING = "UPDATE maintenance_jobs SET status = $2, status_history = " + STEP + ", target_task_id = $4, updated_at = now() "
      + "WHERE job_id = $1 AND status = 'Approved' RETURNING " + COLUMNS;
  /**
   * At start, the jobs left mid-way: Running ones (followed again), and Approved ones whose run was not
   * sent or not answered (their last step older than any send in flight could be), sent again.
   */
  static final String UNFINISHED = "SELECT " + COLUMNS + " FROM maintenance_jobs WHERE (status = 'Running' AND target_task_id IS NOT NULL) "
      + "OR (status = 'Approved' AND updated_at < now() - $1 * interval '1 millisecond')";
  static final String ONE = "SELECT " + COLUMNS + " FROM maintenance_jobs WHERE job_id = $1 AND " + OwnerScope.clause(2);
  static final String BY_ID = "SELECT " + COLUMNS + " FROM maintenance_jobs WHERE job_id = $1";
  static final String LIST = "SELECT " + COLUMNS + " FROM maintenance_jobs WHERE " + OwnerScope.clause(1) + " AND ($2::text IS NULL OR status = $2) "
      + "AND ($3::text IS NULL OR target_node_did = $3) AND " + Keyset.clause("job_id", 4, 5) + " ORDER BY created_at DESC, job_id DESC LIMIT $6";
  static final String EXPIRE = "UPDATE maintenance_jobs SET status = 'Expired', completed_at = now(), updated_at = now(), status_history = "
      + "status_history || jsonb_build_array(jsonb_build_object('status', 'Expired', 'timestamp', now(), 'message', 'the target did not decide in time')) "
      + "WHERE status = 'PendingApproval' AND expires_at <= now() RETURNING " + COLUMNS;
  static final String WATCHED = "SELECT endpoint FROM watched_nodes WHERE did = $1 AND " + OwnerScope.clause(2) + " LIMIT 1";
  private static final long POLL_MS = 500;
  private static final String[] FROM_PENDING = {"PendingApproval"};
  private static final String REQUEST_TASK = "request_maintenance";
  /** The steps between the request and the end, as a requester's task_progress percentages. */
  private static final java.util.Map<String, Integer> PROGRESS = java.util.Map.of("Approved", 33, "Running", 66);
  private static final int PUSH_ATTEMPTS = 3;

  /** Each job's pushes so far, so that the next waits for them: a requester hears the steps in order. */
  private final java.util.Map<UUID, Future<Void>> pushes = new java.util.HashMap<>();

  private HakimSettings settings;
  private HakimStore store;

  @Override
  protected Future<?> setUp() {
    settings = HakimSettings.parse(env().config());
    store = new HakimStore(pool());
    serve("maintenance.create", request -> create(request).map(job -> ApiResponse.of(201, job)));
    serve("maintenance.request", request -> create(request).map(job -> new JsonObject().put("job_id", job.getString("job_id"))
        .put("job_status", job.getString("status"))));
    serve("maintenance.list", this::list);
    serve("maintenance.get", request -> {
      UUID id = OwnerScope.uuidOrNotFound(request.pathParam("job_id"), "maintenance job");
      return store.owned(ONE, id, request.caller(), "maintenance job", MaintenanceJobs::view);
    });
    serve("maintenance.approved", request -> decided(request, true));
    serve("maintenance.rejected", request -> decided(request, false));
    // at most half an expiry late (30 s at most), and at start for the jobs that expired while this node was down
    expire();
    vertx.setPeriodic(Math.max(500, Math.min(30_000, settings.maintenanceExpirySeconds() * 500)), id -> expire());
    resumeUnfinished();
    return Future.succeededFuture();
  }

  /** Pending jobs past their expiry: Expired, and their KLF requesters told. */
  private void expire() {
    store.many(EXPIRE, Tuple.tuple(), MaintenanceJobs::view)
        .onSuccess(expired -> expired.forEach(job -> tellRequester((JsonObject) job)))
        .onFailure(e -> LOG.warn("could not expire maintenance jobs: {}", e.toString()));
  }

  /** The jobs a stopped Hakim left Running or Approved: followed, or sent, again. */
  private void resumeUnfinished() {
    store.many(UNFINISHED, Tuple.of(settings.requestTimeoutMs() + 10_000L), MaintenanceJobs::view).onSuccess(jobs -> jobs.forEach(item -> {
      JsonObject job = (JsonObject) item;
      LOG.info("maintenance job {} was left {}: {} it again", job.getString("job_id"), job.getString("status"),
          "Running".equals(job.getString("status")) ? "following" : "sending");
      if ("Running".equals(job.getString("status"))) {
        follow(job, job.getString("target_task_id"));
      } else {
        runOnTarget(job);
      }
    })).onFailure(e -> LOG.warn("could not read the unfinished maintenance jobs: {}", e.toString()));
  }

  /** {@code {target_node_did, maintenance_task, task_params}}: a node the caller watches. */
  private Future<JsonObject> create(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    JsonFields fields = request.bodyFields().onlyKnown(List.of("target_node_did", "maintenance_task", "task_params"));
    String target = fields.string("target_node_did", null, 100);
    String task = fields.string("maintenance_task", null, 64);
    JsonObject params = fields.object("task_params", new JsonObject());
    UUID jobId = UUID.randomUUID();
    return store.run(WATCHED, Tuple.of(target, OwnerScope.filter(caller))).compose(rows -> {
      if (rows.size() == 0) {
        throw ApiError.invalidField("target_node_did", target + " is not a node the caller watches (POST /nodes first)");
      }
      String endpoint = rows.iterator().next().getString("endpoint");
      String requester = caller.isNode() ? caller.did() : env().nodeId();
      String replyTo = caller.isNode() ? klfReplyTo(request) : null;
      return store.one(INSERT, Tuple.of(jobId, OwnerScope.owner(caller), target, endpoint, requester, task, params.encode())
          .addValue(settings.maintenanceExpirySeconds()).addValue(replyTo), MaintenanceJobs::view).compose(job -> {
            JsonObject asked = new JsonObject().put("job_id", jobId.toString()).put("maintenance_task", task).put("task_params", params);
            if (!settings.publicUrl().isEmpty()) {
              asked.put("reply_to", settings.publicUrl() + "/klf/v1/message");
            }
            return sendKlf(target, endpoint, "control_command", new JsonObject().put("command_name", "maintenance_requested").put("params", asked),
                settings.requestTimeoutMs() + 5000L).compose(answer -> {
                  if (answer.ok()) {
                    return Future.succeededFuture(job);
                  }
                  String why = answer.describe();
                  return move(jobId, "Failed", "the target refused the request: " + why, FROM_PENDING, null)
                      .compose(failed -> Future.failedFuture(new ApiError(HakimErrors.MAINTENANCE_REFUSED, target + " refused: " + why,
                          new JsonObject().put("job_id", jobId.toString()))));
                });
          });
    });
  }

  private Future<JsonObject> list(ApiRequest request) {
    Keyset keyset = Keyset.of(request);
    String status = request.queryOneOf("status", List.of("PendingApproval", "Approved", "Running", "Completed", "Failed", "Rejected", "Expired"));
    return store.many(LIST, keyset.addTo(Tuple.of(OwnerScope.filter(request.caller()), status, request.query("target"))), MaintenanceJobs::view)
        .map(items -> keyset.page("jobs", items, "job_id"));
  }

  /**
   * KLF commands approve_maintenance_job / reject_maintenance_job: only from the job's target, for
   * what was asked. An approval sends the run at once and follows it.
   */
  private Future<JsonObject> decided(ApiRequest request, boolean approved) {
    Caller caller = request.caller();
    JsonFields fields = request.bodyFields().onlyKnown(List.of("job_id", "maintenance_task", "task_params"));
    UUID id = OwnerScope.uuidOrNotFound(fields.string("job_id", null, 36), "maintenance job");
    return store.run(BY_ID, Tuple.of(id)).compose(rows -> {
      JsonObject job = view(OwnerScope.one(rows, "maintenance job", id));
      if (!caller.isNode() || !caller.did().equals(job.getString("target_node_did"))) {
        LOG.warn("refused a maintenance decision for {} from {}: not its target {}", id, caller.did(), job.getString("target_node_did"));
        throw HakimErrors.NOT_THE_TARGET.error("maintenance job " + id + " belongs to " + job.getString("target_node_did"));
      }
      String message = approved ? "approved by the target's admin" : "rejected by the target's admin";
      return move(id, approved ? "Approved" : "Rejected", message, FROM_PENDING, null).map(moved -> {
        if (moved == null) {
          throw HakimErrors.JOB_NOT_PENDING.error("maintenance job " + id + " is " + job.getString("status"));
        }
        if (approved) {
          runOnTarget(moved);
        }
        return moved;
      });
    });
  }

  /** Sends run_maintenance to the target and follows its task (task_status) to the end. */
  private void runOnTarget(JsonObject job) {
    UUID id = UUID.fromString(job.getString("job_id"));
    JsonObject params = new JsonObject().put("job_id", job.getString("job_id")).put("maintenance_task", job.getString("task_name"))
        .put("task_params", job.getJsonObject("params"));
    sendKlf(job.getString("target_node_did"), job.getString("endpoint"), "task_request",
        new JsonObject().put("task_name", "run_maintenance").put("params", params), settings.requestTimeoutMs() + 5000L).compose(answer -> {
          String taskId = answer.ok() ? answer.payload().getString("job_id") : null;
          if (taskId == null) {
            return move(id, "Failed", "the target refused to run it: " + answer.describe(), new String[] {"Approved"}, null).mapEmpty();
          }
          return step(RUNNING, Tuple.of(id, "Running", "running on the target (its task " + taskId + ")", taskId))
              .compose(running -> follow(job, taskId));
        }).onFailure(e -> LOG.warn("maintenance job {} could not be followed: {}", id, e.toString()));
  }

  private Future<Void> follow(JsonObject job, String taskId) {
    UUID id = UUID.fromString(job.getString("job_id"));
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + settings.maintenanceExpirySeconds() * 1000;
    vertx.setPeriodic(POLL_MS, timer -> sendKlf(job.getString("target_node_did"), job.getString("endpoint"), "data_query",
        new JsonObject().put("query_name", "task_status").put("params", new JsonObject().put("job_id", taskId)), settings.requestTimeoutMs() + 5000L)
        .onSuccess(answer -> {
          JsonObject status = answer.ok() ? answer.payload().getJsonObject("result") : null;
          String state = status == null ? null : status.getString("status");
          if ("completed".equals(state) || "failed".equals(state) || System.currentTimeMillis() > deadline) {
            vertx.cancelTimer(timer);
            boolean completed = "completed".equals(state);
            // the target answers with its record; the task's own result is in it
            JsonObject result = status == null ? null : completed ? status.getJsonObject("result").getJsonObject("result") : status.getJsonObject("error");
            move(id, completed ? "Completed" : "Failed", completed ? "completed on the target" : "failed on the target: "
                + (result == null ? "no answer in time" : result.encode()), new String[] {"Running"}, result).onComplete(v -> done.complete());
          }
        }));
    return done.future();
  }

  private Future<JsonObject> move(UUID id, String status, String message, String[] from, JsonObject result) {
    return step(MOVE, Tuple.of(id, status, message).addValue(from).addValue(result == null ? null : result.encode()));
  }

  /** A step of the job's ({@link #MOVE}, {@link #RUNNING}), told to the node that asked for it; null when the job was not where the step comes from. */
  private Future<JsonObject> step(String sql, Tuple params) {
    return store.one(sql, params, MaintenanceJobs::view)
        .onSuccess(moved -> {
          if (moved != null) {
            tellRequester(moved);
          }
        });
  }

  /**
   * A step of a job a node asked for over KLF, pushed signed to its reply_to, in order: Approved and
   * Running as {@code task_progress}, the end (Completed, Failed, Rejected, Expired) as
   * {@code task_response}. {@code job_id} is the maintenance job's. A push that keeps failing is
   * dropped; {@code get_maintenance_job} is the record.
   */
  private void tellRequester(JsonObject job) {
    String replyTo = job.getString("reply_to");
    if (replyTo == null) {
      return;
    }
    String id = job.getString("job_id");
    String status = job.getString("status");
    JsonArray history = job.getJsonArray("status_history");
    String message = history.isEmpty() ? status : history.getJsonObject(history.size() - 1).getString("message");
    JsonObject payload = new JsonObject().put("task_name", REQUEST_TASK).put("job_id", id).put("job_status", status);
    String type;
    if (PROGRESS.containsKey(status)) {
      type = "task_progress";
      payload.put("status", "running").put("progress", PROGRESS.get(status)).put("message", message);
    } else if (status.equals("Completed")) {
      type = "task_response";
      payload.put("status", "completed").put("result", new JsonObject().put("job_id", id).put("job_status", status).put("result", job.getValue("result")));
    } else {
      type = "task_response";
      payload.put("status", "failed").put("error", new JsonObject().put("code", status).put("message", message));
    }
    String url = replyTo.startsWith("did:") ? null : replyTo;
    UUID key = UUID.fromString(id);
    Future<Void> previous = pushes.getOrDefault(key, Future.succeededFuture());
    Future<Void> next = previous.compose(v -> push(job.getString("requester_did"), url, type, payload));
    pushes.put(key, next);
    next.onComplete(done -> pushes.remove(key, next));
  }

  private Future<Void> push(String to, String url, String type, JsonObject payload) {
    return Retries.withBackoff(vertx, PUSH_ATTEMPTS, 1000, attempt -> sendKlf(to, url, type, payload, settings.requestTimeoutMs() + 5000L))
        .<Void>map(answer -> {
          if (!answer.ok()) {
            LOG.warn("{} refused the {} of maintenance job {}: {}", to, type, payload.getString("job_id"), answer.describe());
          }
          return null;
        }).recover(failure -> {
          LOG.warn("could not tell {} of maintenance job {} after {} attempts: {}", to, payload.getString("job_id"), PUSH_ATTEMPTS, failure.toString());
          return Future.succeededFuture();
        });
  }

  static JsonObject view(Row row) {
    return new JsonObject().put("job_id", row.getUUID("job_id").toString()).put("owner_id", row.getUUID("owner_id").toString())
        .put("target_node_did", row.getString("target_node_did")).put("endpoint", row.getString("endpoint"))
        .put("requester_did", row.getString("requester_did")).put("task_name", row.getString("task_name")).put("params", row.getValue("params"))
        .put("status", row.getString("status")).put("status_history", row.getValue("status_history")).put("result", row.getValue("result"))
        .put("created_at", HakimStore.time(row, "created_at")).put("expires_at", HakimStore.time(row, "expires_at"))
        .put("completed_at", HakimStore.time(row, "completed_at")).put("updated_at", HakimStore.time(row, "updated_at"))
        .put("reply_to", row.getString("reply_to")).put("target_task_id", row.getString("target_task_id"));
  }
}
