package io.kos.actions;

import io.kos.verticle.ApiError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TemplateTest {

  private static final String HOSTILE = TelegramTest.HOSTILE + "\u0000\t\r\n\"}]";

  private static Map<String, Object> values() {
    Map<String, Object> values = new HashMap<>();
    values.put("token_uri", HOSTILE);
    values.put("score", 87);
    values.put("agent_id", "42");
    return values;
  }

  @Test
  void unknownVariablesAreRefusedWithTheirField() {
    assertThatThrownBy(() -> Template.check(new JsonObject().put("a", new JsonArray().add("x {{ agentid }}")), "config.body", false))
        .isInstanceOf(ApiError.class).hasMessageContaining("config.body.a[0]").hasMessageContaining("{{agentid}}");
    Template.check("{{ agent_id }} {{trigger_name}} {{timestamp}} {{tag1}} {{value_decimals}}", "t", false);
    Template.check("{{file_content}}", "t", true);
    assertThatThrownBy(() -> Template.check("{{file_content}}", "t", false)).hasMessageContaining("include_file_content");
  }

  @Test
  void jsonRenderingCannotBreakOutOfAString() {
    Object rendered = Template.renderJson(new JsonObject().put("text", "uri: {{token_uri}}").put("score", "{{score}}")
        .put("list", new JsonArray().add("{{ agent_id }}").add(5)), values());
    JsonObject decoded = new JsonObject(((JsonObject) rendered).encode());
    assertThat(decoded.fieldNames()).containsExactlyInAnyOrder("text", "score", "list");
    assertThat(decoded.getString("text")).isEqualTo("uri: " + HOSTILE);
    assertThat(decoded.getInteger("score")).isEqualTo(87);
    assertThat(decoded.getJsonArray("list")).containsExactly("42", 5);
  }

  @Test
  void markdownV2AndHtmlEscapesSurviveTelegramsParsers() {
    String markdown = Template.render("*{{agent_id}}* {{token_uri}}", values(), Template.Escape.MARKDOWN_V2);
    assertThat(TelegramFake.markdownV2(markdown)).isEqualTo("42 " + HOSTILE);
    String html = Template.render("<b>{{agent_id}}</b> {{token_uri}}", values(), Template.Escape.HTML);
    assertThat(TelegramFake.html(html)).isEqualTo("42 " + HOSTILE);
  }

  @Test
  void urlAndHeaderValuesCannotChangeTheRequest() {
    assertThat(Template.render("https://x/{{token_uri}}", Map.of("token_uri", "a/../b?c=d#e f"), Template.Escape.URL))
        .isEqualTo("https://x/a%2F..%2Fb%3Fc%3Dd%23e%20f");
    assertThat(Template.render("v {{token_uri}}", Map.of("token_uri", "x\r\nInjected: yes"), Template.Escape.HEADER))
        .isEqualTo("v x  Injected: yes");
    assertThat(Template.render("{{missing}}!", Map.of(), Template.Escape.NONE)).isEqualTo("!");
  }
}
