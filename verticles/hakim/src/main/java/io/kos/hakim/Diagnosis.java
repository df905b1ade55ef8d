package io.kos.hakim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns what a poll saw into a report's status and diagnosis: the codes found, each with its
 * recommendation, the worst first. A figure's code is raised when it reaches the band's high mark
 * and stays raised until the figure falls below the clear mark, so a value hovering at a threshold
 * does not flap; with {@code raise_after_seconds} / {@code clear_after_seconds} the figure must
 * also stay past the mark that long, so one busy poll does not page anybody. The codes in force and
 * since when each waits to change ({@link Memory}) are the only state, kept per target by the caller.
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

  /**
   * A target's hysteresis state: the banded codes in force, and for each code whose figure has crossed
   * its mark but not yet for the dwell, since when it has.
   */
  record Memory(Set<String> active, Map<String, Instant> pending) {
  }

  /** A report's status, its findings (worst first), and the changes still waiting for their dwell. */
  record Result(String status, List<Finding> findings, Map<String, Instant> pending) {

    Result(String status, List<Finding> findings) {
      this(status, findings, Map.of());
    }

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

  /** The findings of a verified, fresh health document read at {@code at}, given the target's state before it. */
  static Result of(JsonObject document, Memory before, HakimSettings.Thresholds thresholds, Instant at) {
    List<Finding> findings = new ArrayList<>();
    Bands bands = new Bands(findings, before, thresholds, at);
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
    bands.apply(HIGH_CPU_LOAD, metrics.getValue("cpu_usage_percent"), thresholds.cpu(),
        "the machine's CPU is busy: find what else runs there, or give the node more cores");
    bands.apply(MEMORY_PRESSURE, metrics.getValue("memory_usage_percent"), thresholds.memory(),
        "the JVM heap is nearly full: raise -Xmx or lower the verticles' instances and pool sizes");
    bands.apply(DISK_NEARING_CAPACITY, metrics.getValue("disk_usage_percent"), thresholds.disk(),
        "the data dir's disk is filling: shorten retention (ingest, hakim) or add space");
    Object errors = document.getJsonObject("logs_summary", new JsonObject()).getValue("error_count");
    bands.apply(ERROR_LOG_SPIKE, errors, thresholds.errorLog(),
        "the node logged many errors in the last five minutes: read its log");
    String status = "Error".equals(document.getString("status")) ? "Error" : "Warning".equals(document.getString("status")) ? "Warning" : "Healthy";
    for (Finding finding : findings) {
      status = worse(status, finding.status());
    }
    findings.sort((a, b) -> STATUSES.indexOf(b.status()) - STATUSES.indexOf(a.status()));
    return new Result(status, findings, bands.pending);
  }

  /** The bands of one document: each figure's code raised, kept or cleared, and the changes still dwelling. */
  private static final class Bands {

    private final List<Finding> findings;
    private final Memory before;
    private final HakimSettings.Thresholds thresholds;
    private final Instant at;
    private final Map<String, Instant> pending = new LinkedHashMap<>();

    Bands(List<Finding> findings, Memory before, HakimSettings.Thresholds thresholds, Instant at) {
      this.findings = findings;
      this.before = before;
      this.thresholds = thresholds;
      this.at = at;
    }

    void apply(String code, Object value, HakimSettings.Band band, String advice) {
      if (!(value instanceof Number number)) {
        return;
      }
      boolean was = before.active().contains(code);
      double figure = number.doubleValue();
      boolean over = was ? figure >= band.clear() : figure >= band.high();
      boolean raised = was;
      if (over != was) {
        Instant since = before.pending().getOrDefault(code, at);
        Duration dwell = was ? thresholds.clearAfter() : thresholds.raiseAfter();
        if (Duration.between(since, at).compareTo(dwell) >= 0) {
          raised = over;
        } else {
          pending.put(code, since);
        }
      }
      if (raised) {
        findings.add(new Finding(code, "Warning", advice, figure));
      }
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
