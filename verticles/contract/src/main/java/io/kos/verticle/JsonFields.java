package io.kos.verticle;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.UUID;

/**
 * Reads the fields of one JSON object strictly, naming the field in every failure: a request body
 * ({@link #ofBody}: 422 {@code invalid_field}) or a verticle's settings ({@link #ofSettings}:
 * {@link IllegalArgumentException}, which stops the node with exit 2 and the key). Integers are
 * JSON integers (never floats or strings), text is clean ({@link Text#flaw}), bounds are named.
 */
public final class JsonFields {

  private final JsonObject json;
  private final boolean body;
  private final String prefix;

  private JsonFields(JsonObject json, boolean body, String prefix) {
    this.json = json;
    this.body = body;
    this.prefix = prefix;
  }

  /** A request body's fields: a bad one is 422 {@code invalid_field} naming it. */
  public static JsonFields ofBody(JsonObject body) {
    return new JsonFields(body, true, "");
  }

  /** An object nested in a body at {@code path} ({@code actions[0].config}): a bad field is named with the path. */
  public static JsonFields ofBody(JsonObject object, String path) {
    return new JsonFields(object, true, path + ".");
  }

  /** A verticle's settings: a bad key is an {@link IllegalArgumentException} naming it. */
  public static JsonFields ofSettings(JsonObject settings) {
    return new JsonFields(settings, false, "");
  }

  /** Settings nested at {@code path} ({@code telegram}): a bad key is named with the path. */
  public static JsonFields ofSettings(JsonObject settings, String path) {
    return new JsonFields(settings, false, path + ".");
  }

  /** The failure for {@code key} with {@code reason}, as this reader reports it. */
  public RuntimeException invalid(String key, String reason) {
    return body ? ApiError.invalidField(prefix + key, reason) : new IllegalArgumentException(prefix + key + " " + reason);
  }

  /** Refuses a key not in {@code known}, naming the known ones: a typo is not a default. */
  public JsonFields onlyKnown(Collection<String> known) {
    for (String key : json.fieldNames()) {
      if (!known.contains(key)) {
        String names = String.join(", ", known.stream().sorted().toList());
        throw body ? ApiError.invalidField(prefix + key, "unknown field; accepted: " + names)
            : new IllegalArgumentException("unknown key '" + prefix + key + "' (known: " + names + ")");
      }
    }
    return this;
  }

  /** The UUID at {@code key}; when not {@code required}, null for an absent or empty one. */
  public UUID uuid(String key, boolean required) {
    String text = string(key, required ? null : "", 36);
    if (text.isEmpty() && !required) {
      return null;
    }
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw invalid(key, "must be a UUID");
    }
  }

  /** The integer at {@code key} within [min, max], or {@code defaultValue} when absent (null: required). */
  public long integer(String key, Long defaultValue, long min, long max) {
    Object value = json.getValue(key);
    if (value == null) {
      if (defaultValue == null) {
        throw invalid(key, "must be an integer from " + min + " to " + max + " (required)");
      }
      return defaultValue;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min || ((Number) value).longValue() > max) {
      throw invalid(key, "must be an integer from " + min + " to " + max + ", not " + shown(value));
    }
    return ((Number) value).longValue();
  }

  /** The integer at {@code key} within [min, max] as an int, or the default when absent. */
  public int intValue(String key, int defaultValue, int min, int max) {
    return (int) integer(key, (long) defaultValue, min, max);
  }

  /** The string at {@code key}, clean and at most {@code maxLength} characters, or the default when absent (null: required). */
  public String string(String key, String defaultValue, int maxLength) {
    Object value = json.getValue(key);
    if (value == null) {
      if (defaultValue == null) {
        throw invalid(key, "is required");
      }
      return defaultValue;
    }
    if (!(value instanceof String s)) {
      throw invalid(key, "must be a string, not " + shown(value));
    }
    if (s.length() > maxLength) {
      throw invalid(key, "must have at most " + maxLength + " characters, not " + s.length());
    }
    String flaw = Text.flaw(s);
    if (flaw != null) {
      throw invalid(key, flaw);
    }
    return s;
  }

  /** The boolean at {@code key}, or the default when absent (null: optional and absent stays null). */
  public Boolean bool(String key, Boolean defaultValue) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Boolean b)) {
      throw invalid(key, "must be true or false, not " + shown(value));
    }
    return b;
  }

  /** The object at {@code key}, or the default when absent (null: required). */
  public JsonObject object(String key, JsonObject defaultValue) {
    Object value = json.getValue(key);
    if (value == null && defaultValue != null) {
      return defaultValue;
    }
    if (!(value instanceof JsonObject object)) {
      throw invalid(key, value == null ? "is required" : "must be a mapping, not " + shown(value));
    }
    return object;
  }

  /** The array at {@code key}, or the default when absent (null: required). */
  public JsonArray array(String key, JsonArray defaultValue) {
    Object value = json.getValue(key);
    if (value == null && defaultValue != null) {
      return defaultValue;
    }
    if (!(value instanceof JsonArray array)) {
      throw invalid(key, value == null ? "is required" : "must be a list, not " + shown(value));
    }
    return array;
  }

  private static String shown(Object value) {
    String text = value instanceof String s ? "'" + s + "'" : String.valueOf(value);
    return text.length() > 60 ? text.substring(0, 57) + "..." : text;
  }
}
