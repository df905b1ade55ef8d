package io.kos.tohunga;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kos.verticle.ApiError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.kos.tohunga.TohungaNode.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each step module with valid and bad definitions, applied to records. */
class StepsTest {

  private static Step only(JsonObject step) {
    return Steps.plan(new JsonArray().add(step), "http_api").steps().get(0).step();
  }

  private static ObjectNode row(String json) {
    try {
      return (ObjectNode) Rows.MAPPER.readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void refused(JsonObject step, String field, String message) {
    assertThatThrownBy(() -> Steps.plan(new JsonArray().add(step), "http_api")).isInstanceOf(ApiError.class)
        .satisfies(e -> {
          JsonObject error = ((ApiError) e).toJson();
          assertThat(error.getString("field")).as(error.encode()).isEqualTo(field);
          assertThat(error.getString("message")).contains(message);
        });
  }

  @Test
  void jsonSchemaDraft2020AndDraft7() throws Exception {
    Step modern = only(step("v", "validation", "json_schema", new JsonObject().put("schema", new JsonObject()
        .put("type", "object").put("properties", new JsonObject().put("n", new JsonObject().put("type", "integer").put("minimum", 1))))));
    assertThat(modern.apply(row("{\"n\":2}"))).isNotNull();
    assertThatThrownBy(() -> modern.apply(row("{\"n\":0}"))).isInstanceOf(Step.Rejected.class).hasMessageContaining("/n");
    Step seven = only(step("v", "validation", "json_schema", new JsonObject().put("schema", new JsonObject()
        .put("$schema", "http://json-schema.org/draft-07/schema#").put("required", new JsonArray().add("id")))));
    assertThatThrownBy(() -> seven.apply(row("{}"))).isInstanceOf(Step.Rejected.class).hasMessageContaining("id");
    refused(step("v", "validation", "json_schema", new JsonObject().put("schema", new JsonObject().put("$schema", "https://example.org/mine"))),
        "pipeline_steps[0].definition.schema.$schema", "must be");
    refused(step("v", "validation", "json_schema", new JsonObject().put("schema", new JsonObject().put("minimum", "one"))),
        "pipeline_steps[0].definition.schema", "not a valid JSON Schema");
    refused(step("v", "validation", "json_schema", new JsonObject()), "pipeline_steps[0].definition.schema", "required");
    refused(step("v", "validation", "json_schema", new JsonObject().put("schema", new JsonObject()).put("other", 1)),
        "pipeline_steps[0].definition.other", "unknown field");
  }

  @Test
  void aRemoteRefIsNeverFetched() {
    refused(step("v", "validation", "json_schema", new JsonObject().put("schema", new JsonObject().put("$ref", "http://127.0.0.1:1/schema.json"))),
        "pipeline_steps[0].definition.schema", "cannot be used");
  }

  @Test
  void fieldMappingMovesCastsKeepsAndDrops() throws Exception {
    Step mapping = only(step("m", "transformation", "field_mapping", new JsonObject()
        .put("map", new JsonObject().put("actor.login", "user").put("n", "count").put("deep", "out.inner"))
        .put("casts", new JsonObject().put("count", "integer"))));
    assertThat(mapping.apply(row("{\"actor\":{\"login\":\"ann\"},\"n\":\"42\",\"deep\":true,\"x\":1}")).toString())
        .isEqualTo("{\"user\":\"ann\",\"count\":42,\"out\":{\"inner\":true}}");
    assertThatThrownBy(() -> mapping.apply(row("{\"n\":\"4.5\"}"))).isInstanceOf(Step.Rejected.class).hasMessageContaining("count: cannot cast");
    Step keep = only(step("m", "transformation", "field_mapping", new JsonObject().put("map", new JsonObject().put("a", "b"))
        .put("unmapped", "keep").put("casts", new JsonObject().put("b", "boolean"))));
    assertThat(keep.apply(row("{\"a\":\"yes\",\"c\":3}")).toString()).isEqualTo("{\"c\":3,\"b\":true}");
    for (String cast : List.of("string", "number")) {
      Step number = only(step("m", "transformation", "field_mapping", new JsonObject().put("map", new JsonObject().put("a", "a"))
          .put("casts", new JsonObject().put("a", cast))));
      assertThat(number.apply(row("{\"a\":12.50}")).get("a").asText()).isEqualTo("12.50");
    }
    refused(step("m", "transformation", "field_mapping", new JsonObject().put("map", new JsonObject())), "pipeline_steps[0].definition.map", "at least one");
    refused(step("m", "transformation", "field_mapping", new JsonObject().put("map", new JsonObject().put("a..b", "c"))),
        "pipeline_steps[0].definition.map", "empty segment");
    refused(step("m", "transformation", "field_mapping", new JsonObject().put("map", new JsonObject().put("a", "c").put("b", "c"))),
        "pipeline_steps[0].definition.map.b", "another mapping");
    refused(step("m", "transformation", "field_mapping", new JsonObject().put("map", new JsonObject().put("a", 1))),
        "pipeline_steps[0].definition.map.a", "output field");
    refused(step("m", "transformation", "field_mapping", new JsonObject().put("map", new JsonObject().put("a", "b")).put("unmapped", "hide")),
        "pipeline_steps[0].definition.unmapped", "drop or keep");
    refused(step("m", "transformation", "field_mapping", new JsonObject().put("map", new JsonObject().put("a", "b"))
        .put("casts", new JsonObject().put("z", "string"))), "pipeline_steps[0].definition.casts.z", "no output field");
    refused(step("m", "transformation", "field_mapping", new JsonObject().put("map", new JsonObject().put("a", "b"))
        .put("casts", new JsonObject().put("b", "date"))), "pipeline_steps[0].definition.casts.b", "one of");
  }

  private static boolean passes(String field, String operator, Object value, String json) throws Exception {
    JsonObject condition = new JsonObject().put("field", field).put("operator", operator);
    if (value != null) {
      condition.put("value", value);
    }
    return only(step("f", "transformation", "filter", new JsonObject().put("conditions", new JsonArray().add(condition)))).apply(row(json)) != null;
  }

  @Test
  void filterOperatorsCompareExactly() throws Exception {
    assertThat(passes("a", "eq", 1, "{\"a\":1.0}")).isTrue();
    assertThat(passes("a", "eq", "x", "{\"a\":\"x\"}")).isTrue();
    assertThat(passes("a", "ne", 1, "{\"a\":2}")).isTrue();
    assertThat(passes("a", "ne", 1, "{}")).isTrue();
    assertThat(passes("a", "gt", 0.1, "{\"a\":0.10000000000000001}")).isTrue();
    assertThat(passes("a", "gte", 5, "{\"a\":5}")).isTrue();
    assertThat(passes("a", "lt", 5, "{\"a\":\"4\"}")).isFalse();
    assertThat(passes("a", "lte", "b", "{\"a\":\"a\"}")).isTrue();
    assertThat(passes("a.b", "in", new JsonArray().add(1).add(2), "{\"a\":{\"b\":2}}")).isTrue();
    assertThat(passes("a", "not_in", new JsonArray().add(1), "{\"a\":2}")).isTrue();
    assertThat(passes("a", "exists", null, "{\"a\":null}")).isFalse();
    assertThat(passes("a", "not_exists", null, "{}")).isTrue();
    assertThat(passes("tags", "contains", "x", "{\"tags\":[\"y\",\"x\"]}")).isTrue();
    assertThat(passes("s", "contains", "ell", "{\"s\":\"hello\"}")).isTrue();
    assertThat(passes("s", "matches", "^h.*o$", "{\"s\":\"hello\"}")).isTrue();
    Step any = only(step("f", "transformation", "filter", new JsonObject().put("match", "any").put("conditions", new JsonArray()
        .add(new JsonObject().put("field", "a").put("operator", "eq").put("value", 1))
        .add(new JsonObject().put("field", "b").put("operator", "eq").put("value", 1)))));
    assertThat(any.apply(row("{\"b\":1}"))).isNotNull();
    assertThat(any.apply(row("{\"c\":1}"))).isNull();
    refused(step("f", "transformation", "filter", new JsonObject().put("conditions", new JsonArray().add(new JsonObject().put("field", "a")
        .put("operator", "matches").put("value", "(")))), "pipeline_steps[0].definition.conditions[0].value", "regular expression");
    refused(step("f", "transformation", "filter", new JsonObject().put("conditions", new JsonArray().add(new JsonObject().put("field", "a")
        .put("operator", "in").put("value", 1)))), "pipeline_steps[0].definition.conditions[0].value", "list");
    refused(step("f", "transformation", "filter", new JsonObject().put("conditions", new JsonArray().add(new JsonObject().put("field", "a")
        .put("operator", "exists").put("value", 1)))), "pipeline_steps[0].definition.conditions[0].value", "takes no value");
    refused(step("f", "transformation", "filter", new JsonObject().put("conditions", new JsonArray().add(new JsonObject().put("field", "a")
        .put("operator", "eq").put("value", new JsonObject())))), "pipeline_steps[0].definition.conditions[0].value", "string, number");
    refused(step("f", "transformation", "filter", new JsonObject().put("match", "some").put("conditions", new JsonArray()
        .add(new JsonObject().put("field", "a").put("operator", "exists")))), "pipeline_steps[0].definition.match", "all or any");
    refused(step("f", "transformation", "filter", new JsonObject().put("conditions", new JsonArray().add("a = 1"))),
        "pipeline_steps[0].definition.conditions[0]", "field, operator");
  }

  @Test
  void redactDropsMasksAndHashes() throws Exception {
    Step redact = only(step("r", "transformation", "redact", new JsonObject().put("salt", "pepper")
        .put("fields", new JsonObject().put("a", "drop").put("b.c", "mask").put("d", "hash").put("missing", "drop"))));
    ObjectNode out = redact.apply(row("{\"a\":1,\"b\":{\"c\":\"secret\"},\"d\":\"me@example.org\"}"));
    assertThat(out.has("a")).isFalse();
    assertThat(out.get("b").get("c").asText()).isEqualTo("****");
    assertThat(out.get("d").asText()).startsWith("sha256:").hasSize(71)
        .isEqualTo(redact.apply(row("{\"d\":\"me@example.org\"}")).get("d").asText());
    refused(step("r", "transformation", "redact", new JsonObject().put("fields", new JsonObject().put("a", "encrypt"))),
        "pipeline_steps[0].definition.fields.a", "drop, mask or hash");
    refused(step("r", "transformation", "redact", new JsonObject().put("fields", new JsonObject())), "pipeline_steps[0].definition.fields", "at least one");
  }

  @Test
  void stepShapesAndFormatConversion() {
    refused(new JsonObject().put("step_type", "validation").put("step_module", "json_schema").put("definition", new JsonObject())
        .put("when", "always"), "pipeline_steps[0].when", "unknown field");
    refused(step("v", "validation", "json_schema", new JsonObject().put("schema", new JsonObject())).put("on_invalid", "ignore"),
        "pipeline_steps[0].on_invalid", "fail_job, skip_row or dead_letter");
    assertThat(Steps.plan(new JsonArray().add(step("v", "validation", "validation/json_schema", new JsonObject().put("schema", new JsonObject()))),
        "http_api").steps()).hasSize(1);
    assertThatThrownBy(() -> Steps.plan(new JsonArray().add(step("a", "transformation", "redact", new JsonObject().put("fields",
        new JsonObject().put("x", "drop")))).add(step("a", "transformation", "redact", new JsonObject().put("fields",
        new JsonObject().put("x", "drop")))), "http_api")).hasMessageContaining("used by an earlier step");
    assertThat(Steps.plan(new JsonArray().add(step("in", "transformation", "format_conversion", new JsonObject().put("from", "csv")
        .put("delimiter", ";").put("header", false))), "http_api").input()).isEqualTo(new InputFormat("csv", ';', false));
    refused(step("in", "transformation", "format_conversion", new JsonObject().put("from", "yaml")), "pipeline_steps[0].definition.from", "must be");
    refused(step("in", "transformation", "format_conversion", new JsonObject().put("from", "csv").put("to", "xml")),
        "pipeline_steps[0].definition.to", "must be json");
    refused(step("in", "transformation", "format_conversion", new JsonObject().put("from", "xml").put("delimiter", ";")),
        "pipeline_steps[0].definition.delimiter", "only with from: csv");
  }
}
