package io.kos.triggers;

import io.kos.verticle.ApiError;
import io.kos.verticle.Text;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks conditions as users write them and makes {@link Condition}s of them. Everything is checked
 * here — type, field, operator, value type, config keys and ranges — and a refusal is a 422 naming
 * the condition by index and field ({@code conditions[2].operator}).
 */
final class Conditions {

  static final Set<String> TYPES = Set.of("event_type_equals", "agent_id_equals", "score_threshold", "tag_equals", "validator_whitelist",
      "file_uri_exists", "ema_threshold", "rate_limit");
  /** Event types by registry, both spec versions. */
  static final Map<String, Set<String>> EVENT_TYPES = Map.of(
      "identity", Set.of("Registered", "MetadataSet", "UriUpdated", "URIUpdated", "Transfer"),
      "reputation", Set.of("NewFeedback", "FeedbackRevoked", "ResponseAppended"),
      "validation", Set.of("ValidationRequest", "ValidationResponse"));
  private static final Set<String> URI_UPDATED = Set.of("UriUpdated", "URIUpdated");
  private static final Set<String> NUMERIC_FIELDS = Set.of("score", "value", "response");
  private static final Set<String> URI_FIELDS = Set.of("file_uri", "response_uri", "token_uri");
  private static final Set<String> TAG_FIELDS = Set.of("tag1", "tag2", "tag");
  private static final List<String> COMPARISONS = List.of("<", "<=", ">", ">=", "=", "!=");
  private static final BigInteger UINT256_MAX = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
  private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
  private static final Pattern BYTES32 = Pattern.compile("0x[0-9a-fA-F]{64}");
  private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]{0,31}");
  private static final Pattern DURATION = Pattern.compile("([1-9][0-9]{0,6})(s|m|h|d)");
  private static final int MAX_LIST = 1000;
  private static final long MAX_WINDOW_SECONDS = 366 * 86_400L;
  static final int MAX_CONDITIONS = 32;

  private Conditions() {
  }

  /** The trigger's conditions, checked against its registry; 422 naming the first bad one. */
  static List<Condition> parse(JsonArray conditions, String registry) {
    if (conditions.size() > MAX_CONDITIONS) {
      throw ApiError.invalidField("conditions", "at most " + MAX_CONDITIONS + " conditions");
    }
    List<Condition> parsed = new ArrayList<>();
    for (int i = 0; i < conditions.size(); i++) {
      if (!(conditions.getValue(i) instanceof JsonObject condition)) {
        throw ApiError.invalidField("conditions[" + i + "]", "must be an object");
      }
      parsed.add(parse(condition, "conditions[" + i + "]", registry));
    }
    return parsed;
  }

  static Condition parse(JsonObject condition, String at, String registry) {
    for (String key : condition.fieldNames()) {
      if (!Set.of("condition_type", "field", "operator", "value", "config").contains(key)) {
        throw ApiError.invalidField(in(at) + key, "unknown field; a condition has condition_type, field, operator, value, config");
      }
    }
    Object rawType = condition.getValue("condition_type");
    if (!(rawType instanceof String type) || !TYPES.contains(type)) {
      throw ApiError.invalidField(in(at) + "condition_type", "must be one of " + String.join(", ", TYPES.stream().sorted().toList()));
    }
    Object rawConfig = condition.getValue("config");
    if (rawConfig != null && !(rawConfig instanceof JsonObject)) {
      throw ApiError.invalidField(in(at) + "config", "must be an object");
    }
    JsonObject config = rawConfig == null ? new JsonObject() : (JsonObject) rawConfig;
    Object value = condition.getValue("value");
    return switch (type) {
      case "event_type_equals" -> {
        String field = field(condition, at, Set.of("event_type"), "event_type");
        String operator = operator(condition, at, List.of("=", "!="), null);
        noConfig(config, at);
        Set<String> allowed = EVENT_TYPES.get(registry);
        if (!(value instanceof String name) || !allowed.contains(name)) {
          throw ApiError.invalidField(in(at) + "value", "must be an event type of the " + registry + " registry: "
              + String.join(", ", allowed.stream().sorted().toList()));
        }
        Set<String> types = URI_UPDATED.contains(name) ? URI_UPDATED : Set.of(name);
        yield new Condition.EventType(definition(type, field, operator, value, null), types, operator.equals("!="));
      }
      case "agent_id_equals" -> {
        String field = field(condition, at, Set.of("agent_id"), "agent_id");
        String operator = operator(condition, at, List.of("=", "!=", "in", "not_in"), null);
        noConfig(config, at);
        Set<String> ids = new LinkedHashSet<>();
        if (operator.equals("in") || operator.equals("not_in")) {
          for (Object id : list(value, in(at) + "value", "agent ids")) {
            ids.add(agentId(id, in(at) + "value"));
          }
        } else {
          ids.add(agentId(value, in(at) + "value"));
        }
        Object stored = operator.equals("=") || operator.equals("!=") ? ids.iterator().next() : new JsonArray(List.copyOf(ids));
        yield new Condition.AgentId(definition(type, field, operator, stored, null), Set.copyOf(ids),
            operator.equals("!=") || operator.equals("not_in"));
      }
      case "score_threshold" -> {
        String field = field(condition, at, NUMERIC_FIELDS, null);
        String operator = operator(condition, at, COMPARISONS, null);
        noConfig(config, at);
        BigDecimal threshold = decimal(value, in(at) + "value");
        yield new Condition.Threshold(definition(type, field, operator, threshold.toPlainString(), null), field,
            Condition.Comparison.of(operator), threshold);
      }
      case "tag_equals" -> {
        String field = field(condition, at, TAG_FIELDS, null);
        String operator = operator(condition, at, List.of("=", "!="), null);
        noConfig(config, at);
        if (!(value instanceof String tag) || tag.length() > 2048 || Text.flaw(tag) != null) {
          throw ApiError.invalidField(in(at) + "value", "must be a tag's text (at most 2048 characters) or 0x and 64 hex digits");
        }
        String column = BYTES32.matcher(tag).matches() ? field : field + "_text";
        yield new Condition.Tag(definition(type, field, operator, tag, null), column, tag, operator.equals("!="));
      }
      case "validator_whitelist" -> {
        String field = field(condition, at, Set.of("validator_address"), "validator_address");
        String operator = operator(condition, at, List.of("in", "not_in"), null);
        noConfig(config, at);
        Set<String> addresses = new LinkedHashSet<>();
        for (Object address : list(value, in(at) + "value", "addresses")) {
          if (!(address instanceof String a) || !ADDRESS.matcher(a).matches()) {
            throw ApiError.invalidField(in(at) + "value", "each address must be 0x and 40 hex digits");
          }
          addresses.add(a.toLowerCase(Locale.ROOT));
        }
        yield new Condition.Validator(definition(type, field, operator, new JsonArray(List.copyOf(addresses)), null), Set.copyOf(addresses),
            operator.equals("not_in"));
      }
      case "file_uri_exists" -> {
        String field = field(condition, at, URI_FIELDS, "file_uri");
        String operator = operator(condition, at, List.of("exists", "not_exists"), "exists");
        if (value != null && !Boolean.TRUE.equals(value)) {
          throw ApiError.invalidField(in(at) + "value", "takes no value (or true): the operator says exists or not_exists");
        }
        onlyConfig(config, at, Set.of("schemes"));
        List<String> schemes = new ArrayList<>();
        if (config.containsKey("schemes")) {
          for (Object scheme : list(config.getValue("schemes"), in(at) + "config.schemes", "schemes")) {
            if (!(scheme instanceof String s) || !SCHEME.matcher(s.toLowerCase(Locale.ROOT)).matches()) {
              throw ApiError.invalidField(in(at) + "config.schemes", "each scheme must be a URI scheme such as ipfs or https");
            }
            schemes.add(s.toLowerCase(Locale.ROOT));
          }
        }
        JsonObject stored = schemes.isEmpty() ? null : new JsonObject().put("schemes", new JsonArray(schemes));
        yield new Condition.UriExists(definition(type, field, operator, true, stored), field, List.copyOf(schemes), operator.equals("not_exists"));
      }
      case "ema_threshold" -> ema(condition, at, type, value, config);
      case "rate_limit" -> rate(condition, at, type, value, config);
      default -> throw new IllegalStateException(type);
    };
  }

  private static Condition ema(JsonObject condition, String at, String type, Object value, JsonObject config) {
    String field = field(condition, at, NUMERIC_FIELDS, null);
    String operator = operator(condition, at, COMPARISONS, null);
    BigDecimal threshold = decimal(value, in(at) + "value");
    onlyConfig(config, at, Set.of("window_size", "alpha", "min_count", "per_agent", "max_keys"));
    boolean hasWindow = config.containsKey("window_size");
    if (hasWindow == config.containsKey("alpha")) {
      throw ApiError.invalidField(in(at) + "config", "needs exactly one of window_size (alpha = 2/(N+1)) and alpha");
    }
    BigDecimal alpha;
    JsonObject stored = new JsonObject();
    if (hasWindow) {
      long window = integer(config.getValue("window_size"), in(at) + "config.window_size", 1, 100_000);
      alpha = BigDecimal.valueOf(2).divide(BigDecimal.valueOf(window + 1), MathContext.DECIMAL128);
      stored.put("window_size", window);
    } else {
      alpha = decimal(config.getValue("alpha"), in(at) + "config.alpha");
      if (alpha.signum() <= 0 || alpha.compareTo(BigDecimal.ONE) > 0) {
        throw ApiError.invalidField(in(at) + "config.alpha", "must be in (0, 1]");
      }
      stored.put("alpha", alpha.toPlainString());
    }
    int minCount = (int) integer(config.getValue("min_count", 1), in(at) + "config.min_count", 1, 1_000_000);
    Object perAgentRaw = config.getValue("per_agent", false);
    if (!(perAgentRaw instanceof Boolean perAgent)) {
      throw ApiError.invalidField(in(at) + "config.per_agent", "must be true or false");
    }
    int maxKeys = (int) integer(config.getValue("max_keys", 10_000), in(at) + "config.max_keys", 1, 100_000);
    if (config.containsKey("max_keys") && !perAgent) {
      throw ApiError.invalidField(in(at) + "config.max_keys", "bounds the averages kept per agent: needs per_agent true");
    }
    stored.put("min_count", minCount).put("per_agent", perAgent);
    if (perAgent) {
      stored.put("max_keys", maxKeys);
    }
    return new Condition.Ema(definition(type, field, operator, threshold.toPlainString(), stored), field, Condition.Comparison.of(operator),
        threshold, alpha, minCount, perAgent, maxKeys);
  }

  private static Condition rate(JsonObject condition, String at, String type, Object value, JsonObject config) {
    String field = field(condition, at, Set.of("events"), "events");
    String operator = operator(condition, at, COMPARISONS, ">=");
    long count = integer(value, in(at) + "value", 0, 1_000_000_000);
    onlyConfig(config, at, Set.of("time_window", "reset_on_trigger"));
    Object window = config.getValue("time_window");
    java.util.regex.Matcher m = window instanceof String w ? DURATION.matcher(w) : null;
    if (m == null || !m.matches()) {
      throw ApiError.invalidField(in(at) + "config.time_window", "must be a duration such as 30s, 5m, 1h or 7d");
    }
    long seconds = Long.parseLong(m.group(1)) * switch (m.group(2)) {
      case "s" -> 1;
      case "m" -> 60;
      case "h" -> 3600;
      default -> 86_400;
    };
    if (seconds > MAX_WINDOW_SECONDS) {
      throw ApiError.invalidField(in(at) + "config.time_window", "must be at most 366d");
    }
    Object resetRaw = config.getValue("reset_on_trigger", false);
    if (!(resetRaw instanceof Boolean reset)) {
      throw ApiError.invalidField(in(at) + "config.reset_on_trigger", "must be true or false");
    }
    JsonObject stored = new JsonObject().put("time_window", window).put("reset_on_trigger", reset);
    return new Condition.Rate(definition(type, field, operator, count, stored), seconds, Condition.Comparison.of(operator), count, reset);
  }

  /** A numeric field of an event as an exact decimal: {@code value} is ingest's {@code value_decimal}; null when absent. */
  static BigDecimal number(JsonObject event, String field) {
    Object raw = event.getValue(field.equals("value") ? "value_decimal" : field);
    if (raw == null) {
      return null;
    }
    return raw instanceof Number n ? BigDecimal.valueOf(n.longValue()) : new BigDecimal(raw.toString());
  }

  /** The prefix naming a field of the condition at {@code at}: {@code conditions[2].} in a trigger, nothing for a condition alone. */
  static String in(String at) {
    return at.isEmpty() ? "" : at + ".";
  }

  private static Condition.Definition definition(String type, String field, String operator, Object value, JsonObject config) {
    return new Condition.Definition(type, field, operator, value, config);
  }

  private static String field(JsonObject condition, String at, Set<String> allowed, String defaultField) {
    Object raw = condition.getValue("field", defaultField);
    if (!(raw instanceof String field) || !allowed.contains(field)) {
      throw ApiError.invalidField(in(at) + "field", "must be " + String.join(" or ", allowed.stream().sorted().toList()) + " for this condition type");
    }
    return field;
  }

  private static String operator(JsonObject condition, String at, List<String> allowed, String defaultOperator) {
    Object raw = condition.getValue("operator", defaultOperator);
    if (!(raw instanceof String operator) || !allowed.contains(operator)) {
      throw ApiError.invalidField(in(at) + "operator", "must be one of " + String.join(" ", allowed) + " for this condition type");
    }
    return operator;
  }

  private static void noConfig(JsonObject config, String at) {
    onlyConfig(config, at, Set.of());
  }

  private static void onlyConfig(JsonObject config, String at, Set<String> known) {
    for (String key : config.fieldNames()) {
      if (!known.contains(key)) {
        throw ApiError.invalidField(in(at) + "config." + key, known.isEmpty() ? "this condition type takes no config"
            : "unknown key; this condition type takes " + String.join(", ", known.stream().sorted().toList()));
      }
    }
  }

  private static JsonArray list(Object value, String at, String what) {
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_LIST) {
      throw ApiError.invalidField(at, "must be an array of 1 to " + MAX_LIST + " " + what);
    }
    return array;
  }

  /** An agent id as the log writes it: a decimal string of 0..2^256-1 (a JSON integer is accepted too). */
  private static String agentId(Object raw, String at) {
    String text = raw instanceof Integer || raw instanceof Long || raw instanceof BigInteger ? raw.toString() : raw instanceof String s ? s : null;
    if (text == null || !text.matches("0|[1-9][0-9]{0,77}") || new BigInteger(text).compareTo(UINT256_MAX) > 0) {
      throw ApiError.invalidField(at, "must be an agent id: an integer from 0 to 2^256-1 (a decimal string for large ones)");
    }
    return text;
  }

  /** A number as JSON or as a decimal string ({@code "0.5"}, {@code "-12"}): kept exact. */
  private static BigDecimal decimal(Object raw, String at) {
    try {
      if (raw instanceof Integer || raw instanceof Long || raw instanceof BigInteger) {
        return new BigDecimal(raw.toString());
      }
      if (raw instanceof Number n) {
        // a JSON fraction: its shortest decimal form (0.1 stays 0.1)
        return new BigDecimal(n.toString());
      }
      if (raw instanceof String s && s.matches("-?(0|[1-9][0-9]{0,77})(\\.[0-9]{1,38})?")) {
        return new BigDecimal(s);
      }
    } catch (NumberFormatException e) {
      // falls through to the refusal
    }
    throw ApiError.invalidField(at, "must be a number (a JSON number or a decimal string such as \"-0.5\")");
  }

  private static long integer(Object raw, String at, long min, long max) {
    if ((raw instanceof Integer || raw instanceof Long) && ((Number) raw).longValue() >= min && ((Number) raw).longValue() <= max) {
      return ((Number) raw).longValue();
    }
    throw ApiError.invalidField(at, "must be an integer from " + min + " to " + max);
  }
}
