package io.kos.tohunga;

import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Pipelines: a saved job definition with a schedule, each change a version, each run an acquisition
 * job naming its pipeline and version. Shared by the API (writes, run now) and the scheduler.
 */
final class Pipelines {

  private static final Logger LOG = LoggerFactory.getLogger(Pipelines.class);
  static final List<String> FIELDS = List.of("name", "description", "definition", "schedule", "time_zone", "is_active", "incremental");

  /** What a version holds: the pipeline's settings, not its cursor or next run. */
  record Spec(String name, String description, JsonObject definition, String schedule, String timeZone, boolean active, JsonObject incremental) {

    JsonObject snapshot() {
      return new JsonObject().put("name", name).put("description", description).put("definition", definition).put("schedule", schedule)
          .put("time_zone", timeZone).put("is_active", active).put("incremental", incremental);
    }

    static Spec of(JsonObject snapshot) {
      return new Spec(snapshot.getString("name"), snapshot.getString("description"), snapshot.getJsonObject("definition"),
          snapshot.getString("schedule"), snapshot.getString("time_zone"), snapshot.getBoolean("is_active"), snapshot.getJsonObject("incremental"));
    }

    static Spec of(Row row) {
      return new Spec(row.getString("name"), row.getString("description"), (JsonObject) row.getValue("definition"), row.getString("schedule"),
          row.getString("time_zone"), row.getBoolean("is_active"), (JsonObject) row.getValue("incremental"));
    }

    /** When the scheduler next runs it: the schedule's next time after now, or null (inactive, or no schedule). */
    OffsetDateTime nextRun() {
      return active && schedule != null ? Schedules.next(schedule, timeZone, OffsetDateTime.now(ZoneOffset.UTC)) : null;
    }

    /** The incremental settings with a run's cursor, for {@link JobDrafts#check}. */
    JsonObject incrementalRun(String cursor) {
      if (incremental == null) {
        return null;
      }
      return new JsonObject().put("field", incremental.getString("field")).put("param", incremental.getString("param"))
          .put("cursor", cursor != null ? cursor : String.valueOf(incremental.getValue("initial")));
    }
  }

  /** A body's fields over the current spec (null: a new pipeline, where name and definition are required). */
  static Spec parse(JsonFields fields, JsonObject body, Spec current) {
    String name = body.containsKey("name") || current == null ? fields.string("name", null, 200) : current.name();
    if (name.isBlank()) {
      throw fields.invalid("name", "must not be blank");
    }
    String description = body.containsKey("description") ? fields.string("description", "", 2000) : current == null ? "" : current.description();
    JsonObject definition = body.containsKey("definition") || current == null ? fields.object("definition", null) : current.definition();
    String schedule = current == null ? null : current.schedule();
    if (body.containsKey("schedule")) {
      schedule = body.getValue("schedule") == null ? null : fields.string("schedule", null, 100);
    }
    String zone = body.containsKey("time_zone") || current == null ? fields.string("time_zone", "UTC", 64) : current.timeZone();
    Schedules.zone(zone, "time_zone");
    if (schedule != null) {
      Schedules.parse(schedule, "schedule");
    }
    boolean active = fields.bool("is_active", current == null || current.active());
    JsonObject incremental = current == null ? null : current.incremental();
    if (body.containsKey("incremental")) {
      incremental = body.getValue("incremental") == null ? null : incremental(fields.object("incremental", null));
    }
    return new Spec(name, description, definition, schedule, zone, active, incremental);
  }

  private static JsonObject incremental(JsonObject incremental) {
    JsonFields fields = JsonFields.ofBody(incremental, "incremental").onlyKnown(List.of("field", "param", "initial"));
    String field = fields.string("field", null, 500);
    if (Rows.pathProblem(field) != null) {
      throw ApiError.invalidField("incremental.field", Rows.pathProblem(field));
    }
    Object initial = incremental.getValue("initial");
    if (!(initial instanceof String) && !(initial instanceof Number)) {
      throw ApiError.invalidField("incremental.initial", "is required: the cursor of the first run (a time, a number or text)");
    }
    JsonObject out = new JsonObject().put("field", field).put("initial", initial);
    if (incremental.containsKey("param")) {
      out.put("param", fields.string("param", null, 100));
    }
    return out;
  }

  /** The fields two versions' snapshots differ in ({@code definition.*} one by one). */
  static JsonArray changes(JsonObject from, JsonObject to) {
    JsonArray changes = new JsonArray();
    for (String field : FIELDS) {
      if (field.equals("definition")) {
        JsonObject a = from.getJsonObject("definition", new JsonObject());
        JsonObject b = to.getJsonObject("definition", new JsonObject());
        java.util.Set<String> keys = new java.util.TreeSet<>(a.fieldNames());
        keys.addAll(b.fieldNames());
        for (String key : keys) {
          if (!Objects.equals(a.getValue(key), b.getValue(key))) {
            changes.add(new JsonObject().put("field", "definition." + key).put("from", a.getValue(key)).put("to", b.getValue(key)));
          }
        }
      } else if (!Objects.equals(from.getValue(field), to.getValue(field))) {
        changes.add(new JsonObject().put("field", field).put("from", from.getValue(field)).put("to", to.getValue(field)));
      }
    }
    return changes;
  }

  private final Vertx vertx;
  private final TohungaStore store;
  private final JobDrafts drafts;
  private final String nodeId;

  Pipelines(Vertx vertx, TohungaStore store, JobDrafts drafts, String nodeId) {
    this.vertx = vertx;
    this.store = store;
    this.drafts = drafts;
    this.nodeId = nodeId;
  }

  /**
   * Starts a run of the pipeline (its row) on this node: the job, checked as the definition is now
   * (a saved transformation's current steps, the source as it is), with the incremental cursor. A run
   * already pending or running is 409 {@code pipeline_running} (one at a time, whichever node asks).
   * A scheduled run whose definition no longer checks is recorded failed, so its owner sees why.
   */
  Future<JsonObject> start(Row pipeline, String trigger) {
    UUID id = pipeline.getUUID("pipeline_id");
    Spec spec = Spec.of(pipeline);
    JobDrafts.Run run = new JobDrafts.Run(id, pipeline.getInteger("version"), trigger);
    UUID owner = pipeline.getUUID("owner_id");
    return drafts.check(spec.definition(), "definition.", null, spec.incrementalRun(pipeline.getString("cursor")))
        .compose(draft -> drafts.insert(draft, owner, pipeline.getString("owner_did"), run))
        .recover(failure -> {
          if (failure instanceof PgException pg && "23505".equals(pg.getSqlState())) {
            return Future.failedFuture(TohungaErrors.PIPELINE_RUNNING.error("a run of pipeline " + id + " is still pending or running"));
          }
          if (failure instanceof ApiError error && trigger.equals("schedule")) {
            LOG.warn("a scheduled run of pipeline {} could not start: {}", id, error.getMessage());
            JsonObject definition = spec.definition();
            String source = definition.getValue("source_id") instanceof String s ? s : null;
            UUID sourceId;
            try {
              sourceId = source == null ? null : UUID.fromString(source);
            } catch (IllegalArgumentException e) {
              sourceId = null;
            }
            return store.one(TohungaStore.INSERT_FAILED_RUN + " RETURNING " + TohungaStore.JOB_COLUMNS, Tuple.of(id,
                definition.getJsonArray("pipeline_steps", new JsonArray()), definition.getJsonObject("output_config", new JsonObject()),
                nodeId, owner, pipeline.getString("owner_did")).addValue(run.version()).addValue(trigger)
                .addValue(new JsonObject().put("code", JobFailure.VALIDATION_FAILED).put("message", "the pipeline's definition no longer checks: "
                    + error.getMessage())).addValue(sourceId), TohungaStore::job);
          }
          return Future.failedFuture(failure);
        })
        .compose(job -> {
          if (!job.getString("status").equals("pending")) {
            return Future.succeededFuture(job);
          }
          return vertx.eventBus().request(JobRunner.startAddress(job.getString("run_by")), new JsonObject().put("job_id", job.getString("job_id")),
              new DeliveryOptions().setSendTimeout(10_000)).map(job);
        });
  }
}
