package io.kos.hakim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns what a poll saw into a report's status and diagnosis: the codes found, each with its
 * recommendation, the worst first. A figure's code is raised when it reaches the band's high mark
 * and stays raised until the figure falls below the clear mark, so a value hovering at a threshold
 * does not flap; the codes in force are the only state, kept per target by the caller.
 */
final class Diagnosis {

  static final String NODE_UNREACHABLE = "NODE_UNREACHABLE";
  static final String SIGNATURE_INVALID = "SIGNATURE_INVALID";
  static final String STALE_DOCUMENT = "STALE_DOCUMENT";
  static final String DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE";
  static final String CHAIN_HALTED = "CHAIN_HALTED";
  static final String DEPENDENCY_UNREACHABLE = "DEPENDENCY_UNREACHABLE";
  static final String HIGH_CPU_LOAD = "HIGH_CPU_LOAD";
  static final String MEMORY_PRESSURE = "MEMORY_PRESSURE";
  static final String DISK_NEARING_CAPACITY = "DISK_NEARING_CAPACITY";
  static final String ERROR_LOG_SPIKE = "ERROR_LOG_SPIKE";
  static final String NONE = "NONE";

  /** Report statuses, best to worst. */
  static final List<String> STATUSES = List.of("Healthy", "Warning", "Error", "Unknown");

  record Finding(String code, String status, String recommendation, Object value) {
    JsonObject toJson() {
      return new JsonObject().put("code", code).put("status", status).put("recommendation", recommendation).put("value", value);
    }
  }

  /** A report's status, its findings (worst first) and the codes in force after it. */
  record Result(String status, List<Finding> findings) {

    Set<String> codes() {
      Set<String> codes = new LinkedHashSet<>();
      findings.forEach(finding -> codes.add(finding.code()));
      return codes;
    }

    /** {@code {code, recommendation, findings}}: the kOS docs' diagnosis is the worst finding. */
    JsonObject toJson() {
      JsonArray all = new JsonArray();
      findings.forEach(finding -> all.add(finding.toJson()));
      Finding worst = findings.isEmpty() ? null : findings.get(0);
      return new JsonObject().put("code", worst == null ? NONE : worst.code())
          .put("recommendation", worst == null ? "nothing to do" : worst.recommendation()).put("findings", all);
    }
  }

  private Diagnosis() {
  }

  static Result unreachable(String why) {
    return new Result("Error", List.of(new Finding(NODE_UNREACHABLE, "Error",
        "the node did not answer GET /klf/v1/health (" + why + "): check that it runs and that this node can reach its endpoint", null)));
  }

  static Result unverifiable(String code, String why) {
    return new Result("Unknown", List.of(new Finding(code, "Unknown", why, null)));
  }

  /** The findings of a verified, fresh health document, given the codes in force before it. */
  static Result of(JsonObject document, Set<String> active, HakimSettings.Thresholds thresholds) {
    List<Finding> findings = new ArrayList<>();
    JsonObject metrics = document.getJsonObject("metrics", new JsonObject());
    JsonArray dependencies = document.getJsonArray("dependencies", new JsonArray());
    for (Object item : dependencies) {
      JsonObject dependency = (JsonObject) item;
      String status = dependency.getString("status", "");
      if ("database".equals(dependency.getString("name")) && !"Healthy".equals(status)) {
        findings.add(new Finding(DATABASE_UNAVAILABLE, "Error", "the node's PostgreSQL does not answer: " + dependency.getValue("error")
            + "; check the database server and the node's database.url", null));
      } else if ("chain".equals(dependency.getString("name")) && "Halted".equals(status)) {
        findings.add(new Finding(CHAIN_HALTED, "Error", "chain " + dependency.getValue("chain_id") + " is halted (" + dependency.getValue("error")
            + "): its events stop until an operator resumes it (docs/ingest.md, 'A halted chain')", dependency.getValue("chain_id")));
      } else if (!"Healthy".equals(status) && !"database".equals(dependency.getString("name"))) {
        String which = dependency.getString("dependency_did") != null ? dependency.getString("dependency_did")
            : dependency.getString("name") + " " + dependency.getValue("chain_id");
        findings.add(new Finding(DEPENDENCY_UNREACHABLE, "Warning", which + " is " + status + ": check that dependency", which));
      }
    }
    band(findings, active, HIGH_CPU_LOAD, metrics.getValue("cpu_usage_percent"), thresholds.cpu(),
        "the machine's CPU is busy: find what else runs there, or give the node more cores");
    band(findings, active, MEMORY_PRESSURE, metrics.getValue("memory_usage_percent"), thresholds.memory(),
        "the JVM heap is nearly full: raise -Xmx or lower the verticles' instances and pool sizes");
    band(findings, active, DISK_NEARING_CAPACITY, metrics.getValue("disk_usage_percent"), thresholds.disk(),
        "the data dir's disk is filling: shorten retention (ingest, hakim) or add space");
    Object errors = document.getJsonObject("logs_summary", new JsonObject()).getValue("error_count");
    band(findings, active, ERROR_LOG_SPIKE, errors, thresholds.errorLog(),
        "the node logged many errors in the last five minutes: read its log");
    String status = "Error".equals(document.getString("status")) ? "Error" : "Warning".equals(document.getString("status")) ? "Warning" : "Healthy";
    for (Finding finding : findings) {
      status = worse(status, finding.status());
    }
    findings.sort((a, b) -> STATUSES.indexOf(b.status()) - STATUSES.indexOf(a.status()));
    return new Result(status, findings);
  }

  private static void band(List<Finding> findings, Set<String> active, String code, Object value, HakimSettings.Band band, String advice) {
    if (!(value instanceof Number number)) {
      return;
    }
    double figure = number.doubleValue();
    if (figure >= band.high() || (active.contains(code) && figure >= band.clear())) {
      findings.add(new Finding(code, "Warning", advice, figure));
    }
  }

  /** A code of a figure's hysteresis band (the only codes whose past matters). */
  static boolean isBanded(String code) {
    return List.of(HIGH_CPU_LOAD, MEMORY_PRESSURE, DISK_NEARING_CAPACITY, ERROR_LOG_SPIKE).contains(code);
  }

  static String worse(String a, String b) {
    return STATUSES.indexOf(a) >= STATUSES.indexOf(b) ? a : b;
  }
}
