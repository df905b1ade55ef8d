package io.kos.tohunga;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks a job's {@code pipeline_steps} when it is written (422 naming the step and field, never a
 * failure at run time) and makes the steps that run. A step is
 * {@code {step_id, step_type: validation|transformation, step_module, definition, on_invalid}}.
 */
final class Steps {

  static final int MAX_STEPS = 50;
  private static final int MAX_ERRORS_PER_ROW = 10;
  private static final List<String> STEP_FIELDS = List.of("step_id", "step_type", "step_module", "definition", "on_invalid",
      "transformation_id");
  private static final Map<String, String> MODULES = Map.of(
      "json_schema", "validation", "rego_policy", "validation",
      "field_mapping", "transformation", "filter", "transformation", "redact", "transformation", "format_conversion", "transformation");
  /** Remote $refs are never fetched: a schema is what the job says, and the node makes no calls for it. */
  private static final SchemaRegistry DRAFT_2020 = registry(SpecificationVersion.DRAFT_2020_12);
  private static final SchemaRegistry DRAFT_7 = registry(SpecificationVersion.DRAFT_7);

  /** The checked pipeline: the steps in order, and how the source's bytes are read (format_conversion; null without one). */
  record Plan(List<Step.Planned> steps, InputFormat input) {

    /** The input format, or {@code fallback} when no format_conversion step names one. */
    InputFormat inputOr(InputFormat fallback) {
      return input == null ? fallback : input;
    }
  }

  private Steps() {
  }

  private static SchemaRegistry registry(SpecificationVersion version) {
    return SchemaRegistry.withDefaultDialect(version, builder -> builder.schemaLoader(loader -> loader.fetchRemoteResources(false)));
  }

  /**
   * Checks and builds the steps. {@code sourceType} decides whether format_conversion applies (only
   * to sources that deliver bytes). Saved transformations must already be expanded.
   */
  static Plan plan(JsonArray steps, String sourceType) {
    if (steps.size() > MAX_STEPS) {
      throw ApiError.invalidField("pipeline_steps", "has " + steps.size() + " steps; at most " + MAX_STEPS);
    }
    List<Step.Planned> planned = new ArrayList<>();
    InputFormat input = null;
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (int i = 0; i < steps.size(); i++) {
      String at = "pipeline_steps[" + i + "]";
      if (!(steps.getValue(i) instanceof JsonObject step)) {
        throw ApiError.invalidField(at, "must be a step object {step_id, step_type, step_module, definition}");
      }
      JsonFields fields = JsonFields.ofBody(step, at).onlyKnown(STEP_FIELDS);
      if (step.containsKey("transformation_id")) {
        throw ApiError.invalidField(at + ".transformation_id", "names no saved transformation of yours");
      }
      String stepId = fields.string("step_id", "step-" + (i + 1), 100);
      if (!ids.add(stepId)) {
        throw ApiError.invalidField(at + ".step_id", "'" + stepId + "' is used by an earlier step");
      }
      String type = fields.string("step_type", null, 20);
      String module = fields.string("step_module", null, 60);
      if (module.startsWith(type + "/")) {
        module = module.substring(type.length() + 1);
      }
      String expectedType = MODULES.get(module);
      if (expectedType == null) {
        throw ApiError.invalidField(at + ".step_module", "unknown module '" + module + "'; known: " + String.join(", ",
            MODULES.keySet().stream().sorted().map(m -> MODULES.get(m) + "/" + m).toList()));
      }
      if (!expectedType.equals(type)) {
        throw ApiError.invalidField(at + ".step_type", "must be '" + expectedType + "' for step_module " + module + ", not '" + type + "'");
      }
      if (module.equals("rego_policy")) {
        throw new ApiError(TohungaErrors.UNSUPPORTED_STEP, at + ": validation/rego_policy is not supported on this node "
            + "(no maintained JVM Rego engine); use validation/json_schema", new JsonObject().put("field", at + ".step_module"));
      }
      String onInvalidText = fields.string("on_invalid", "fail_job", 20);
      Step.OnInvalid onInvalid = switch (onInvalidText) {
        case "fail_job" -> Step.OnInvalid.FAIL_JOB;
        case "skip_row" -> Step.OnInvalid.SKIP_ROW;
        case "dead_letter" -> Step.OnInvalid.DEAD_LETTER;
        default -> throw ApiError.invalidField(at + ".on_invalid", "must be fail_job, skip_row or dead_letter, not '" + onInvalidText + "'");
      };
      JsonObject definition = fields.object("definition", new JsonObject());
      String defAt = at + ".definition";
      if (module.equals("format_conversion")) {
        if (i != 0) {
          throw ApiError.invalidField(at + ".step_module", "format_conversion reads the source's bytes, so it must be the first step");
        }
        if (!InputFormat.BYTE_SOURCES.contains(sourceType)) {
          throw ApiError.invalidField(at + ".step_module", "format_conversion applies to sources that deliver bytes ("
              + String.join(", ", InputFormat.BYTE_SOURCES) + "), not to a " + sourceType + " source, whose rows are already records");
        }
        input = InputFormat.parse(definition, defAt);
        continue;
      }
      Step built = switch (module) {
        case "json_schema" -> jsonSchema(definition, defAt);
        case "field_mapping" -> fieldMapping(definition, defAt);
        case "filter" -> filter(definition, defAt);
        case "redact" -> redact(definition, defAt);
        default -> throw new IllegalStateException(module);
      };
      planned.add(new Step.Planned(stepId, module, built, onInvalid));
    }
    return new Plan(List.copyOf(planned), input);
  }

  private static Step jsonSchema(JsonObject definition, String at) {
    JsonFields.ofBody(definition, at).onlyKnown(List.of("schema"));
    JsonObject schemaJson = JsonFields.ofBody(definition, at).object("schema", null);
    if (schemaJson.containsKey("$schema") && !(schemaJson.getValue("$schema") instanceof String)) {
      throw ApiError.invalidField(at + ".schema.$schema", "must be a string");
    }
    String dialect = schemaJson.getString("$schema");
    SchemaRegistry registry;
    if (dialect == null || SpecificationVersion.DRAFT_2020_12.getDialectId().equals(dialect)) {
      registry = DRAFT_2020;
    } else if (SpecificationVersion.DRAFT_7.getDialectId().equals(dialect) || "http://json-schema.org/draft-07/schema".equals(dialect)) {
      registry = DRAFT_7;
    } else {
      throw ApiError.invalidField(at + ".schema.$schema", "must be " + SpecificationVersion.DRAFT_2020_12.getDialectId() + " or "
          + SpecificationVersion.DRAFT_7.getDialectId() + " (or absent: 2020-12)");
    }
    JsonNode node = Rows.fromVertx(schemaJson);
    String dialectId = dialect == null ? SpecificationVersion.DRAFT_2020_12.getDialectId() : dialect;
    List<Error> problems = registry.getSchema(SchemaLocation.of(dialectId)).validate(node);
    if (!problems.isEmpty()) {
      throw ApiError.invalidField(at + ".schema", "is not a valid JSON Schema: " + problems.get(0).toString());
    }
    Schema schema;
    try {
      schema = registry.getSchema(node);
      schema.initializeValidators();
    } catch (SchemaException | IllegalArgumentException | IllegalStateException e) {
      throw ApiError.invalidField(at + ".schema", "cannot be used: " + e.getMessage());
    }
    return row -> {
      List<Error> errors = schema.validate(row);
      if (errors.isEmpty()) {
        return row;
      }
      throw new Step.Rejected(errors.stream().limit(MAX_ERRORS_PER_ROW).map(Error::toString).toList());
    };
  }

  private static Step fieldMapping(JsonObject definition, String at) {
    JsonFields fields = JsonFields.ofBody(definition, at).onlyKnown(List.of("map", "unmapped", "casts"));
    JsonObject map = fields.object("map", null);
    if (map.isEmpty()) {
      throw ApiError.invalidField(at + ".map", "must map at least one field");
    }
    Map<String[], String[]> mappings = new LinkedHashMap<>();
    Set<String> outputs = new java.util.HashSet<>();
    for (Map.Entry<String, Object> entry : map) {
      String problem = Rows.pathProblem(entry.getKey());
      if (problem != null) {
        throw ApiError.invalidField(at + ".map", "source path " + problem);
      }
      if (!(entry.getValue() instanceof String out) || Rows.pathProblem(out) != null) {
        throw ApiError.invalidField(at + ".map." + entry.getKey(), "must be the output field's name (a dot path makes nested objects)");
      }
      if (!outputs.add(out)) {
        throw ApiError.invalidField(at + ".map." + entry.getKey(), "'" + out + "' is the output of another mapping too");
      }
      mappings.put(Rows.path(entry.getKey()), Rows.path(out));
    }
    String unmapped = fields.string("unmapped", "drop", 10);
    if (!unmapped.equals("drop") && !unmapped.equals("keep")) {
      throw ApiError.invalidField(at + ".unmapped", "must be drop or keep, not '" + unmapped + "'");
    }
    Map<String, Cast> casts = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : fields.object("casts", new JsonObject())) {
      if (!outputs.contains(entry.getKey())) {
        throw ApiError.invalidField(at + ".casts." + entry.getKey(), "names no output field of map");
      }
      Cast cast = entry.getValue() instanceof String name ? Cast.of(name) : null;
      if (cast == null) {
        throw ApiError.invalidField(at + ".casts." + entry.getKey(), "must be one of string, integer, number, boolean");
      }
      casts.put(entry.getKey(), cast);
    }
    boolean keep = unmapped.equals("keep");
    Map<String, String[]> castPaths = new LinkedHashMap<>();
    casts.keySet().forEach(name -> castPaths.put(name, Rows.path(name)));
    return row -> {
      ObjectNode out = keep ? row : Rows.NODES.objectNode();
      List<JsonNode> values = new ArrayList<>(mappings.size());
      for (String[] from : mappings.keySet()) {
        values.add(keep ? Rows.remove(row, from) : Rows.get(row, from));
      }
      int i = 0;
      for (String[] to : mappings.values()) {
        JsonNode value = values.get(i++);
        if (value != null) {
          Rows.set(out, to, value);
        }
      }
      List<String> errors = null;
      for (Map.Entry<String, Cast> cast : casts.entrySet()) {
        String[] path = castPaths.get(cast.getKey());
        JsonNode value = Rows.get(out, path);
        if (value == null || value.isNull()) {
          continue;
        }
        JsonNode cast_ = cast.getValue().apply(value);
        if (cast_ == null) {
          if (errors == null) {
            errors = new ArrayList<>();
          }
          errors.add(cast.getKey() + ": cannot cast " + abbreviated(value) + " to " + cast.getValue().name().toLowerCase());
        } else {
          Rows.set(out, path, cast_);
        }
      }
      if (errors != null) {
        throw new Step.Rejected(errors);
      }
      return out;
    };
  }

  private static String abbreviated(JsonNode value) {
    String text = value.toString();
    return text.length() > 40 ? text.substring(0, 37) + "..." : text;
  }

  /** The types field_mapping casts to; null from {@link #apply} when the value does not convert. */
  enum Cast {
    STRING, INTEGER, NUMBER, BOOLEAN;

    static Cast of(String name) {
      return switch (name) {
        case "string" -> STRING;
        case "integer" -> INTEGER;
        case "number" -> NUMBER;
        case "boolean" -> BOOLEAN;
        default -> null;
      };
    }

    JsonNode apply(JsonNode value) {
      switch (this) {
        case STRING:
          return value.isValueNode() ? TextNode.valueOf(value.asText()) : TextNode.valueOf(value.toString());
        case INTEGER: {
          BigDecimal number = decimal(value);
          if (number == null) {
            return null;
          }
          try {
            BigInteger integer = number.toBigIntegerExact();
            return integer.bitLength() < 64 ? Rows.NODES.numberNode(integer.longValue()) : Rows.NODES.numberNode(integer);
          } catch (ArithmeticException e) {
            return null;
          }
        }
        case NUMBER: {
          BigDecimal number = decimal(value);
          return number == null ? null : value.isNumber() ? value : Rows.NODES.numberNode(number);
        }
        default:
          if (value.isBoolean()) {
            return value;
          }
          String text = value.isNumber() ? value.asText() : value.isTextual() ? value.textValue().trim().toLowerCase() : "";
          return switch (text) {
            case "true", "1", "yes" -> Rows.NODES.booleanNode(true);
            case "false", "0", "no" -> Rows.NODES.booleanNode(false);
            default -> null;
          };
      }
    }
  }

  /** A number or a numeric string as an exact decimal, or null. */
  static BigDecimal decimal(JsonNode value) {
    if (value.isNumber()) {
      return value.decimalValue();
    }
    if (value.isTextual() && value.textValue().length() <= 100) {
      try {
        return new BigDecimal(value.textValue().trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static final List<String> OPERATORS = List.of("eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "exists", "not_exists",
      "contains", "matches");

  private interface Condition {
    boolean test(JsonNode row);
  }

  private static Step filter(JsonObject definition, String at) {
    JsonFields fields = JsonFields.ofBody(definition, at).onlyKnown(List.of("conditions", "match"));
    JsonArray list = fields.array("conditions", null);
    if (list.isEmpty() || list.size() > 100) {
      throw ApiError.invalidField(at + ".conditions", "must hold 1 to 100 conditions");
    }
    String match = fields.string("match", "all", 5);
    if (!match.equals("all") && !match.equals("any")) {
      throw ApiError.invalidField(at + ".match", "must be all or any, not '" + match + "'");
    }
    List<Condition> conditions = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      conditions.add(condition(list.getValue(i), at + ".conditions[" + i + "]"));
    }
    boolean all = match.equals("all");
    return row -> {
      for (Condition condition : conditions) {
        boolean holds = condition.test(row);
        if (all && !holds) {
          return null;
        }
        if (!all && holds) {
          return row;
        }
      }
      return all ? row : null;
    };
  }

  private static Condition condition(Object raw, String at) {
    if (!(raw instanceof JsonObject object)) {
      throw ApiError.invalidField(at, "must be {field, operator, value}");
    }
    JsonFields fields = JsonFields.ofBody(object, at).onlyKnown(List.of("field", "operator", "value"));
    String field = fields.string("field", null, 500);
    String problem = Rows.pathProblem(field);
    if (problem != null) {
      throw ApiError.invalidField(at + ".field", problem);
    }
    String operator = fields.string("operator", null, 20);
    if (!OPERATORS.contains(operator)) {
      throw ApiError.invalidField(at + ".operator", "must be one of " + String.join(", ", OPERATORS));
    }
    String[] path = Rows.path(field);
    Object value = object.getValue("value");
    switch (operator) {
      case "exists":
      case "not_exists": {
        if (value != null) {
          throw ApiError.invalidField(at + ".value", "takes no value with " + operator);
        }
        boolean wanted = operator.equals("exists");
        return row -> {
          JsonNode found = Rows.get(row, path);
          return (found != null && !found.isNull()) == wanted;
        };
      }
      case "in":
      case "not_in": {
        if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > 10_000) {
          throw ApiError.invalidField(at + ".value", "must be a list of 1 to 10000 values with " + operator);
        }
        List<JsonNode> options = new ArrayList<>();
        array.forEach(option -> options.add(Rows.fromVertx(option)));
        boolean wanted = operator.equals("in");
        return row -> {
          JsonNode found = Rows.get(row, path);
          boolean member = found != null && options.stream().anyMatch(option -> compare(found, option) == 0);
          return member == wanted;
        };
      }
      case "matches": {
        if (!(value instanceof String regex) || regex.length() > 500) {
          throw ApiError.invalidField(at + ".value", "must be a regular expression of at most 500 characters");
        }
        Pattern pattern;
        try {
          pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
          throw ApiError.invalidField(at + ".value", "is not a valid regular expression: " + e.getDescription());
        }
        return row -> {
          JsonNode found = Rows.get(row, path);
          return found != null && found.isValueNode() && !found.isNull() && pattern.matcher(found.asText()).find();
        };
      }
      case "contains": {
        if (!(value instanceof String) && !(value instanceof Number) && !(value instanceof Boolean)) {
          throw ApiError.invalidField(at + ".value", "must be a string, number or boolean with contains");
        }
        JsonNode wanted = Rows.fromVertx(value);
        return row -> {
          JsonNode found = Rows.get(row, path);
          if (found == null) {
            return false;
          }
          if (found.isArray()) {
            for (JsonNode element : found) {
              if (compare(element, wanted) == 0) {
                return true;
              }
            }
            return false;
          }
          return found.isTextual() && found.textValue().contains(wanted.asText());
        };
      }
      default: {
        if (value == null || value instanceof JsonObject || value instanceof JsonArray) {
          throw ApiError.invalidField(at + ".value", "must be a string, number, boolean or null with " + operator);
        }
        JsonNode wanted = Rows.fromVertx(value);
        return row -> {
          JsonNode found = Rows.get(row, path);
          if (found == null) {
            return operator.equals("ne");
          }
          Integer order = compare(found, wanted);
          return switch (operator) {
            case "eq" -> order != null && order == 0;
            case "ne" -> order == null || order != 0;
            case "gt" -> order != null && order > 0;
            case "gte" -> order != null && order >= 0;
            case "lt" -> order != null && order < 0;
            default -> order != null && order <= 0;
          };
        };
      }
    }
  }

  /** Numbers compare exactly as decimals, strings as text, booleans and nulls by equality; null when not comparable. */
  private static Integer compare(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue());
    }
    if (a.isTextual() && b.isTextual()) {
      return a.textValue().compareTo(b.textValue());
    }
    if ((a.isBoolean() && b.isBoolean()) || (a.isNull() && b.isNull())) {
      return a.equals(b) ? 0 : null;
    }
    return null;
  }

  private static Step redact(JsonObject definition, String at) {
    JsonFields fields = JsonFields.ofBody(definition, at).onlyKnown(List.of("fields", "salt"));
    JsonObject list = fields.object("fields", null);
    if (list.isEmpty()) {
      throw ApiError.invalidField(at + ".fields", "must name at least one field");
    }
    String salt = fields.string("salt", "", 200);
    Map<String[], String> actions = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : list) {
      String problem = Rows.pathProblem(entry.getKey());
      if (problem != null) {
        throw ApiError.invalidField(at + ".fields", "path " + problem);
      }
      if (!(entry.getValue() instanceof String action) || !List.of("drop", "mask", "hash").contains(action)) {
        throw ApiError.invalidField(at + ".fields." + entry.getKey(), "must be drop, mask or hash");
      }
      actions.put(Rows.path(entry.getKey()), action);
    }
    byte[] saltBytes = salt.getBytes(StandardCharsets.UTF_8);
    return row -> {
      for (Map.Entry<String[], String> entry : actions.entrySet()) {
        JsonNode value = Rows.get(row, entry.getKey());
        if (value == null || value.isNull()) {
          continue;
        }
        switch (entry.getValue()) {
          case "drop" -> Rows.remove(row, entry.getKey());
          case "mask" -> Rows.set(row, entry.getKey(), TextNode.valueOf("****"));
          default -> Rows.set(row, entry.getKey(), TextNode.valueOf("sha256:" + sha256(saltBytes,
              value.isTextual() ? value.textValue() : value.toString())));
        }
      }
      return row;
    };
  }

  private static String sha256(byte[] salt, String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(salt);
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
