package io.kos.actions;

import io.kos.verticle.ApiError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code {{variable}}} templates over a fixed list of variables: every column the event log
 * publishes (both spec versions) and the trigger's name and id. A variable outside the list is
 * refused when the action is written. Values are escaped for where they land ({@link Escape}); in a
 * JSON template every string is rendered and the tree encoded afterwards, so no value can break out
 * of its string, and a string that is exactly one variable becomes the value itself (a number stays
 * a number).
 */
final class Template {

  /** The event's fields as ingest publishes them (docs/ingest.md), {@code timestamp} rendered as UTC ISO-8601. */
  static final List<String> EVENT_VARIABLES = List.of("seq", "id", "chain_id", "block_number", "block_hash", "transaction_hash",
      "log_index", "timestamp", "timestamp_unix", "registry", "event_type", "spec_version", "agent_id", "owner", "previous_owner",
      "token_uri", "updated_by", "metadata_key", "metadata_value", "client_address", "score", "value", "value_decimals",
      "value_decimal", "feedback_index", "tag1", "tag2", "tag", "tag1_hex", "tag2_hex", "tag_hex", "endpoint", "file_uri",
      "file_hash", "responder", "response_uri", "response_hash", "validator_address", "request_uri", "request_hash", "response");
  static final List<String> JOB_VARIABLES = List.of("trigger_name", "trigger_id", "action_id", "job_id", "idempotency_key");
  /** Only where the MCP action fetched and verified the event's file ({@code include_file_content}). */
  static final String FILE_CONTENT = "file_content";
  static final Set<String> VARIABLES = variables();

  private static final Pattern VARIABLE = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_]+)\\s*}}");

  private Template() {
  }

  /** How a value is written into its context. */
  enum Escape {
    NONE(UnaryOperator.identity()),
    /** Telegram MarkdownV2: every reserved character preceded by a backslash. */
    MARKDOWN_V2(Template::markdownV2),
    /** Telegram HTML: the four characters its parser reads. */
    HTML(Template::html),
    /** A URL: the value percent-encoded, so it cannot add a path, a query or a host. */
    URL(value -> URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20")),
    /** A header value: no line breaks or other controls. */
    HEADER(value -> value.replaceAll("[\\p{Cntrl}]", " "));

    private final UnaryOperator<String> escaper;

    Escape(UnaryOperator<String> escaper) {
      this.escaper = escaper;
    }

    String apply(String value) {
      return escaper.apply(value);
    }
  }

  /** Refuses an unknown variable anywhere in a template value (a string or a JSON tree), naming the field. */
  static void check(Object template, String field, boolean fileContent) {
    if (template instanceof String text) {
      Matcher matcher = VARIABLE.matcher(text);
      while (matcher.find()) {
        String name = matcher.group(1);
        if (!VARIABLES.contains(name) && !(fileContent && name.equals(FILE_CONTENT))) {
          throw ApiError.invalidField(field, "unknown template variable {{" + name + "}}"
              + (name.equals(FILE_CONTENT) ? " (only with include_file_content: true)" : "") + "; known: " + String.join(", ", VARIABLES));
        }
      }
    } else if (template instanceof JsonObject object) {
      object.forEach(entry -> check(entry.getValue(), field + "." + entry.getKey(), fileContent));
    } else if (template instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        check(array.getValue(i), field + "[" + i + "]", fileContent);
      }
    }
  }

  /** The text with each variable's value escaped; a missing value renders empty. */
  static String render(String template, Map<String, Object> values, Escape escape) {
    Matcher matcher = VARIABLE.matcher(template);
    StringBuilder out = new StringBuilder(template.length() + 32);
    while (matcher.find()) {
      Object value = values.get(matcher.group(1));
      matcher.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : escape.apply(String.valueOf(value))));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  /** The text with every variable replaced by a plain word: what a URL template looks like rendered, for checking its form. */
  static String withPlaceholders(String template) {
    return VARIABLE.matcher(template).replaceAll("x");
  }

  /** A JSON template rendered: strings rendered, a string that is one variable alone replaced by its value. */
  static Object renderJson(Object template, Map<String, Object> values) {
    if (template instanceof String text) {
      Matcher whole = VARIABLE.matcher(text);
      if (whole.matches()) {
        return values.get(whole.group(1));
      }
      return render(text, values, Escape.NONE);
    }
    if (template instanceof JsonObject object) {
      JsonObject out = new JsonObject();
      object.forEach(entry -> out.put(entry.getKey(), renderJson(entry.getValue(), values)));
      return out;
    }
    if (template instanceof JsonArray array) {
      List<Object> out = new ArrayList<>(array.size());
      array.forEach(item -> out.add(renderJson(item, values)));
      return new JsonArray(out);
    }
    return template;
  }

  private static String markdownV2(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ("_*[]()~`>#+-=|{}.!\\".indexOf(c) >= 0) {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  private static String html(String value) {
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static Set<String> variables() {
    Set<String> all = new LinkedHashSet<>(EVENT_VARIABLES);
    all.addAll(JOB_VARIABLES);
    return java.util.Collections.unmodifiableSet(all);
  }
}
