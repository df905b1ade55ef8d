package io.kos.actions;

import io.kos.node.testkit.NpmTools;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The Node.js peers of the actions tests (src/test/receivers, installed by {@link NpmTools}): an
 * MCP server built with the official TypeScript SDK, and the Standard Webhooks reference verifier.
 */
final class NodePeers {

  private static final List<String> FILES = List.of("package.json", "package-lock.json", "mcp-server.mjs", "verify-webhooks.mjs");

  private NodePeers() {
  }

  static Path install() throws Exception {
    return NpmTools.install("receivers", FILES, "@modelcontextprotocol/sdk");
  }

  /** The MCP server, on a free port of 127.0.0.1. */
  static final class McpServer implements AutoCloseable {

    private final Process process;
    private final int port;

    private McpServer(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static McpServer start() throws Exception {
      Path dir = install();
      Process process = new ProcessBuilder("node", "mcp-server.mjs", "0").directory(dir.toFile()).redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      if (line == null || !line.startsWith("listening ")) {
        process.destroyForcibly();
        throw new IllegalStateException("the MCP server did not start: " + line);
      }
      Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "mcp-server-output");
      drain.setDaemon(true);
      drain.start();
      return new McpServer(process, Integer.parseInt(line.substring("listening ".length()).trim()));
    }

    /** {@code /mcp} answers requests as SSE, {@code /mcp-json} as JSON. */
    String url(String path) {
      return "http://127.0.0.1:" + port + path;
    }

    /** What the tools received so far. */
    JsonArray calls() throws Exception {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url("/calls"))).build(),
          HttpResponse.BodyHandlers.ofString());
      return new JsonArray(response.body());
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  /** Each delivery checked by the {@code standardwebhooks} npm package: {@code [{id, ok, error}]}. */
  static JsonArray verifyWebhooks(String secret, List<Receiver.Request> deliveries) throws Exception {
    JsonArray input = new JsonArray();
    for (Receiver.Request delivery : deliveries) {
      input.add(new JsonObject().put("secret", secret).put("payload", delivery.body()).put("headers", new JsonObject()
          .put("webhook-id", delivery.header("webhook-id")).put("webhook-timestamp", delivery.header("webhook-timestamp"))
          .put("webhook-signature", delivery.header("webhook-signature"))));
    }
    String output = NpmTools.run(install(), List.of("node", "verify-webhooks.mjs"), input.encode(), Duration.ofMinutes(1));
    return new JsonArray(output.trim());
  }
}
