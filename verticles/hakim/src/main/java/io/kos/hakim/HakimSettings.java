package io.kos.hakim;

import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code verticles.config.hakim}: checked at start (a bad key stops the node with exit 2).
 *
 * @param intervalMs         how often each watched node is polled
 * @param requestTimeoutMs   a poll not answered after this is NODE_UNREACHABLE
 * @param concurrency        polls in flight at once
 * @param maxDocumentAgeSeconds a health document whose timestamp is further than this from now is refused (STALE_DOCUMENT)
 * @param retentionDays      reports older than this are dropped, a month partition at a time
 * @param watch              endpoints watched from config (their DID read from their signed identity)
 * @param watchRoninClasses  node classes watched from ronin's map (verified services), when ronin answers
 * @param thresholds         the diagnosis thresholds, each raised at {@code high} and cleared below {@code clear}, after their dwells
 * @param publicUrl          this node's base URL as watched nodes reach it, where they send their admin's decision; empty: by DID over the cluster
 * @param maintenanceExpirySeconds a maintenance job not approved within this is Expired
 */
record HakimSettings(long intervalMs, int requestTimeoutMs, int concurrency, long maxDocumentAgeSeconds, int retentionDays,
                     List<String> watch, List<String> watchRoninClasses, Thresholds thresholds, String publicUrl,
                     long maintenanceExpirySeconds) {

  /** Hysteresis bands: a code is raised when its figure reaches {@code high} and stays until it falls below {@code clear}. */
  record Band(double high, double clear) {
  }

  /** The bands, and how long a figure must stay past a mark before its code is raised or cleared (zero: at the first poll). */
  record Thresholds(Band cpu, Band memory, Band disk, Band errorLog, Duration raiseAfter, Duration clearAfter) {
  }

  /** A new target is first polled within this: at once for a short interval, spread over up to 5 s for a long one. */
  long firstPollSpreadMs() {
    return Math.min(intervalMs, 5000);
  }

  static HakimSettings parse(JsonObject config) {
    JsonFields fields = JsonFields.ofSettings(config).onlyKnown(List.of("interval_ms", "request_timeout_ms", "concurrency",
        "max_document_age_seconds", "retention_days", "watch", "watch_ronin_classes", "cpu_high_percent", "cpu_clear_percent",
        "memory_high_percent", "memory_clear_percent", "disk_high_percent", "disk_clear_percent", "error_log_spike", "error_log_clear",
        "raise_after_seconds", "clear_after_seconds", "public_url", "maintenance_expiry_seconds"));
    List<String> watch = new ArrayList<>();
    JsonArray endpoints = fields.array("watch", new JsonArray());
    for (int i = 0; i < endpoints.size(); i++) {
      String problem = endpoints.getValue(i) instanceof String endpoint ? Endpoints.problem(endpoint) : "must be a string";
      if (problem != null) {
        throw fields.invalid("watch", "[" + i + "] " + problem);
      }
      watch.add(Endpoints.base(endpoints.getString(i)));
    }
    List<String> classes = new ArrayList<>();
    for (Object nodeClass : fields.array("watch_ronin_classes", new JsonArray())) {
      if (!(nodeClass instanceof String name) || !name.matches("[a-z][a-z0-9]{0,30}")) {
        throw fields.invalid("watch_ronin_classes", "must list node classes (allinone, tohunga, ronin, hakim, ...)");
      }
      classes.add(name);
    }
    Thresholds thresholds = new Thresholds(band(fields, "cpu", 90, 75), band(fields, "memory", 90, 80), band(fields, "disk", 90, 85),
        new Band(fields.integer("error_log_spike", 10L, 1, 1_000_000), fields.integer("error_log_clear", 5L, 0, 1_000_000)),
        Duration.ofSeconds(fields.integer("raise_after_seconds", 0L, 0, 86_400)), Duration.ofSeconds(fields.integer("clear_after_seconds", 0L, 0, 86_400)));
    if (thresholds.errorLog().clear() >= thresholds.errorLog().high()) {
      throw fields.invalid("error_log_clear", "must be below error_log_spike (" + (long) thresholds.errorLog().high() + ")");
    }
    String publicUrl = fields.string("public_url", "", 500);
    if (!publicUrl.isEmpty() && Endpoints.problem(publicUrl) != null) {
      throw fields.invalid("public_url", Endpoints.problem(publicUrl));
    }
    return new HakimSettings(fields.integer("interval_ms", 30_000L, 100, 86_400_000L), fields.intValue("request_timeout_ms", 5000, 10, 120_000),
        fields.intValue("concurrency", 32, 1, 1024), fields.integer("max_document_age_seconds", 120L, 1, 86_400),
        fields.intValue("retention_days", 90, 1, 3650), List.copyOf(watch), List.copyOf(classes), thresholds,
        publicUrl.isEmpty() ? "" : Endpoints.base(publicUrl), fields.integer("maintenance_expiry_seconds", 86_400L, 1, 30 * 86_400L));
  }

  private static Band band(JsonFields fields, String name, int high, int clear) {
    long raise = fields.integer(name + "_high_percent", (long) high, 1, 100);
    long below = fields.integer(name + "_clear_percent", (long) clear, 0, 100);
    if (below >= raise) {
      throw fields.invalid(name + "_clear_percent", "must be below " + name + "_high_percent (" + raise + ")");
    }
    return new Band(raise, below);
  }
}
