package io.kos.tohunga;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** Records as they flow through a job: Jackson trees (what the schema validator reads), reached by dot paths. */
final class Rows {

  /** Numbers stay exactly as the source wrote them (0.10000000000000001 is not 0.1, 12.50 keeps its zero): data passes through unchanged. */
  static final ObjectMapper MAPPER = com.fasterxml.jackson.databind.json.JsonMapper.builder()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .build();
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Rows() {
  }

  /** {@code "actor.login"} → {@code ["actor", "login"]}. */
  static String[] path(String dotted) {
    return dotted.split("\\.", -1);
  }

  /** Checks a dot path as a definition names it: non-empty segments. Null when fine, else why not. */
  static String pathProblem(String dotted) {
    if (dotted == null || dotted.isEmpty() || dotted.length() > 500) {
      return "must be a dot path of 1 to 500 characters";
    }
    for (String segment : path(dotted)) {
      if (segment.isEmpty()) {
        return "has an empty segment ('" + dotted + "')";
      }
    }
    return null;
  }

  /** The value at a path, or null when any segment is missing or not an object. */
  static JsonNode get(JsonNode row, String[] path) {
    JsonNode at = row;
    for (String segment : path) {
      if (at == null || !at.isObject()) {
        return null;
      }
      at = at.get(segment);
    }
    return at;
  }

  /** Removes the value at a path; returns it, or null when there was none. */
  static JsonNode remove(ObjectNode row, String[] path) {
    JsonNode parent = path.length == 1 ? row : get(row, java.util.Arrays.copyOf(path, path.length - 1));
    return parent instanceof ObjectNode object ? object.remove(path[path.length - 1]) : null;
  }

  /** Sets the value at a path, making the objects on the way. */
  static void set(ObjectNode row, String[] path, JsonNode value) {
    ObjectNode at = row;
    for (int i = 0; i < path.length - 1; i++) {
      JsonNode next = at.get(path[i]);
      at = next instanceof ObjectNode object ? object : at.putObject(path[i]);
    }
    at.set(path[path.length - 1], value);
  }

  /** A Vert.x JSON value (as JsonObject, JsonArray or their maps and lists hold them) as a Jackson tree. */
  static JsonNode fromVertx(Object value) {
    if (value == null) {
      return NODES.nullNode();
    }
    if (value instanceof JsonObject object) {
      ObjectNode node = NODES.objectNode();
      object.forEach(entry -> node.set(entry.getKey(), fromVertx(entry.getValue())));
      return node;
    }
    if (value instanceof io.vertx.core.json.JsonArray array) {
      ArrayNode node = NODES.arrayNode(array.size());
      array.forEach(element -> node.add(fromVertx(element)));
      return node;
    }
    if (value instanceof String text) {
      return NODES.textNode(text);
    }
    if (value instanceof Boolean bool) {
      return NODES.booleanNode(bool);
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      return NODES.numberNode(((Number) value).longValue());
    }
    if (value instanceof java.math.BigDecimal decimal) {
      return NODES.numberNode(decimal);
    }
    if (value instanceof java.math.BigInteger integer) {
      return NODES.numberNode(integer);
    }
    if (value instanceof Number number) {
      return NODES.numberNode(number.doubleValue());
    }
    return NODES.textNode(String.valueOf(value));
  }

  static JsonObject toVertx(JsonNode node) {
    return new JsonObject(MAPPER.convertValue(node, java.util.Map.class));
  }

  /** An error list as the dead-letter output and a failed job's message carry it. */
  static ArrayNode errors(List<String> messages) {
    ArrayNode errors = NODES.arrayNode();
    messages.forEach(errors::add);
    return errors;
  }
}
