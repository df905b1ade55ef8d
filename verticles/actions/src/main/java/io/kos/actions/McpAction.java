package io.kos.actions;

import io.kos.verticle.JsonFields;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * An {@code mcp} action's config: call {@code tool_name} with the rendered {@code arguments} on the
 * server at {@code server_url}, or on the agent's own MCP endpoint ({@code resolve_endpoint}).
 *
 * @param verifyFileHash     fetch the event's file_uri and compare it with its file_hash first
 * @param includeFileContent pass the verified file as {@code {{file_content}}}
 */
record McpAction(String serverUrl, boolean resolveEndpoint, String toolName, JsonObject arguments, int timeoutMs,
                 boolean verifyFileHash, boolean includeFileContent) {

  static final List<String> FIELDS = List.of("server_url", "resolve_endpoint", "tool_name", "arguments", "timeout_ms",
      "verify_file_hash", "include_file_content");

  static McpAction parse(JsonObject config, String path) {
    JsonFields fields = JsonFields.ofBody(config, path).onlyKnown(FIELDS);
    String url = fields.string("server_url", "", 2000);
    boolean resolve = fields.bool("resolve_endpoint", false);
    if (url.isEmpty() == !resolve) {
      throw fields.invalid(resolve ? "server_url" : "resolve_endpoint",
          "give exactly one of server_url and resolve_endpoint: true");
    }
    if (!url.isEmpty()) {
      String problem = OutboundHttp.urlProblem(url);
      if (problem != null) {
        throw fields.invalid("server_url", problem);
      }
    }
    String tool = fields.string("tool_name", null, 128);
    if (tool.isBlank()) {
      throw fields.invalid("tool_name", "must not be empty");
    }
    boolean verify = fields.bool("verify_file_hash", false);
    boolean include = fields.bool("include_file_content", false);
    if (include && !verify) {
      throw fields.invalid("include_file_content", "needs verify_file_hash: true (only a verified file is passed on)");
    }
    JsonObject arguments = fields.object("arguments", new JsonObject());
    Template.check(arguments, path + ".arguments", include);
    return new McpAction(url.isEmpty() ? null : url, resolve, tool, arguments, fields.intValue("timeout_ms", 30_000, 1000, 300_000),
        verify, include);
  }
}
