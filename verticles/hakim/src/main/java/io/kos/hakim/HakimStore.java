package io.kos.hakim;

import io.kos.verticle.Keyset;
import io.kos.verticle.OwnerScope;
import io.kos.verticle.SqlStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

import java.util.UUID;

/** Every statement of the hakim verticle, and the JSON views of its rows. */
final class HakimStore extends SqlStore {

  /** A caller sees the reports of the nodes it watches ($n: its owner id; null for an admin: all). */
  private static String watching(int n) {
    return "($" + n + "::uuid IS NULL OR target_node_did IN (SELECT did FROM watched_nodes WHERE owner_id = $" + n + "))";
  }

  private static final String NODE_COLUMNS = "w.owner_id, w.did, w.endpoint, w.source, w.added_at, s.status, s.diagnosis, "
      + "s.last_report_id, s.last_polled_at, s.last_ok_at";
  static final String WATCH = "INSERT INTO watched_nodes (owner_id, did, endpoint, source) VALUES ($1, $2, $3, $4) "
      + "ON CONFLICT (owner_id, did) DO UPDATE SET endpoint = EXCLUDED.endpoint";
  /**
   * A new target's first poll within the next $3 ms (a random point: targets added together do not
   * stay polled in one burst every interval); a known one keeps its schedule.
   */
  static final String TRACK = "INSERT INTO node_status (did, endpoint, next_poll_at) VALUES ($1, $2, now() + random() * $3 * interval '1 millisecond') "
      + "ON CONFLICT (did, endpoint) DO NOTHING";
  static final String NODES = "SELECT " + NODE_COLUMNS + " FROM watched_nodes w LEFT JOIN node_status s USING (did, endpoint) WHERE "
      + OwnerScope.clause(1).replace("owner_id", "w.owner_id") + " AND ($2::text IS NULL OR w.did > $2) ORDER BY w.did, w.owner_id LIMIT $3";
  static final String NODE = "SELECT " + NODE_COLUMNS + " FROM watched_nodes w LEFT JOIN node_status s USING (did, endpoint) WHERE w.did = $1 AND "
      + OwnerScope.clause(2).replace("owner_id", "w.owner_id") + " ORDER BY w.owner_id LIMIT 1";
  static final String UNWATCH = "DELETE FROM watched_nodes WHERE did = $1 AND " + OwnerScope.clause(2) + " RETURNING did";
  /** A target nobody watches any more is no longer polled. */
  static final String FORGET_UNWATCHED = "DELETE FROM node_status s WHERE did = $1 AND NOT EXISTS "
      + "(SELECT 1 FROM watched_nodes w WHERE w.did = s.did AND w.endpoint = s.endpoint)";
  /** The targets due, claimed for one interval ({@code SKIP LOCKED}: the members of a cluster sharing the schema poll each once). */
  static final String CLAIM_DUE = "UPDATE node_status SET next_poll_at = now() + $1 * interval '1 millisecond' WHERE (did, endpoint) IN "
      + "(SELECT did, endpoint FROM node_status WHERE next_poll_at <= now() ORDER BY next_poll_at LIMIT $2 FOR UPDATE SKIP LOCKED) "
      + "RETURNING did, endpoint, active_codes, band_pending";
  static final String TARGET = "SELECT did, endpoint, active_codes, band_pending FROM node_status WHERE did = $1 AND endpoint = $2";
  static final String ENSURE_PARTITIONS = "SELECT ensure_report_partitions($1, $2)";
  /** The report and the target's state in one statement: both or neither. */
  static final String RECORD = "WITH report AS (INSERT INTO health_reports (report_id, target_node_did, endpoint, timestamp, status, metrics, "
      + "diagnosis, raw_report) VALUES ($1, $2, $10, $3, $4, $5::text::jsonb, $6::text::jsonb, $7::text::jsonb) RETURNING report_id) "
      + "UPDATE node_status SET status = $4, diagnosis = $6::text::jsonb, active_codes = $8::text::jsonb, band_pending = $11::text::jsonb, "
      + "last_report_id = $1, last_polled_at = now(), last_ok_at = CASE WHEN $9 THEN now() ELSE last_ok_at END WHERE did = $2 AND endpoint = $10";
  private static final String REPORT_COLUMNS = "report_id, target_node_did, endpoint, timestamp, status, metrics, diagnosis, raw_report";
  static final String REPORTS = "SELECT " + REPORT_COLUMNS + " FROM health_reports WHERE " + watching(1)
      + " AND ($2::text IS NULL OR target_node_did = $2) AND ($3::text IS NULL OR status = $3) AND ($4::timestamptz IS NULL OR timestamp >= $4) "
      + "AND ($5::timestamptz IS NULL OR timestamp < $5) AND " + Keyset.clause("timestamp", "report_id", 6, 7)
      + " ORDER BY timestamp DESC, report_id DESC LIMIT $8";
  static final String REPORT = "SELECT " + REPORT_COLUMNS + " FROM health_reports WHERE report_id = $1 AND " + watching(2);
  static final String LATEST = "SELECT " + REPORT_COLUMNS + " FROM health_reports WHERE target_node_did = $1 AND " + watching(2)
      + " ORDER BY timestamp DESC, report_id DESC LIMIT 1";
  /** Buckets of the five-minute rollup, merged into the asked width (a multiple of five minutes). */
  static final String TRENDS = "SELECT date_bin($3 * interval '1 second', bucket, timestamptz '2000-01-01 00:00:00+00') AS at, sum(samples) AS samples, "
      + "sum(total) / sum(samples) AS average, min(minimum) AS minimum, max(maximum) AS maximum FROM health_rollup "
      + "WHERE target_node_did = $1 AND metric = $2 AND bucket >= $4 AND bucket < $5 AND " + watching(6) + " GROUP BY 1 ORDER BY 1";
  static final String DROP_BEFORE = "SELECT drop_report_partitions_before($1)";

  HakimStore(Pool pool) {
    super(pool);
  }

  static JsonObject node(Row row) {
    UUID report = row.getUUID("last_report_id");
    return new JsonObject().put("did", row.getString("did")).put("endpoint", row.getString("endpoint")).put("source", row.getString("source"))
        .put("owner_id", row.getUUID("owner_id").toString()).put("added_at", time(row, "added_at"))
        .put("status", row.getString("status")).put("diagnosis", row.getValue("diagnosis"))
        .put("last_report_id", report == null ? null : report.toString()).put("last_polled_at", time(row, "last_polled_at"))
        .put("last_ok_at", time(row, "last_ok_at"));
  }

  /** A report as the kOS docs' HealthReport has it; {@code raw_report} only where one report is asked for. */
  static JsonObject report(Row row, boolean raw) {
    JsonObject document = (JsonObject) row.getValue("raw_report");
    JsonObject report = new JsonObject().put("report_id", row.getUUID("report_id").toString())
        .put("target_node_did", row.getString("target_node_did")).put("endpoint", row.getString("endpoint")).put("timestamp", time(row, "timestamp"))
        .put("status", row.getString("status")).put("metrics", row.getValue("metrics"))
        .put("dependencies", dependencies(document)).put("logs_summary", document.getValue("logs_summary"))
        .put("diagnosis", row.getValue("diagnosis"));
    return raw ? report.put("raw_report", document) : report;
  }

  /** The document's dependencies as the node reported them ({@code dependency_did} on cluster members; name and detail on the rest). */
  private static JsonArray dependencies(JsonObject document) {
    return document.getValue("dependencies") instanceof JsonArray list ? list : new JsonArray();
  }
}
