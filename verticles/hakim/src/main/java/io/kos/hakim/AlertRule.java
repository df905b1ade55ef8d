package io.kos.hakim;

import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;

/**
 * An alert rule as written ({@code POST|PUT /alert-rules}): on a report {@code metric} (compared with
 * {@code operator} to {@code threshold}) or a {@code diagnosis_code} (present: {@code eq}), held for
 * {@code window_seconds} (every report in it), with its {@code severity}, {@code cooldown_seconds},
 * {@code channels} (actions configs) and, optionally, the {@code escalation_policy_id} of one of its owner's
 * {@link EscalationPolicy escalation policies}.
 */
record AlertRule(String name, String target, String metric, String code, String operator, Double threshold, int windowSeconds,
                 String severity, int cooldownSeconds, JsonArray channels, UUID escalationPolicy, boolean enabled) {

  static final List<String> OPERATORS = List.of("gt", "gte", "lt", "lte", "eq");
  static final List<String> SEVERITIES = List.of("low", "medium", "high", "critical");
  static final List<String> CODES = List.of(Diagnosis.NODE_UNREACHABLE, Diagnosis.SIGNATURE_INVALID, Diagnosis.STALE_DOCUMENT,
      Diagnosis.DATABASE_UNAVAILABLE, Diagnosis.CHAIN_HALTED, Diagnosis.DEPENDENCY_UNREACHABLE, Diagnosis.HIGH_CPU_LOAD,
      Diagnosis.MEMORY_PRESSURE, Diagnosis.DISK_NEARING_CAPACITY, Diagnosis.ERROR_LOG_SPIKE);
  private static final int MAX_CHANNELS = 10;

  static AlertRule parse(JsonObject body) {
    JsonFields fields = JsonFields.ofBody(body).onlyKnown(List.of("name", "target_node_did", "metric", "diagnosis_code", "operator", "threshold",
        "window_seconds", "severity", "cooldown_seconds", "channels", "escalation_policy_id", "enabled"));
    String name = fields.string("name", null, 200);
    if (name.isBlank()) {
      throw ApiError.invalidField("name", "must not be blank");
    }
    String target = fields.string("target_node_did", "", 100);
    if (!target.isEmpty() && !target.matches("did:kos:[a-z][a-z0-9]{0,30}:[0-9a-f]{32}")) {
      throw ApiError.invalidField("target_node_did", "must be a kOS DID, or absent for every node the owner watches");
    }
    String metric = fields.string("metric", "", 64);
    String code = fields.string("diagnosis_code", "", 64);
    if (metric.isEmpty() == code.isEmpty()) {
      throw ApiError.invalidField(metric.isEmpty() ? "metric" : "diagnosis_code", "give a metric or a diagnosis_code, one of them");
    }
    if (!metric.isEmpty() && !metric.matches("[a-z][a-z0-9_]{0,63}")) {
      throw ApiError.invalidField("metric", "must be a metric name of the reports (cpu_usage_percent, memory_usage_percent, ...)");
    }
    if (!code.isEmpty() && !CODES.contains(code)) {
      throw ApiError.invalidField("diagnosis_code", "must be one of " + CODES);
    }
    String operator = fields.string("operator", code.isEmpty() ? null : "eq", 3);
    if (!OPERATORS.contains(operator) || (!code.isEmpty() && !operator.equals("eq"))) {
      throw ApiError.invalidField("operator", code.isEmpty() ? "must be one of " + OPERATORS : "a diagnosis_code rule takes eq (the code is present)");
    }
    Double threshold = null;
    if (!metric.isEmpty()) {
      if (!(body.getValue("threshold") instanceof Number number) || !Double.isFinite(number.doubleValue())) {
        throw ApiError.invalidField("threshold", "a metric rule needs a number");
      }
      threshold = number.doubleValue();
    } else if (body.getValue("threshold") != null) {
      throw ApiError.invalidField("threshold", "a diagnosis_code rule has no threshold");
    }
    String severity = fields.string("severity", "medium", 10);
    if (!SEVERITIES.contains(severity)) {
      throw ApiError.invalidField("severity", "must be one of " + SEVERITIES);
    }
    JsonArray channels = channels(fields.array("channels", new JsonArray()), "channels");
    String policy = fields.string("escalation_policy_id", "", 36);
    UUID policyId = null;
    if (!policy.isEmpty()) {
      try {
        policyId = UUID.fromString(policy);
      } catch (IllegalArgumentException e) {
        throw ApiError.invalidField("escalation_policy_id", "must be the id of one of the owner's escalation policies");
      }
    }
    return new AlertRule(name, target.isEmpty() ? null : target, metric.isEmpty() ? null : metric, code.isEmpty() ? null : code, operator,
        threshold, fields.intValue("window_seconds", 0, 0, 86_400), severity, fields.intValue("cooldown_seconds", 300, 0, 30 * 86_400),
        channels, policyId, fields.bool("enabled", true));
  }

  static JsonArray channels(JsonArray channels, String path) {
    if (channels.size() > MAX_CHANNELS) {
      throw ApiError.invalidField(path, "at most " + MAX_CHANNELS + " channels");
    }
    for (int i = 0; i < channels.size(); i++) {
      if (!(channels.getValue(i) instanceof JsonObject)) {
        throw ApiError.invalidField(path + "[" + i + "]", "must be an actions config {action_type, priority, config}");
      }
    }
    return channels;
  }

  /** Whether a report meets the condition: its metric compared, or its diagnosis holding the code. */
  static boolean holds(JsonObject rule, JsonObject metrics, JsonObject diagnosis) {
    String code = rule.getString("diagnosis_code");
    if (code != null) {
      JsonArray findings = diagnosis == null ? new JsonArray() : diagnosis.getJsonArray("findings", new JsonArray());
      return findings.stream().anyMatch(f -> code.equals(((JsonObject) f).getString("code")));
    }
    Object value = metrics == null ? null : metrics.getValue(rule.getString("metric"));
    if (!(value instanceof Number number)) {
      return false;
    }
    double figure = number.doubleValue();
    double threshold = rule.getDouble("threshold");
    return switch (rule.getString("operator")) {
      case "gt" -> figure > threshold;
      case "gte" -> figure >= threshold;
      case "lt" -> figure < threshold;
      case "lte" -> figure <= threshold;
      default -> figure == threshold;
    };
  }
}
