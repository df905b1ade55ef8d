package io.kos.triggers;

import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One checked condition of a trigger. Made only by {@link Conditions#parse}, so that anything a
 * user wrote that evaluation could not handle is refused when written, never met at evaluation.
 * Stateless conditions answer from the event alone; the two stateful ones ({@link Ema},
 * {@link Rate}) keep a {@link ConditionState} per condition.
 */
sealed interface Condition {

  /** The condition as stored and shown: {@code condition_type, field, operator, value, config}. */
  Definition definition();

  /** Stateless: does the event satisfy it (an event without the field does not). */
  sealed interface Stateless extends Condition permits EventType, AgentId, Threshold, Tag, Validator, UriExists {
    boolean test(JsonObject event);
  }

  /** Stateful: updated by each event that passes the trigger's stateless conditions, then compared. */
  sealed interface Stateful extends Condition permits Ema, Rate {
    ConditionState newState();
  }

  record Definition(String conditionType, String field, String operator, Object value, JsonObject config) {
    JsonObject toJson() {
      return new JsonObject().put("condition_type", conditionType).put("field", field).put("operator", operator).put("value", value)
          .put("config", config);
    }
  }

  /** {@code event_type_equals}: v0.4 {@code UriUpdated} and v1 {@code URIUpdated} are one type. */
  record EventType(Definition definition, Set<String> types, boolean negated) implements Stateless {
    @Override
    public boolean test(JsonObject event) {
      return types.contains(event.getString("event_type")) != negated;
    }
  }

  /** {@code agent_id_equals}: agent ids as canonical decimal strings (the log's form). */
  record AgentId(Definition definition, Set<String> ids, boolean negated) implements Stateless {
    @Override
    public boolean test(JsonObject event) {
      String agent = event.getString("agent_id");
      return agent != null && ids.contains(agent) != negated;
    }
  }

  /** {@code score_threshold}: an exact decimal comparison; no field, no match. */
  record Threshold(Definition definition, String field, Comparison comparison, BigDecimal threshold) implements Stateless {
    @Override
    public boolean test(JsonObject event) {
      BigDecimal value = Conditions.number(event, field);
      return value != null && comparison.holds(value.compareTo(threshold));
    }
  }

  /** {@code tag_equals}: the tag's text, or its raw bytes32 when the value is 0x and 64 hex digits. */
  record Tag(Definition definition, String column, String expected, boolean negated) implements Stateless {
    @Override
    public boolean test(JsonObject event) {
      String tag = event.getString(column);
      if (tag == null) {
        return false;
      }
      return (column.endsWith("_text") ? tag.equals(expected) : tag.equalsIgnoreCase(expected)) != negated;
    }
  }

  /** {@code validator_whitelist}: addresses lowercased when written and compared lowercased. */
  record Validator(Definition definition, Set<String> addresses, boolean negated) implements Stateless {
    @Override
    public boolean test(JsonObject event) {
      String validator = event.getString("validator_address");
      return validator != null && addresses.contains(validator.toLowerCase(Locale.ROOT)) != negated;
    }
  }

  /** {@code file_uri_exists}: a non-empty URI, optionally with one of the given schemes. */
  record UriExists(Definition definition, String field, List<String> schemes, boolean negated) implements Stateless {
    @Override
    public boolean test(JsonObject event) {
      String uri = event.getString(field);
      boolean exists = uri != null && !uri.isEmpty() && (schemes.isEmpty() || schemes.stream().anyMatch(s -> hasScheme(uri, s)));
      return exists != negated;
    }

    private static boolean hasScheme(String uri, String scheme) {
      return uri.length() > scheme.length() && uri.charAt(scheme.length()) == ':' && uri.regionMatches(true, 0, scheme, 0, scheme.length());
    }
  }

  /**
   * {@code ema_threshold}: the exponential moving average of a field, alpha = 2/(N+1) or given;
   * compared once it has {@code min_count} samples. One average, or one per agent id (at most
   * {@code max_keys}).
   */
  record Ema(Definition definition, String field, Comparison comparison, BigDecimal threshold, BigDecimal alpha, int minCount,
             boolean perAgent, int maxKeys) implements Stateful {
    @Override
    public ConditionState newState() {
      return new ConditionState.Averages(this);
    }
  }

  /**
   * {@code rate_limit}: the count of events that passed the stateless conditions in the trailing
   * window of block time, compared with N; the window is kept in {@link ConditionState.Window#BUCKETS}
   * buckets whatever N and its length.
   */
  record Rate(Definition definition, long windowSeconds, Comparison comparison, long count, boolean resetOnTrigger) implements Stateful {
    @Override
    public ConditionState newState() {
      return new ConditionState.Window(this);
    }
  }

  /** The six comparisons, applied to a {@code compareTo} result. */
  enum Comparison {
    LT("<"), LE("<="), GT(">"), GE(">="), EQ("="), NE("!=");

    final String symbol;

    Comparison(String symbol) {
      this.symbol = symbol;
    }

    static Comparison of(String symbol) {
      for (Comparison c : values()) {
        if (c.symbol.equals(symbol)) {
          return c;
        }
      }
      return null;
    }

    boolean holds(int compared) {
      return switch (this) {
        case LT -> compared < 0;
        case LE -> compared <= 0;
        case GT -> compared > 0;
        case GE -> compared >= 0;
        case EQ -> compared == 0;
        case NE -> compared != 0;
      };
    }
  }
}
