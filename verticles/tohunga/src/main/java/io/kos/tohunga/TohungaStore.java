package io.kos.tohunga;

import io.kos.verticle.Keyset;
import io.kos.verticle.OwnerScope;
import io.kos.verticle.SqlStore;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

import java.util.List;
import java.util.UUID;

/** Every statement of the tohunga verticle, and the JSON views of its rows. */
final class TohungaStore extends SqlStore {

  private static final String SOURCE_COLUMNS = "source_id, source_name, source_type, connection_config, is_active, owner_id, owner_did, "
      + "created_at, updated_at";
  static final String INSERT_SOURCE = "INSERT INTO data_sources (source_id, source_name, source_type, connection_config, is_active, "
      + "owner_id, owner_did) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING " + SOURCE_COLUMNS;
  static final String SOURCE = "SELECT " + SOURCE_COLUMNS + " FROM data_sources WHERE source_id = $1 AND " + OwnerScope.clause(2);
  static final String SOURCES = "SELECT " + SOURCE_COLUMNS + " FROM data_sources WHERE " + OwnerScope.clause(1)
      + " AND ($2::text IS NULL OR source_type = $2) AND ($3::boolean IS NULL OR is_active = $3) AND " + Keyset.clause("source_id", 4, 5)
      + " ORDER BY created_at DESC, source_id DESC LIMIT $6";
  static final String UPDATE_SOURCE = "UPDATE data_sources SET source_name = $3, connection_config = $4, is_active = $5 "
      + "WHERE source_id = $1 AND " + OwnerScope.clause(2) + " RETURNING " + SOURCE_COLUMNS;
  /** Deletes a source no unfinished job reads; the jobs that did keep their history (source_id set null). */
  static final String DELETE_SOURCE = "DELETE FROM data_sources WHERE source_id = $1 AND " + OwnerScope.clause(2)
      + " AND NOT EXISTS (SELECT 1 FROM acquisition_jobs WHERE source_id = $1 AND status IN ('pending', 'running')) RETURNING source_id";

  private static final String TRANSFORMATION_COLUMNS = "transformation_id, name, description, steps, owner_id, created_at, updated_at";
  static final String INSERT_TRANSFORMATION = "INSERT INTO transformations (name, description, steps, owner_id, owner_did) "
      + "VALUES ($1, $2, $3, $4, $5) RETURNING " + TRANSFORMATION_COLUMNS;
  static final String TRANSFORMATION = "SELECT " + TRANSFORMATION_COLUMNS + " FROM transformations WHERE transformation_id = $1 AND "
      + OwnerScope.clause(2);
  static final String TRANSFORMATIONS_BY_ID = "SELECT " + TRANSFORMATION_COLUMNS + " FROM transformations WHERE transformation_id = ANY($1) AND "
      + OwnerScope.clause(2);
  static final String TRANSFORMATIONS = "SELECT " + TRANSFORMATION_COLUMNS + " FROM transformations WHERE " + OwnerScope.clause(1)
      + " AND " + Keyset.clause("transformation_id", 2, 3) + " ORDER BY created_at DESC, transformation_id DESC LIMIT $4";
  static final String UPDATE_TRANSFORMATION = "UPDATE transformations SET name = $3, description = $4, steps = $5 "
      + "WHERE transformation_id = $1 AND " + OwnerScope.clause(2) + " RETURNING " + TRANSFORMATION_COLUMNS;
  static final String DELETE_TRANSFORMATION = "DELETE FROM transformations WHERE transformation_id = $1 AND " + OwnerScope.clause(2)
      + " RETURNING transformation_id";

  static final String JOB_COLUMNS = "job_id, source_id, request_params, pipeline_steps, output_config, status, progress, records_in, "
      + "records_out, records_rejected, bytes_out, message, result_uri, error, cancel_requested, run_by, owner_id, owner_did, created_at, "
      + "started_at, completed_at, updated_at, pipeline_id, pipeline_version, run_trigger, incremental, cursor_to";
  static final String INSERT_JOB = "INSERT INTO acquisition_jobs (job_id, source_id, request_params, pipeline_steps, output_config, status, "
      + "run_by, owner_id, owner_did, pipeline_id, pipeline_version, run_trigger, incremental) "
      + "VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10, $11, $12) RETURNING " + JOB_COLUMNS;
  static final String JOB = "SELECT " + JOB_COLUMNS + " FROM acquisition_jobs WHERE job_id = $1 AND " + OwnerScope.clause(2);
  static final String JOBS = "SELECT " + JOB_COLUMNS + " FROM acquisition_jobs WHERE " + OwnerScope.clause(1)
      + " AND ($2::text IS NULL OR status = $2) AND ($3::uuid IS NULL OR source_id = $3) AND " + Keyset.clause("job_id", 4, 5)
      + " ORDER BY created_at DESC, job_id DESC LIMIT $6";
  static final String PROVENANCE = "SELECT job_id, provenance FROM acquisition_jobs WHERE job_id = $1 AND " + OwnerScope.clause(2);
  /** A pending job is cancelled at once; a running one is marked, and its runner stops it at the next page. */
  static final String CANCEL_JOB = "UPDATE acquisition_jobs SET cancel_requested = true, "
      + "status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END, "
      + "error = CASE WHEN status = 'pending' THEN jsonb_build_object('code', 'CANCELLED', 'message', 'cancelled before it started') ELSE error END, "
      + "completed_at = CASE WHEN status = 'pending' THEN now() ELSE completed_at END "
      + "WHERE job_id = $1 AND " + OwnerScope.clause(2) + " AND status IN ('pending', 'running') RETURNING " + JOB_COLUMNS;
  static final String DELETE_JOB = "DELETE FROM acquisition_jobs WHERE job_id = $1 AND " + OwnerScope.clause(2)
      + " AND status NOT IN ('pending', 'running') RETURNING job_id";
  static final String JOB_ASSET_FILES = "SELECT file_name, stored_on FROM assets WHERE job_id = $1";

  /** Starts a pending job that nobody cancelled; returns it with its source (null once the source was deleted). */
  static final String START_JOB = "WITH started AS (UPDATE acquisition_jobs SET status = 'running', started_at = now() "
      + "WHERE job_id = $1 AND status = 'pending' AND NOT cancel_requested RETURNING *) "
      + "SELECT s.job_id, s.request_params, s.pipeline_steps, s.output_config, s.owner_id, s.owner_did, s.created_at, s.pipeline_id, s.incremental, "
      + "d.source_id, d.source_name, d.source_type, d.connection_config, d.is_active FROM started s "
      + "LEFT JOIN data_sources d ON d.source_id = s.source_id";
  static final String JOB_PROGRESS = "UPDATE acquisition_jobs SET progress = $2, records_in = $3, records_out = $4, records_rejected = $5, "
      + "bytes_out = $6, message = $7 WHERE job_id = $1 AND status = 'running' RETURNING cancel_requested";
  static final String FINISH_JOB = "UPDATE acquisition_jobs SET status = $2, progress = $3, records_in = $4, records_out = $5, "
      + "records_rejected = $6, bytes_out = $7, message = $8, result_uri = $9, error = $10, provenance = $11, cursor_to = $12, completed_at = now() "
      + "WHERE job_id = $1 AND status IN ('pending', 'running') RETURNING " + JOB_COLUMNS;
  /** At start: this node's jobs that were pending or running when it stopped. */
  static final String INTERRUPT_JOBS = "UPDATE acquisition_jobs SET status = 'failed', completed_at = now(), "
      + "error = jsonb_build_object('code', 'INTERRUPTED', 'message', 'the node stopped while the job was ' || status) "
      + "WHERE run_by = $1 AND status IN ('pending', 'running') RETURNING job_id";

  private static final String PIPELINE_COLUMNS = "pipeline_id, name, description, definition, schedule, time_zone, is_active, incremental, "
      + "cursor, version, next_run_at, owner_id, owner_did, created_at, updated_at";
  static final String INSERT_PIPELINE = "INSERT INTO pipelines (pipeline_id, name, description, definition, schedule, time_zone, is_active, "
      + "incremental, next_run_at, owner_id, owner_did) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING " + PIPELINE_COLUMNS;
  static final String PIPELINE = "SELECT " + PIPELINE_COLUMNS + " FROM pipelines WHERE pipeline_id = $1 AND " + OwnerScope.clause(2);
  static final String PIPELINES = "SELECT " + PIPELINE_COLUMNS + " FROM pipelines WHERE " + OwnerScope.clause(1)
      + " AND ($2::boolean IS NULL OR is_active = $2) AND " + Keyset.clause("pipeline_id", 3, 4) + " ORDER BY created_at DESC, pipeline_id DESC LIMIT $5";
  /** A change: the next version; the cursor is reset ($11) when the incremental settings changed. */
  static final String UPDATE_PIPELINE = "UPDATE pipelines SET name = $3, description = $4, definition = $5, schedule = $6, time_zone = $7, "
      + "is_active = $8, incremental = $9, next_run_at = $10, cursor = CASE WHEN $11 THEN NULL ELSE cursor END, version = version + 1 "
      + "WHERE pipeline_id = $1 AND " + OwnerScope.clause(2) + " RETURNING " + PIPELINE_COLUMNS;
  static final String DELETE_PIPELINE = "DELETE FROM pipelines WHERE pipeline_id = $1 AND " + OwnerScope.clause(2)
      + " AND NOT EXISTS (SELECT 1 FROM acquisition_jobs WHERE pipeline_id = $1 AND status IN ('pending', 'running')) RETURNING pipeline_id";
  static final String INSERT_VERSION = "INSERT INTO pipeline_versions (pipeline_id, version_number, snapshot, change_description, created_by) "
      + "VALUES ($1, $2, $3, $4, $5)";
  static final String VERSIONS = "SELECT pipeline_id, version_number, snapshot, change_description, created_by, created_at FROM pipeline_versions "
      + "WHERE pipeline_id = $1 AND ($2::int IS NULL OR version_number < $2) ORDER BY version_number DESC LIMIT $3";
  static final String VERSION = "SELECT pipeline_id, version_number, snapshot, change_description, created_by, created_at FROM pipeline_versions "
      + "WHERE pipeline_id = $1 AND version_number = $2";
  static final String PIPELINE_RUNS = "SELECT " + JOB_COLUMNS + " FROM acquisition_jobs WHERE pipeline_id = $1 AND "
      + Keyset.clause("job_id", 2, 3) + " ORDER BY created_at DESC, job_id DESC LIMIT $4";
  /** A run that could not start (its definition no longer checks): recorded failed, so the owner sees why. */
  static final String INSERT_FAILED_RUN = "INSERT INTO acquisition_jobs (source_id, pipeline_steps, output_config, status, run_by, owner_id, "
      + "owner_did, pipeline_id, pipeline_version, run_trigger, error, completed_at) SELECT s.source_id, $2, $3, 'failed', $4, $5, $6, $1, $7, $8, $9, now() "
      + "FROM (SELECT $10::uuid AS wanted) w LEFT JOIN data_sources s ON s.source_id = w.wanted";
  /** Takes the scheduler lease for $1 for $2 seconds, or renews it; a row back means this node holds it. */
  static final String TAKE_LEASE = "INSERT INTO scheduler_lease (name, holder, expires_at) VALUES ('pipelines', $1, now() + $2 * interval '1 second') "
      + "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
      + "WHERE scheduler_lease.holder = excluded.holder OR scheduler_lease.expires_at < now() RETURNING holder";
  static final String RELEASE_LEASE = "DELETE FROM scheduler_lease WHERE name = 'pipelines' AND holder = $1";
  static final String DUE_PIPELINES = "SELECT " + PIPELINE_COLUMNS + " FROM pipelines WHERE is_active AND next_run_at <= now() "
      + "ORDER BY next_run_at LIMIT 100";
  /** Claims a due run: moves next_run_at on, if no one else did since it was read. */
  static final String ADVANCE_PIPELINE = "UPDATE pipelines SET next_run_at = $3 WHERE pipeline_id = $1 AND next_run_at = $2 RETURNING pipeline_id";
  static final String COMMIT_CURSOR = "UPDATE pipelines SET cursor = $2 WHERE pipeline_id = $1";

  private static final String UPLOAD_COLUMNS = "upload_id, filename, size, sha256, chunk_size, total_chunks, status, file_type, compression, "
      + "mime_type, stored_on, expires_at, owner_id, owner_did, created_at, updated_at, "
      + "(SELECT count(*) FROM upload_chunks c WHERE c.upload_id = u.upload_id) AS received_chunks";
  static final String INSERT_UPLOAD = "INSERT INTO file_uploads AS u (upload_id, filename, size, sha256, chunk_size, total_chunks, status, stored_on, "
      + "expires_at, owner_id, owner_did) VALUES ($1, $2, $3, $4, $5, $6, 'uploading', $7, now() + $8 * interval '1 hour', $9, $10) "
      + "RETURNING " + UPLOAD_COLUMNS;
  static final String UPLOAD = "SELECT " + UPLOAD_COLUMNS + " FROM file_uploads u WHERE upload_id = $1 AND " + OwnerScope.clause(2);
  static final String UPLOADS = "SELECT " + UPLOAD_COLUMNS + " FROM file_uploads u WHERE " + OwnerScope.clause(1)
      + " AND ($2::text IS NULL OR status = $2) AND " + Keyset.clause("upload_id", 3, 4) + " ORDER BY created_at DESC, upload_id DESC LIMIT $5";
  static final String CHUNK_RECEIVED = "INSERT INTO upload_chunks (upload_id, chunk_number, bytes) VALUES ($1, $2, $3) "
      + "ON CONFLICT (upload_id, chunk_number) DO UPDATE SET bytes = excluded.bytes, received_at = now()";
  static final String MISSING_CHUNKS = "SELECT n FROM generate_series(0, $2 - 1) n WHERE NOT EXISTS "
      + "(SELECT 1 FROM upload_chunks c WHERE c.upload_id = $1 AND c.chunk_number = n) ORDER BY n LIMIT 20";
  static final String UPLOAD_COMPLETED = "UPDATE file_uploads u SET status = 'uploaded', file_type = $2, compression = $3, mime_type = $4, "
      + "expires_at = NULL WHERE upload_id = $1 AND status = 'uploading' RETURNING " + UPLOAD_COLUMNS;
  static final String DELETE_UPLOAD = "DELETE FROM file_uploads WHERE upload_id = $1 AND " + OwnerScope.clause(2) + " RETURNING upload_id, stored_on";
  static final String EXPIRE_UPLOADS = "DELETE FROM file_uploads WHERE stored_on = $1 AND status = 'uploading' AND expires_at < now() RETURNING upload_id";
  /** An upload an upload source reads: any owner's (the source was checked when written). */
  static final String UPLOAD_FOR_SOURCE = "SELECT upload_id, filename, status, file_type, compression, stored_on FROM file_uploads WHERE upload_id = $1";

  private static final String ASSET_COLUMNS = "asset_id, job_id, stored_on, kind, format, file_name, bytes, records, sha256, owner_id, created_at";
  static final String INSERT_ASSET = "INSERT INTO assets (asset_id, job_id, stored_on, kind, format, file_name, bytes, records, sha256, owner_id) "
      + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
  static final String ASSET = "SELECT " + ASSET_COLUMNS + " FROM assets WHERE asset_id = $1 AND " + OwnerScope.clause(2);
  static final String ASSETS = "SELECT " + ASSET_COLUMNS + " FROM assets WHERE " + OwnerScope.clause(1)
      + " AND ($2::uuid IS NULL OR job_id = $2) AND " + Keyset.clause("asset_id", 3, 4) + " ORDER BY created_at DESC, asset_id DESC LIMIT $5";
  static final String DELETE_ASSET = "DELETE FROM assets WHERE asset_id = $1 AND " + OwnerScope.clause(2) + " RETURNING file_name, stored_on";

  private static final String STREAM_COLUMNS = "owner_id, stream_id, sender_did, sender_job_id, format, status, next_seq, records, bytes, "
      + "csv_columns, asset_id, sha256, message, stored_on, created_at, updated_at";
  /** A stream's first batch opens it on the node that took it; a retry of that batch finds it open. */
  static final String OPEN_STREAM = "INSERT INTO inbound_streams (owner_id, stream_id, sender_did, sender_job_id, format, status, asset_id, "
      + "stored_on) VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) ON CONFLICT (owner_id, stream_id) DO NOTHING";
  static final String STREAM = "SELECT " + STREAM_COLUMNS + " FROM inbound_streams WHERE stream_id = $1 AND " + OwnerScope.clause(2);
  static final String STREAMS = "SELECT " + STREAM_COLUMNS + " FROM inbound_streams WHERE " + OwnerScope.clause(1)
      + " AND ($2::text IS NULL OR status = $2) AND " + Keyset.clause("stream_id", 3, 4) + " ORDER BY created_at DESC, stream_id DESC LIMIT $5";
  /** A batch counted, only if it is the one expected of an open stream (a racing retry or an abort changes nothing). */
  static final String STREAM_BATCH = "UPDATE inbound_streams SET next_seq = next_seq + 1, records = $4, bytes = $5, csv_columns = $6 "
      + "WHERE owner_id = $1 AND stream_id = $2 AND status = 'open' AND next_seq = $3";
  static final String COMPLETE_STREAM = "UPDATE inbound_streams SET status = 'completed', next_seq = next_seq + 1, sha256 = $4 "
      + "WHERE owner_id = $1 AND stream_id = $2 AND status = 'open' AND next_seq = $3";
  static final String ABORT_STREAM = "UPDATE inbound_streams SET status = 'aborted', message = $3 WHERE owner_id = $1 AND stream_id = $2 "
      + "AND status = 'open' RETURNING " + STREAM_COLUMNS;
  static final String EXPIRE_STREAMS = "UPDATE inbound_streams SET status = 'expired', message = 'no batch arrived for stream_expiry_hours' "
      + "WHERE stored_on = $1 AND status = 'open' AND updated_at < now() - $2 * interval '1 hour' RETURNING " + STREAM_COLUMNS;

  TohungaStore(Pool pool) {
    super(pool);
  }

  /** A source as callers see it: secrets masked. */
  static JsonObject source(Row row) {
    return new JsonObject().put("source_id", row.getUUID("source_id").toString()).put("source_name", row.getString("source_name"))
        .put("source_type", row.getString("source_type"))
        .put("connection_config", SourceConfigs.masked((JsonObject) row.getValue("connection_config")))
        .put("is_active", row.getBoolean("is_active")).put("owner_id", row.getUUID("owner_id").toString())
        .put("owner_did", row.getString("owner_did")).put("created_at", time(row, "created_at")).put("updated_at", time(row, "updated_at"));
  }

  static JsonObject transformation(Row row) {
    return new JsonObject().put("transformation_id", row.getUUID("transformation_id").toString()).put("name", row.getString("name"))
        .put("description", row.getString("description")).put("steps", row.getValue("steps"))
        .put("owner_id", row.getUUID("owner_id").toString()).put("created_at", time(row, "created_at")).put("updated_at", time(row, "updated_at"));
  }

  static JsonObject job(Row row) {
    UUID source = row.getUUID("source_id");
    return new JsonObject().put("job_id", row.getUUID("job_id").toString()).put("source_id", source == null ? null : source.toString())
        .put("status", row.getString("status")).put("progress", row.getValue("progress") == null ? null : row.getInteger("progress"))
        .put("records_in", row.getLong("records_in")).put("records_out", row.getLong("records_out"))
        .put("records_rejected", row.getLong("records_rejected")).put("bytes_out", row.getLong("bytes_out"))
        .put("message", row.getString("message")).put("result_uri", row.getString("result_uri")).put("error", row.getValue("error"))
        .put("cancel_requested", row.getBoolean("cancel_requested"))
        .put("request_params", row.getValue("request_params")).put("pipeline_steps", row.getValue("pipeline_steps"))
        .put("output_config", row.getValue("output_config")).put("run_by", row.getString("run_by"))
        .put("owner_id", row.getUUID("owner_id").toString()).put("owner_did", row.getString("owner_did"))
        .put("created_at", time(row, "created_at")).put("started_at", time(row, "started_at"))
        .put("completed_at", time(row, "completed_at")).put("updated_at", time(row, "updated_at"))
        .put("pipeline_id", row.getUUID("pipeline_id") == null ? null : row.getUUID("pipeline_id").toString())
        .put("pipeline_version", row.getInteger("pipeline_version")).put("run_trigger", row.getString("run_trigger"))
        .put("incremental", row.getValue("incremental")).put("cursor_to", row.getString("cursor_to"));
  }

  static JsonObject pipeline(Row row) {
    return new JsonObject().put("pipeline_id", row.getUUID("pipeline_id").toString()).put("name", row.getString("name"))
        .put("description", row.getString("description")).put("definition", row.getValue("definition"))
        .put("schedule", row.getString("schedule")).put("time_zone", row.getString("time_zone")).put("is_active", row.getBoolean("is_active"))
        .put("incremental", row.getValue("incremental")).put("cursor", row.getString("cursor")).put("version", row.getInteger("version"))
        .put("next_run_at", time(row, "next_run_at")).put("owner_id", row.getUUID("owner_id").toString()).put("owner_did", row.getString("owner_did"))
        .put("created_at", time(row, "created_at")).put("updated_at", time(row, "updated_at"));
  }

  static JsonObject version(Row row) {
    return new JsonObject().put("pipeline_id", row.getUUID("pipeline_id").toString()).put("version_number", row.getInteger("version_number"))
        .put("snapshot", row.getValue("snapshot")).put("change_description", row.getString("change_description"))
        .put("created_by", row.getUUID("created_by").toString()).put("created_at", time(row, "created_at"));
  }

  static JsonObject upload(Row row) {
    return new JsonObject().put("upload_id", row.getUUID("upload_id").toString()).put("filename", row.getString("filename"))
        .put("size", row.getLong("size")).put("sha256", row.getString("sha256")).put("chunk_size", row.getInteger("chunk_size"))
        .put("total_chunks", row.getInteger("total_chunks")).put("received_chunks", row.getLong("received_chunks"))
        .put("status", row.getString("status")).put("file_type", row.getString("file_type")).put("compression", row.getString("compression"))
        .put("mime_type", row.getString("mime_type")).put("stored_on", row.getString("stored_on")).put("expires_at", time(row, "expires_at"))
        .put("owner_id", row.getUUID("owner_id").toString()).put("owner_did", row.getString("owner_did"))
        .put("created_at", time(row, "created_at")).put("updated_at", time(row, "updated_at"));
  }

  static JsonObject asset(Row row) {
    UUID job = row.getUUID("job_id");
    return new JsonObject().put("asset_id", row.getUUID("asset_id").toString()).put("job_id", job == null ? null : job.toString())
        .put("stored_on", row.getString("stored_on")).put("kind", row.getString("kind")).put("format", row.getString("format"))
        .put("content_type", AssetWriter.contentType(row.getString("format")))
        .put("bytes", row.getLong("bytes")).put("records", row.getLong("records")).put("sha256", row.getString("sha256"))
        .put("owner_id", row.getUUID("owner_id").toString()).put("created_at", time(row, "created_at"));
  }

  /** An inbound stream as its sender (and admins) see it. */
  static JsonObject stream(Row row) {
    UUID job = row.getUUID("sender_job_id");
    boolean completed = row.getString("status").equals("completed");
    String asset = row.getUUID("asset_id").toString();
    return new JsonObject().put("stream_id", row.getUUID("stream_id").toString()).put("sender_did", row.getString("sender_did"))
        .put("sender_job_id", job == null ? null : job.toString()).put("format", row.getString("format")).put("status", row.getString("status"))
        .put("next_seq", row.getLong("next_seq")).put("records", row.getLong("records")).put("bytes", row.getLong("bytes"))
        .put("asset_id", completed ? asset : null).put("result_uri", completed ? "kos://" + row.getString("stored_on") + "/assets/" + asset : null)
        .put("sha256", row.getString("sha256")).put("message", row.getString("message")).put("stored_on", row.getString("stored_on"))
        .put("owner_id", row.getUUID("owner_id").toString()).put("created_at", time(row, "created_at")).put("updated_at", time(row, "updated_at"));
  }

  static List<String> jobStatuses() {
    return List.of("pending", "running", "completed", "failed", "cancelled");
  }
}
