package io.kos.node.klf;

import io.kos.node.identity.NodeIdentity;
import io.kos.verticle.Addresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.Caller;
import io.kos.verticle.Retries;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tasks other nodes asked this node to run: each accepted {@code task_request} is a row of
 * {@code klf_tasks} (pending → running → completed | failed) and one call of the verticle's
 * operation. Its progress and its end are recorded, and pushed, signed and in order, to the
 * request's {@code reply_to}; {@code task_status} reads the row at any time.
 */
final class KlfTasks {

  private static final Logger LOG = LoggerFactory.getLogger(KlfTasks.class);

  static final String INSERT = "INSERT INTO klf_tasks (job_id, request_id, node_id, requester, task_name, params, status, reply_to) "
      + "VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) ON CONFLICT (request_id) DO NOTHING RETURNING job_id";
  static final String START = "UPDATE klf_tasks SET status = 'running', message = 'running' WHERE job_id = $1 AND status = 'pending'";
  static final String PROGRESS = "UPDATE klf_tasks SET progress = $2, message = $3 WHERE job_id = $1 AND status = 'running'";
  static final String FINISH = "UPDATE klf_tasks SET status = $2, progress = CASE WHEN $2 = 'completed' THEN 100 ELSE progress END, "
      + "message = $3, result = $4, error = $5 WHERE job_id = $1";
  static final String STATUS = "SELECT job_id, requester, task_name, status, progress, message, result, error, created_at, updated_at "
      + "FROM klf_tasks WHERE job_id = $1 AND node_id = $2 AND ($3::text IS NULL OR requester = $3)";
  static final String INTERRUPT = "UPDATE klf_tasks SET status = 'failed', message = 'interrupted', "
      + "error = jsonb_build_object('code', '" + KlfErrors.INTERRUPTED + "', 'message', 'the node stopped while the task ran') "
      + "WHERE node_id = $1 AND status IN ('pending', 'running')";
  static final String PRUNE = "DELETE FROM klf_tasks WHERE job_id IN (SELECT job_id FROM klf_tasks "
      + "WHERE status IN ('completed', 'failed') AND updated_at < now() - $1 * interval '1 second' LIMIT 1000)";
  private static final int PUSH_ATTEMPTS = 3;
  private static final long PUSH_BACKOFF_MILLIS = 1000;

  /** A task running here: who asked, where its messages go, and the chain that keeps its pushes in order. */
  private static final class Running {
    final String requester;
    final String taskName;
    final String replyTo;
    final String correlationId;
    Future<Void> pushes = Future.succeededFuture();

    Running(String requester, String taskName, String replyTo, String correlationId) {
      this.requester = requester;
      this.taskName = taskName;
      this.replyTo = replyTo;
      this.correlationId = correlationId;
    }
  }

  private final Vertx vertx;
  private final Pool pool;
  private final NodeIdentity identity;
  private final Operations operations;
  private final KlfClient client;
  private final KlfMetrics metrics;
  private final long timeoutMillis;
  private final String progressAddress;
  private final Map<String, Running> running = new ConcurrentHashMap<>();

  KlfTasks(Vertx vertx, Pool pool, NodeIdentity identity, Operations operations, KlfClient client, KlfMetrics metrics, Duration timeout) {
    this.vertx = vertx;
    this.pool = pool;
    this.identity = identity;
    this.operations = operations;
    this.client = client;
    this.metrics = metrics;
    this.timeoutMillis = timeout.toMillis();
    this.progressAddress = Addresses.node(identity.did(), "klf.progress");
  }

  /** Marks what an earlier run of this node left unfinished, and listens for progress; blocking, at start. */
  void start(Duration retention) {
    long interrupted = pool.preparedQuery(INTERRUPT).execute(Tuple.of(identity.did())).await().rowCount();
    if (interrupted > 0) {
      LOG.warn("{} KLF task(s) of an earlier run never finished; marked failed ({})", interrupted, KlfErrors.INTERRUPTED);
    }
    vertx.eventBus().<JsonObject>consumer(progressAddress, message -> progress(message.body())).completion().await();
    vertx.setPeriodic(60_000, Duration.ofHours(1).toMillis(), id -> prune(retention));
  }

  /** Deletes finished tasks older than the retention; how many. */
  Future<Integer> prune(Duration retention) {
    return pool.preparedQuery(PRUNE).execute(Tuple.of(retention.toSeconds()))
        .map(rows -> {
          if (rows.rowCount() > 0) {
            LOG.info("deleted {} finished KLF task(s) older than klf.task_retention", rows.rowCount());
          }
          return rows.rowCount();
        })
        .onFailure(e -> LOG.warn("could not prune KLF tasks: {}", e.toString()));
  }

  /**
   * Accepts a task: records it, answers the signed {@code task_progress} {@code pending} at once, and
   * runs it. A request id already recorded is a replay (409), whatever the replay window says.
   */
  Future<JsonObject> accept(JsonObject request, Operations.Target target, Caller caller, JsonObject params) {
    String replyTo = request.getJsonObject("metadata").getString("reply_to");
    String taskName = target.operation().name();
    UUID jobId = UUID.randomUUID();
    Tuple row = Tuple.of(jobId, UUID.fromString(request.getString("id")), identity.did(), caller.did(), taskName, params, replyTo);
    return pool.preparedQuery(INSERT).execute(row).map(rows -> {
      if (rows.size() == 0) {
        throw KlfErrors.REPLAYED_MESSAGE.error("task request " + request.getString("id") + " was already accepted");
      }
      Running task = new Running(caller.did(), taskName, replyTo, request.getString("id"));
      running.put(jobId.toString(), task);
      // the caller gets its 202 first; the run starts on the next turn of the loop
      vertx.runOnContext(v -> run(jobId.toString(), task, target, caller, params));
      return progressPayload(taskName, jobId.toString(), "pending", 0, "accepted");
    });
  }

  private void run(String jobId, Running task, Operations.Target target, Caller caller, JsonObject params) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add(Addresses.HEADER_KLF_JOB, jobId).add(Addresses.HEADER_KLF_PROGRESS, progressAddress);
    if (task.replyTo != null) {
      headers.add(Addresses.HEADER_KLF_REPLY_TO, task.replyTo);
    }
    pool.preparedQuery(START).execute(Tuple.of(UUID.fromString(jobId)))
        .onSuccess(v -> push(task, KlfMessage.TASK_PROGRESS, progressPayload(task.taskName, jobId, "running", 0, "running")))
        .compose(v -> operations.call(target, params, caller, jobId, headers, timeoutMillis))
        .otherwise(failure -> Operations.Outcome.failed("internal_error", "the task could not run: " + failure.getMessage(), 500))
        .compose(outcome -> finish(jobId, task, outcome))
        .onFailure(e -> LOG.error("KLF task {} ({}) could not be recorded as finished", jobId, task.taskName, e))
        .onComplete(v -> running.remove(jobId));
  }

  private Future<Void> finish(String jobId, Running task, Operations.Outcome outcome) {
    String status = outcome.ok() ? "completed" : "failed";
    Object result = outcome.ok() ? (outcome.result() == null ? new JsonObject() : outcome.result()) : null;
    Tuple row = Tuple.of(UUID.fromString(jobId), status, outcome.ok() ? "completed" : outcome.error().getString("message"),
        result, outcome.error());
    return pool.preparedQuery(FINISH).execute(row).map(v -> {
      JsonObject payload = new JsonObject().put("task_name", task.taskName).put("job_id", jobId).put("status", status);
      if (outcome.ok()) {
        payload.put("result", result);
      } else {
        payload.put("error", outcome.error());
      }
      push(task, KlfMessage.TASK_RESPONSE, payload);
      return null;
    });
  }

  private void progress(JsonObject report) {
    String jobId = report.getString("job_id");
    Running task = jobId == null ? null : running.get(jobId);
    if (task == null) {
      return;
    }
    int percent = report.getInteger("progress", 0);
    String message = report.getString("message", "");
    pool.preparedQuery(PROGRESS).execute(Tuple.of(UUID.fromString(jobId), (short) percent, message))
        .onSuccess(v -> push(task, KlfMessage.TASK_PROGRESS, progressPayload(task.taskName, jobId, "running", percent, message)))
        .onFailure(e -> LOG.warn("could not record progress of KLF task {}: {}", jobId, e.toString()));
  }

  /** Sends a signed message about the task to its reply_to, after the ones before it; a push that keeps failing is dropped (task_status still has it). */
  private void push(Running task, String type, JsonObject payload) {
    if (task.replyTo == null) {
      return;
    }
    JsonObject metadata = new JsonObject().put("correlation_id", task.correlationId);
    task.pushes = task.pushes.compose(v -> deliver(task, KlfMessage.signed(identity, task.requester, type, payload, metadata)));
  }

  private Future<Void> deliver(Running task, JsonObject message) {
    return Retries.withBackoff(vertx, PUSH_ATTEMPTS, PUSH_BACKOFF_MILLIS, attempt -> client.send(task.replyTo, message)).compose(answer -> {
      metrics.sent(message.getString("type"), answer.ok() ? "delivered" : "refused");
      if (!answer.ok()) {
        LOG.warn("{} refused the {} of KLF task {}: {} {}", task.replyTo, message.getString("type"), task.taskName, answer.status(),
            answer.body().getString("error"));
      }
      return Future.<Void>succeededFuture();
    }, failure -> {
      metrics.sent(message.getString("type"), "failed");
      LOG.warn("could not push the {} of KLF task {} to {} after {} attempts: {}", message.getString("type"), task.taskName,
          task.replyTo, PUSH_ATTEMPTS, failure.toString());
      return Future.succeededFuture();
    });
  }

  /** The {@code task_status} answer: the task as recorded, for its requester (or an admin peer). */
  Future<JsonObject> status(String jobId, Caller caller) {
    UUID id;
    try {
      id = UUID.fromString(jobId);
    } catch (IllegalArgumentException | NullPointerException e) {
      return Future.failedFuture(ApiError.notFound("no task " + jobId));
    }
    return pool.preparedQuery(STATUS).execute(Tuple.of(id, identity.did(), caller.isAdmin() ? null : caller.did())).map(rows -> {
      if (rows.size() == 0) {
        throw ApiError.notFound("no task " + jobId);
      }
      Row row = rows.iterator().next();
      JsonObject status = progressPayload(row.getString("task_name"), jobId, row.getString("status"), row.getShort("progress"),
          row.getString("message"))
          .put("requester", row.getString("requester"))
          .put("created_at", row.getOffsetDateTime("created_at").toString())
          .put("updated_at", row.getOffsetDateTime("updated_at").toString());
      if (row.getValue("result") != null) {
        status.put("result", row.getValue("result"));
      }
      if (row.getValue("error") != null) {
        status.put("error", row.getValue("error"));
      }
      return status;
    });
  }

  static JsonObject progressPayload(String taskName, String jobId, String status, int progress, String message) {
    return new JsonObject().put("task_name", taskName).put("job_id", jobId).put("status", status).put("progress", progress)
        .put("message", message);
  }
}
