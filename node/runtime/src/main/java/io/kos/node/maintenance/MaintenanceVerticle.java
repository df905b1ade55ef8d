package io.kos.node.maintenance;

import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.Caller;
import io.kos.verticle.JsonFields;
import io.kos.verticle.Keyset;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.OwnerScope;
import io.kos.verticle.SqlStore;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;

/**
 * The target's side of consented maintenance: records what Hakim nodes ask, lets this node's admin
 * approve or reject it (and tells the Hakim, signed), and runs a task only when its own record says
 * approved for that job, that task and those parameters, by that Hakim, unexpired. Everything else
 * is refused and logged; each step is in the record's {@code status_history}.
 */
final class MaintenanceVerticle extends KosVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceVerticle.class);
  private static final String COLUMNS = "job_id, hakim_did, reply_to, task, params, status, status_history, result, requested_at, expires_at, "
      + "decided_by, decided_at, completed_at, hakim_notified_at, notify_attempts";
  private static String step(int status, int message) {
    return "status_history || jsonb_build_array(jsonb_build_object('status', $" + status + "::text, 'timestamp', now(), 'message', $" + message
        + "::text))";
  }
  static final String RECORD = "INSERT INTO maintenance_requests (job_id, node_id, hakim_did, reply_to, task, params, status, status_history, "
      + "expires_at) VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, 'PendingApproval', jsonb_build_array(jsonb_build_object('status', "
      + "'PendingApproval', 'timestamp', now(), 'message', 'requested by ' || $3)), now() + $7 * interval '1 millisecond') "
      + "ON CONFLICT (job_id) DO NOTHING RETURNING " + COLUMNS;
  static final String ONE = "SELECT " + COLUMNS + " FROM maintenance_requests WHERE job_id = $1 AND node_id = $2";
  static final String LIST = "SELECT " + COLUMNS + " FROM maintenance_requests WHERE node_id = $1 AND ($2::text IS NULL OR status = $2) AND "
      + Keyset.clause("requested_at", "job_id", 3, 4) + " ORDER BY requested_at DESC, job_id DESC LIMIT $5";
  /** An approval renews the expiry: the Hakim has maintenance_expiry from now to run it. */
  static final String DECIDE = "UPDATE maintenance_requests SET status = $3, decided_by = $4, decided_at = now(), "
      + "notify_next_at = now() + interval '5 seconds', expires_at = CASE WHEN $3 = 'Approved' THEN now() + $6 * interval '1 millisecond' ELSE expires_at END, status_history = " + step(3, 5)
      + " WHERE job_id = $1 AND node_id = $2 AND status = 'PendingApproval' AND expires_at > now() RETURNING " + COLUMNS;
  /** The only way to Running: that Hakim, approved, unexpired, that task, those parameters (jsonb equality: as values, not as text). */
  static final String START = "UPDATE maintenance_requests SET status = 'Running', status_history = " + step(6, 7)
      + " WHERE job_id = $1 AND node_id = $2 AND hakim_did = $3 AND task = $4 AND params = $5::text::jsonb AND status = 'Approved' "
      + "AND expires_at > now() RETURNING " + COLUMNS;
  static final String FINISH = "UPDATE maintenance_requests SET status = $3, result = $4::text::jsonb, completed_at = now(), status_history = "
      + step(3, 5) + " WHERE job_id = $1 AND node_id = $2 RETURNING " + COLUMNS;
  static final String EXPIRE = "UPDATE maintenance_requests SET status = 'Expired', status_history = status_history || jsonb_build_array("
      + "jsonb_build_object('status', 'Expired', 'timestamp', now(), 'message', 'not ' || CASE WHEN status = 'Approved' THEN 'run' ELSE "
      + "'decided' END || ' before ' || expires_at)) WHERE node_id = $1 AND status IN ('PendingApproval', 'Approved') AND expires_at <= now() "
      + "RETURNING job_id";
  static final String NOTIFIED = "UPDATE maintenance_requests SET hakim_notified_at = now() WHERE job_id = $1 AND node_id = $2 RETURNING " + COLUMNS;
  /**
   * The decisions the Hakim has not taken, due again, each claimed for its next attempt: 5 s, doubling
   * to 5 min, until the request runs or expires ({@code SKIP LOCKED}: one sender per decision).
   */
  static final String UNDELIVERED_DUE = "UPDATE maintenance_requests SET notify_attempts = notify_attempts + 1, notify_next_at = now() + "
      + "least(300, 5 * power(2, notify_attempts + 1)) * interval '1 second' WHERE job_id IN (SELECT job_id FROM maintenance_requests "
      + "WHERE node_id = $1 AND hakim_notified_at IS NULL AND status IN ('Approved', 'Rejected') AND notify_next_at <= now() "
      + "AND expires_at > now() ORDER BY notify_next_at LIMIT 100 FOR UPDATE SKIP LOCKED) RETURNING " + COLUMNS;
  /** The Hakim's answers that are its own word on the job: sending the decision again would not change it. */
  private static final List<String> HAKIM_HAS_DECIDED = List.of("job_not_pending", "not_found", "not_the_target");
  private static final long SWEEP_MS = 30_000;
  private static final long RESEND_MS = 5_000;

  private final NodeControl node;
  private long expiryMillis;

  MaintenanceVerticle(NodeControl node) {
    this.node = node;
  }

  @Override
  protected Future<?> setUp() {
    expiryMillis = env().config().getLong("expiry_ms", 86_400_000L);
    serve("maintenance.requested", this::requested);
    serve("maintenance.list", this::list);
    serve("maintenance.get", request -> {
      request.caller().requireAdmin();
      UUID id = OwnerScope.uuidOrNotFound(request.pathParam("job_id"), "maintenance request");
      return one(id);
    });
    serve("maintenance.approve", request -> decide(request, "Approved"));
    serve("maintenance.reject", request -> decide(request, "Rejected"));
    serve("maintenance.run", this::run);
    vertx.setPeriodic(SWEEP_MS, id -> expire());
    vertx.setPeriodic(RESEND_MS, id -> resendDecisions());
    return Future.succeededFuture();
  }

  /** KLF command maintenance_requested from a Hakim: checked and recorded, pending this node's admin. */
  private Future<JsonObject> requested(ApiRequest request) {
    Caller caller = request.caller();
    if (!caller.isNode()) {
      throw ApiError.notFound("maintenance requests come from other nodes, over KLF");
    }
    JsonFields fields = request.bodyFields().onlyKnown(List.of("job_id", "maintenance_task", "task_params", "reply_to"));
    UUID jobId = fields.uuid("job_id", true);
    String task = fields.string("maintenance_task", null, 64);
    JsonObject params = fields.object("task_params", new JsonObject());
    String[] problem = MaintenanceTasks.problem(task, params, node);
    if (problem != null) {
      throw ApiError.invalidField(problem[0], problem[1]);
    }
    String replyTo = fields.string("reply_to", "", 500);
    if (!replyTo.isEmpty() && OutboundHttp.urlProblem(replyTo) != null) {
      throw ApiError.invalidField("reply_to", OutboundHttp.urlProblem(replyTo));
    }
    Tuple row = Tuple.of(jobId, env().nodeId(), caller.did(), replyTo.isEmpty() ? null : replyTo, task, params.encode()).addValue(expiryMillis);
    return store(RECORD, row).compose(recorded -> {
      if (recorded != null) {
        LOG.info("maintenance {} {} requested by {}: waiting for this node's admin", jobId, task, caller.did());
        return Future.succeededFuture(recorded);
      }
      // the same request again (a retry) is answered as it stands; anything else is a conflict
      return one(jobId).map(existing -> {
        if (!existing.getString("hakim_did").equals(caller.did()) || !existing.getString("task").equals(task)
            || !existing.getJsonObject("params").equals(params)) {
          throw MaintenanceModule.CONFLICTING_REQUEST.error("maintenance " + jobId + " exists with another sender, task or parameters");
        }
        return existing;
      });
    });
  }

  private Future<JsonObject> list(ApiRequest request) {
    request.caller().requireAdmin();
    Keyset keyset = Keyset.of(request);
    String status = request.queryOneOf("status", List.of("PendingApproval", "Approved", "Rejected", "Expired", "Running", "Completed", "Failed"));
    return expire().compose(v -> pool().preparedQuery(LIST).execute(keyset.addTo(Tuple.of(env().nodeId(), status)))).map(rows -> {
      io.vertx.core.json.JsonArray items = new io.vertx.core.json.JsonArray();
      rows.forEach(row -> items.add(view(row)));
      return keyset.page("requests", items, "requested_at", "job_id");
    });
  }

  /** The admin's decision, recorded first, then sent to the Hakim signed; the answer says whether it arrived. */
  private Future<JsonObject> decide(ApiRequest request, String status) {
    Caller caller = request.caller().requireAdmin();
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("job_id"), "maintenance request");
    String message = (status.equals("Approved") ? "approved" : "rejected") + " by this node's admin " + caller.userId();
    return expire().compose(v -> store(DECIDE, Tuple.of(id, env().nodeId(), status, UUID.fromString(caller.userId()), message)
        .addValue(expiryMillis))).compose(decided -> {
          if (decided == null) {
            return one(id).map(existing -> {
              throw MaintenanceModule.DECIDED.error("maintenance " + id + " is " + existing.getString("status") + ", not PendingApproval");
            });
          }
          return tellHakim(decided);
        });
  }

  /**
   * Sends the recorded decision to the Hakim, signed; {@code hakim_notified} says whether it took it.
   * The decision stands either way, and one not taken is sent again ({@link #resendDecisions}).
   */
  private Future<JsonObject> tellHakim(JsonObject decided) {
    UUID id = UUID.fromString(decided.getString("job_id"));
    String command = "Approved".equals(decided.getString("status")) ? "approve_maintenance_job" : "reject_maintenance_job";
    JsonObject params = new JsonObject().put("job_id", id.toString()).put("maintenance_task", decided.getString("task"))
        .put("task_params", decided.getJsonObject("params"));
    return sendKlf(decided.getString("hakim_did"), decided.getString("reply_to"), "control_command",
        new JsonObject().put("command_name", command).put("params", params), 15_000)
        .compose(answer -> {
          boolean settled = answer.ok() || HAKIM_HAS_DECIDED.contains(answer.errorCode());
          return (settled ? store(NOTIFIED, Tuple.of(id, env().nodeId())) : Future.succeededFuture(decided))
              .map(record -> record.put("hakim_notified", answer.ok()).put("hakim_answer", answer.ok() ? null : answer.describe()));
        })
        .recover(failure -> Future.succeededFuture(decided.put("hakim_notified", false).put("hakim_answer", failure.getMessage())));
  }

  /** Each decision the Hakim has not taken and that is due again, sent again; a Hakim that was down hears it when it is back. */
  private void resendDecisions() {
    pool().preparedQuery(UNDELIVERED_DUE).execute(Tuple.of(env().nodeId())).onSuccess(rows -> rows.forEach(row -> {
      JsonObject decided = view(row);
      tellHakim(decided).onSuccess(told -> {
        if (told.getBoolean("hakim_notified")) {
          LOG.info("maintenance {}: the Hakim {} took the decision ({}) on attempt {}", decided.getString("job_id"), decided.getString("hakim_did"),
              decided.getString("status"), row.getInteger("notify_attempts") + 1);
        }
      });
    })).onFailure(e -> LOG.warn("could not read the maintenance decisions to send again: {}", e.toString()));
  }

  /** KLF task run_maintenance: runs only what this node's record approved, exactly. */
  private Future<JsonObject> run(ApiRequest request) {
    Caller caller = request.caller();
    JsonFields fields = request.bodyFields().onlyKnown(List.of("job_id", "maintenance_task", "task_params"));
    UUID id = fields.uuid("job_id", true);
    String task = fields.string("maintenance_task", null, 64);
    JsonObject params = fields.object("task_params", new JsonObject());
    Tuple start = Tuple.of(id, env().nodeId(), caller.did(), task, params.encode()).addValue("Running").addValue("run by " + caller.did());
    return store(START, start).compose(running -> {
      if (running == null) {
        return one(id).recover(missing -> Future.succeededFuture(null)).map(existing -> {
          String why = existing == null ? "no such request" : !existing.getString("hakim_did").equals(caller.did()) ? "asked by another node"
              : !existing.getString("task").equals(task) || !existing.getJsonObject("params").equals(params) ? "another task or other parameters"
              : "it is " + existing.getString("status");
          LOG.warn("refused maintenance run {} {} {} from {}: {}", id, task, params.encode(), caller.did(), why);
          throw MaintenanceModule.NOT_APPROVED.error("maintenance " + id + " may not run: " + why);
        });
      }
      reportProgress(request, 10, "running " + task);
      LOG.info("maintenance {} {} {} running (approved by this node's admin)", id, task, params.encode());
      return MaintenanceTasks.run(vertx, task, params, node)
          .compose(result -> store(FINISH, Tuple.of(id, env().nodeId(), "Completed", result.encode(), task + " completed")),
              failure -> store(FINISH, Tuple.of(id, env().nodeId(), "Failed", new JsonObject().put("error", String.valueOf(failure.getMessage()))
                  .encode(), task + " failed: " + failure.getMessage())));
    });
  }

  private Future<Void> expire() {
    return pool().preparedQuery(EXPIRE).execute(Tuple.of(env().nodeId())).<Void>mapEmpty()
        .onFailure(e -> LOG.warn("could not expire maintenance requests: {}", e.toString()));
  }

  private Future<JsonObject> one(UUID id) {
    return pool().preparedQuery(ONE).execute(Tuple.of(id, env().nodeId())).map(rows -> view(OwnerScope.one(rows, "maintenance request", id)));
  }

  private Future<JsonObject> store(String sql, Tuple params) {
    return pool().preparedQuery(sql).execute(params).map(rows -> rows.size() == 0 ? null : view(rows.iterator().next()));
  }

  private static JsonObject view(Row row) {
    UUID decidedBy = row.getUUID("decided_by");
    return new JsonObject().put("job_id", row.getUUID("job_id").toString()).put("hakim_did", row.getString("hakim_did"))
        .put("reply_to", row.getString("reply_to")).put("task", row.getString("task")).put("params", row.getValue("params"))
        .put("status", row.getString("status")).put("status_history", row.getValue("status_history")).put("result", row.getValue("result"))
        .put("requested_at", SqlStore.time(row, "requested_at")).put("expires_at", SqlStore.time(row, "expires_at"))
        .put("decided_by", decidedBy == null ? null : decidedBy.toString()).put("decided_at", SqlStore.time(row, "decided_at"))
        .put("completed_at", SqlStore.time(row, "completed_at")).put("hakim_notified_at", SqlStore.time(row, "hakim_notified_at"))
        .put("notify_attempts", row.getInteger("notify_attempts"));
  }
}
