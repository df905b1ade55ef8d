package io.kos.actions;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MCP delivery against a real MCP server built with the official TypeScript SDK: tools called with
 * the rendered arguments over SSE and JSON answers, a tool error and a JSON-RPC error told apart,
 * resolve_endpoint from v1 and v0.4 registration files, verify_file_hash, the agent's bearer token.
 */
class McpTest {

  private static final long CHAIN = 31337;
  private static NodePeers.McpServer mcp;
  private static Receiver files;
  private static TestNode node;
  private static Accounts.Session alice;
  private static Http producer;
  private static int block = 1;

  @BeforeAll
  static void start() throws Exception {
    mcp = NodePeers.McpServer.start();
    files = Receiver.start();
    node = ActionsNode.start();
    alice = node.user("alice", "editor");
    producer = node.http().withApiKey(Accounts.apiKey(node.user("producer", "editor"), "producer"));
  }

  @AfterAll
  static void stop() {
    node.close();
    files.close();
    mcp.close();
  }


  private static JsonObject call(JsonObject config, JsonObject event) throws Exception {
    return ActionsNode.deliver(node, alice, "mcp", config, event);
  }

  private static List<JsonObject> callsWith(String message) throws Exception {
    return mcp.calls().stream().map(JsonObject.class::cast)
        .filter(c -> c.getJsonObject("args") != null && message.equals(c.getJsonObject("args").getString("message"))).toList();
  }

  @Test
  void aToolIsCalledWithTheRenderedArgumentsOverSseAndJson() throws Exception {
    for (String path : List.of("/mcp", "/mcp-json")) {
      String tag = "over " + path + " " + UUID.randomUUID();
      JsonObject config = new JsonObject().put("server_url", mcp.url(path)).put("tool_name", "record")
          .put("arguments", new JsonObject().put("message", tag).put("agent_id", "agent {{agent_id}}").put("score", "{{score}}"));
      JsonObject job = call(config, ActionsNode.event("5"));
      assertThat(job.getString("status")).as(job.encode()).isEqualTo("succeeded");
      List<JsonObject> calls = callsWith(tag);
      assertThat(calls).hasSize(1);
      assertThat(calls.get(0).getJsonObject("args").getString("agent_id")).isEqualTo("agent 5");
      assertThat(calls.get(0).getJsonObject("args").getInteger("score")).isEqualTo(87);
      assertThat(calls.get(0).getString("session")).isNotNull();
      assertThat(job.getJsonArray("attempts_made").getJsonObject(0).getJsonObject("response_data").getJsonObject("result")
          .getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("recorded");
    }
  }

  @Test
  void aToolErrorAndAJsonRpcErrorAreToldApart() throws Exception {
    JsonObject toolError = call(new JsonObject().put("server_url", mcp.url("/mcp")).put("tool_name", "fail"), ActionsNode.event("6"));
    assertThat(toolError.getString("status")).isEqualTo("failed");
    assertThat(toolError.getString("last_error")).contains("the tool fail answered an error: the tool refused");
    assertThat(toolError.getJsonArray("attempts_made").getJsonObject(0).getJsonObject("response_data").getJsonObject("result")
        .getBoolean("isError")).isTrue();
    JsonObject rpcError = call(new JsonObject().put("server_url", mcp.url("/mcp-strict")).put("tool_name", "no_such_tool"), ActionsNode.event("6"));
    assertThat(rpcError.getString("status")).isEqualTo("failed");
    assertThat(rpcError.getString("last_error")).contains("JSON-RPC error -32602").contains("Unknown tool: no_such_tool");
    assertThat(rpcError.getJsonArray("attempts_made").getJsonObject(0).getJsonObject("response_data").getInteger("jsonrpc_error")).isNotNull();
    assertThat(rpcError.getJsonArray("attempts_made")).hasSize(1);
  }

  @Test
  void resolveEndpointReadsV1AndV04RegistrationFiles() throws Exception {
    files.responder = request -> request.path().equals("/agents/100.json")
        ? new Receiver.Reply(200, Map.of("content-type", "application/json"), new JsonObject()
            .put("type", "https://eips.ethereum.org/EIPS/eip-8004#registration-v1").put("name", "agent 100")
            .put("services", new JsonArray().add(new JsonObject().put("name", "A2A").put("endpoint", "https://a2a.example/"))
                .add(new JsonObject().put("name", "MCP").put("endpoint", mcp.url("/mcp")).put("version", "2025-06-18"))).encode(), 0)
        : Receiver.Reply.status(404);
    register("100", files.url("/agents/100.json"));
    String v04 = new JsonObject().put("name", "agent 101").put("endpoints", new JsonArray()
        .add(new JsonObject().put("name", "MCP").put("endpoint", mcp.url("/mcp-json")))).encode();
    register("101", "data:application/json;base64," + Base64.getEncoder().encodeToString(v04.getBytes(StandardCharsets.UTF_8)));
    for (String agent : List.of("100", "101")) {
      String tag = "resolved " + agent + " " + UUID.randomUUID();
      JsonObject job = call(new JsonObject().put("resolve_endpoint", true).put("tool_name", "record")
          .put("arguments", new JsonObject().put("message", tag)), ActionsNode.event(agent).put("chain_id", CHAIN));
      assertThat(job.getString("status")).as(job.encode()).isEqualTo("succeeded");
      assertThat(callsWith(tag)).hasSize(1);
    }
    JsonObject unknown = call(new JsonObject().put("resolve_endpoint", true).put("tool_name", "record")
        .put("arguments", new JsonObject().put("message", "x")), ActionsNode.event("999").put("chain_id", CHAIN));
    assertThat(unknown.getString("status")).isEqualTo("failed");
    assertThat(unknown.getString("last_error")).contains("knows no agent 999");
  }

  @Test
  void verifyFileHashCallsOnlyWhenTheFileMatches() throws Exception {
    String content = "{\"feedback\":\"great agent\",\"score\":87}";
    String keccak = "0x" + HexFormat.of().formatHex(RemoteFiles.keccak256(content.getBytes(StandardCharsets.UTF_8)));
    files.responder = request -> request.path().equals("/feedback.json") ? new Receiver.Reply(200, Map.of(), content, 0) : Receiver.Reply.status(404);
    String tag = "verified " + UUID.randomUUID();
    JsonObject good = call(new JsonObject().put("server_url", mcp.url("/mcp")).put("tool_name", "record").put("verify_file_hash", true)
        .put("include_file_content", true).put("arguments", new JsonObject().put("message", tag).put("file", "{{file_content}}")),
        ActionsNode.event("7").put("file_uri", files.url("/feedback.json")).put("file_hash", keccak));
    assertThat(good.getString("status")).as(good.encode()).isEqualTo("succeeded");
    assertThat(callsWith(tag).get(0).getJsonObject("args").getString("file")).isEqualTo(content);

    String wrongTag = "mismatch " + UUID.randomUUID();
    JsonObject bad = call(new JsonObject().put("server_url", mcp.url("/mcp")).put("tool_name", "record").put("verify_file_hash", true)
        .put("arguments", new JsonObject().put("message", wrongTag)),
        ActionsNode.event("7").put("file_uri", files.url("/feedback.json")).put("file_hash", "0x" + "ab".repeat(32)));
    assertThat(bad.getString("status")).isEqualTo("failed");
    assertThat(bad.getString("last_error")).contains("does not hash to");
    assertThat(bad.getJsonArray("attempts_made")).hasSize(1);
    assertThat(callsWith(wrongTag)).isEmpty();
  }

  @Test
  void theAgentsTokenIsSentAsBearer() throws Exception {
    Accounts.Session admin = node.admin();
    assertThat(admin.http().putJson("/api/actions/v1/mcp-tokens/31337/55", new JsonObject().put("token", "secret-token-55")).status())
        .isEqualTo(201);
    String tag = "bearer " + UUID.randomUUID();
    JsonObject job = call(new JsonObject().put("server_url", mcp.url("/mcp")).put("tool_name", "record")
        .put("arguments", new JsonObject().put("message", tag)), ActionsNode.event("55").put("chain_id", CHAIN));
    assertThat(job.getString("status")).isEqualTo("succeeded");
    assertThat(callsWith(tag).get(0).getString("authorization")).isEqualTo("Bearer secret-token-55");
    try (var db = node.jdbc(); var sql = db.createStatement();
         var rows = sql.executeQuery("SELECT token_sealed FROM actions.agent_mcp_tokens WHERE agent_id = 55")) {
      rows.next();
      assertThat(rows.getString(1)).startsWith("v1.").doesNotContain("secret-token-55");
    }
  }

  private static void register(String agentId, String tokenUri) {
    int b = block++;
    JsonObject event = new JsonObject().put("chain_id", CHAIN).put("block_number", b).put("block_hash", hash(1000 + b))
        .put("transaction_hash", hash(2000 + b)).put("log_index", 0).put("timestamp", System.currentTimeMillis() / 1000 - 60)
        .put("registry", "identity").put("event_type", "Registered").put("agent_id", agentId)
        .put("owner", "0x00000000000000000000000000000000000000a1").put("token_uri", tokenUri);
    Http.Response pushed = producer.postJson("/api/ingest/v1/events", new JsonObject().put("events", new JsonArray().add(event)));
    assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
  }

  private static String hash(long n) {
    return "0x" + String.format("%064x", n);
  }

}
