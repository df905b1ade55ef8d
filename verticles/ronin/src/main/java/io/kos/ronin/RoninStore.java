package io.kos.ronin;

import io.kos.verticle.Keyset;
import io.kos.verticle.OwnerScope;
import io.kos.verticle.SqlStore;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.UUID;

/** Every statement of the ronin verticle, and the JSON views of its rows. */
final class RoninStore extends SqlStore {

  private static final String JOB_COLUMNS = "job_id, status, params, progress, probes_total, probes_done, message, services_found, error, "
      + "cancel_requested, run_by, owner_id, owner_did, created_at, started_at, completed_at, updated_at";
  static final String INSERT_JOB = "INSERT INTO discovery_jobs (job_id, status, params, run_by, owner_id, owner_did) "
      + "VALUES ($1, 'pending', $2, $3, $4, $5) RETURNING " + JOB_COLUMNS;
  static final String JOB = "SELECT " + JOB_COLUMNS + " FROM discovery_jobs WHERE job_id = $1 AND " + OwnerScope.clause(2);
  static final String JOBS = "SELECT " + JOB_COLUMNS + " FROM discovery_jobs WHERE " + OwnerScope.clause(1)
      + " AND ($2::text IS NULL OR status = $2) AND " + Keyset.clause("job_id", 3, 4) + " ORDER BY created_at DESC, job_id DESC LIMIT $5";
  static final String START_JOB = "UPDATE discovery_jobs SET status = 'running', started_at = now(), message = 'running' "
      + "WHERE job_id = $1 AND status = 'pending' RETURNING " + JOB_COLUMNS;
  static final String JOB_PROGRESS = "UPDATE discovery_jobs SET progress = $2, probes_total = $3, probes_done = $4, message = $5, "
      + "services_found = $6 WHERE job_id = $1 AND status = 'running' RETURNING cancel_requested";
  static final String FINISH_JOB = "UPDATE discovery_jobs SET status = $2, progress = CASE WHEN $2 = 'completed' THEN 100 ELSE progress END, "
      + "probes_done = $3, message = $4, services_found = $5, error = $6, completed_at = now() WHERE job_id = $1 RETURNING " + JOB_COLUMNS;
  /** A pending job is cancelled at once; a running one asked to stop (its runner ends it). */
  static final String CANCEL_JOB = "UPDATE discovery_jobs SET cancel_requested = true, "
      + "status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END, "
      + "error = CASE WHEN status = 'pending' THEN jsonb_build_object('code', 'CANCELLED', 'message', 'cancelled by request') ELSE error END, "
      + "completed_at = CASE WHEN status = 'pending' THEN now() ELSE completed_at END "
      + "WHERE job_id = $1 AND " + OwnerScope.clause(2) + " AND status IN ('pending', 'running') RETURNING " + JOB_COLUMNS;
  static final String INTERRUPT_JOBS = "UPDATE discovery_jobs SET status = 'failed', completed_at = now(), message = 'interrupted', "
      + "error = jsonb_build_object('code', 'INTERRUPTED', 'message', 'the node stopped while the job ran') "
      + "WHERE run_by = $1 AND status IN ('pending', 'running') RETURNING job_id";

  private static final String SERVICE_COLUMNS = "service_id, node_id, node_class, endpoint, capabilities, protocols, verified, "
      + "verification_error, discovery_metadata, first_seen, last_seen, last_error, last_job_id";
  static final String UPSERT_SERVICE = "INSERT INTO discovered_services (service_id, node_id, node_class, endpoint, capabilities, protocols, "
      + "verified, verification_error, discovery_metadata, last_seen, last_job_id) VALUES ($1, $2, $3, $4, $5::text::jsonb, $6::text::jsonb, $7, $8, "
      + "$9::text::jsonb, now(), $10) ON CONFLICT (service_id) DO UPDATE SET node_id = EXCLUDED.node_id, node_class = EXCLUDED.node_class, "
      + "endpoint = EXCLUDED.endpoint, capabilities = EXCLUDED.capabilities, verified = EXCLUDED.verified, "
      // the protocols it was ever found by (http-api, cluster), each once
      + "protocols = (SELECT jsonb_agg(DISTINCT p ORDER BY p) FROM jsonb_array_elements_text(discovered_services.protocols || EXCLUDED.protocols) p), "
      + "verification_error = EXCLUDED.verification_error, discovery_metadata = EXCLUDED.discovery_metadata, last_seen = now(), "
      + "last_error = NULL, last_job_id = EXCLUDED.last_job_id";
  static final String SERVICE = "SELECT " + SERVICE_COLUMNS + " FROM discovered_services WHERE service_id = $1";
  static final String SERVICES_BY_ID = "SELECT " + SERVICE_COLUMNS + " FROM discovered_services WHERE service_id = ANY($1) "
      + "ORDER BY array_position($1, service_id)";
  private static final String SERVICES_FILTER = "($1::text IS NULL OR node_class = $1) AND ($2::boolean IS NULL OR verified = $2) "
      + "AND ($3::bigint IS NULL OR last_seen > now() - $3 * interval '1 second') AND ($4::text IS NULL OR service_id > $4)";
  /** The map, paged by service id. */
  static final String SERVICES = "SELECT " + SERVICE_COLUMNS + " FROM discovered_services WHERE " + SERVICES_FILTER
      + " ORDER BY service_id LIMIT $5";
  /**
   * The map query by capabilities (all of them: {@code @>}): its own statement, with the containment
   * a plain condition, so that the plan of the prepared statement can use the GIN index.
   */
  static final String SERVICES_WITH = "SELECT " + SERVICE_COLUMNS + " FROM discovered_services WHERE capabilities @> $6::text::jsonb AND "
      + SERVICES_FILTER + " ORDER BY service_id LIMIT $5";
  /** Where a verified node was last seen. */
  static final String ENDPOINT_OF = "SELECT endpoint FROM discovered_services WHERE node_id = $1 AND verified ORDER BY last_seen DESC LIMIT 1";
  static final String DELETE_SERVICE = "DELETE FROM discovered_services WHERE service_id = $1 RETURNING service_id";
  /** Verified Ronin nodes of the map other than this one ($1), all of them or those among the ids $2. */
  static final String RONINS = "SELECT node_id, endpoint FROM discovered_services WHERE verified AND capabilities @> '[\"ronin.services\"]' "
      + "AND node_id <> $1 AND ($2::text[] IS NULL OR service_id = ANY($2)) ORDER BY last_seen DESC LIMIT 100";
  /** Where a verified node was last seen, with what it is: the answer to resolve_did. */
  static final String RESOLVE = "SELECT " + SERVICE_COLUMNS + " FROM discovered_services WHERE node_id = $1 AND verified ORDER BY last_seen DESC LIMIT 1";
  /** Services not seen for forget_after. */
  static final String FORGET = "DELETE FROM discovered_services WHERE last_seen < now() - $1 * interval '1 second'";
  /** Claims the services due for a re-probe (not probed for $1 seconds), oldest first; other nodes skip what this one holds. */
  static final String DUE = "UPDATE discovered_services SET last_probe_at = now() WHERE service_id IN (SELECT service_id FROM discovered_services "
      + "WHERE coalesce(last_probe_at, last_seen) < now() - $1 * interval '1 second' ORDER BY coalesce(last_probe_at, last_seen) LIMIT $2 "
      + "FOR UPDATE SKIP LOCKED) RETURNING service_id, endpoint";
  static final String PROBE_FAILED = "UPDATE discovered_services SET last_error = $2 WHERE service_id = $1";

  private final long staleAfterSeconds;

  RoninStore(Pool pool, long staleAfterSeconds) {
    super(pool);
    this.staleAfterSeconds = staleAfterSeconds;
  }

  static JsonObject job(Row row) {
    return new JsonObject().put("job_id", row.getUUID("job_id").toString()).put("status", row.getString("status"))
        .put("params", row.getValue("params")).put("progress", (int) row.getShort("progress"))
        .put("probes_total", row.getInteger("probes_total")).put("probes_done", row.getInteger("probes_done"))
        .put("message", row.getString("message")).put("services_found", row.getValue("services_found")).put("error", row.getValue("error"))
        .put("cancel_requested", row.getBoolean("cancel_requested")).put("run_by", row.getString("run_by"))
        .put("owner_id", row.getUUID("owner_id").toString()).put("owner_did", row.getString("owner_did"))
        .put("created_at", time(row, "created_at")).put("started_at", time(row, "started_at"))
        .put("completed_at", time(row, "completed_at")).put("updated_at", time(row, "updated_at"));
  }

  /** A service as the kOS docs' DiscoveredService has it, with the map's own fields ({@code stale}: not seen for stale_after). */
  JsonObject service(Row row) {
    UUID job = row.getUUID("last_job_id");
    OffsetDateTime seen = row.getOffsetDateTime("last_seen");
    return new JsonObject().put("service_id", row.getString("service_id")).put("node_id", row.getString("node_id"))
        .put("node_class", row.getString("node_class")).put("endpoint", row.getString("endpoint"))
        .put("capabilities", row.getValue("capabilities")).put("protocols", row.getValue("protocols"))
        .put("verified", row.getBoolean("verified")).put("verification_error", row.getString("verification_error"))
        .put("discovery_metadata", row.getValue("discovery_metadata")).put("first_seen", time(row, "first_seen"))
        .put("last_seen", time(row, "last_seen")).put("last_error", row.getString("last_error"))
        .put("last_job_id", job == null ? null : job.toString())
        .put("stale", seen.isBefore(OffsetDateTime.now().minusSeconds(staleAfterSeconds)));
  }
}
