package io.kos.actions;

import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * A small MCP client over Streamable HTTP (spec 2025-03-26 and later) on the node's guarded HTTP
 * client: {@code initialize} with protocol-version negotiation, {@code notifications/initialized},
 * then {@code tools/call} in the session the server gave ({@code Mcp-Session-Id}), each answer read
 * as JSON or from an SSE stream. Not the official Java SDK: its HTTP transport connects through
 * {@code java.net.http}, where the node cannot pin the connection to the address its outbound
 * guard checked, and it runs on Reactor threads beside the event loop (docs/actions.md).
 */
final class McpClient {

  /** What we speak, newest first; the server picks (it answers ours or one it prefers). */
  static final List<String> PROTOCOL_VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26");
  private static final int MAX_MESSAGE = 1 << 20;

  private final OutboundHttp http;

  McpClient(OutboundHttp http) {
    this.http = http;
  }

  /** A JSON-RPC error answer: the server refused the request (unlike a tool result with isError). */
  static final class RpcError extends RuntimeException {

    final int code;

    RpcError(int code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  /** An HTTP status other than success on an MCP request. */
  static final class StatusError extends RuntimeException {

    final int status;
    final MultiMap headers;

    StatusError(int status, MultiMap headers, String message) {
      super(message, null, false, false);
      this.status = status;
      this.headers = headers;
    }
  }

  /** A server that does not follow the protocol (no session version we speak, a malformed answer). */
  static final class ProtocolError extends RuntimeException {

    ProtocolError(String message) {
      super(message, null, false, false);
    }
  }

  /** Calls one tool in a new session and answers its {@code result} (which may say {@code isError}). */
  Future<JsonObject> callTool(String url, String bearer, String tool, JsonObject arguments, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    Session session = new Session(url, bearer);
    JsonObject initialize = request(1, "initialize", new JsonObject().put("protocolVersion", PROTOCOL_VERSIONS.get(0))
        .put("capabilities", new JsonObject()).put("clientInfo", new JsonObject().put("name", "kos-node").put("version", "1")));
    return session.post(initialize, deadline).compose(init -> {
      JsonObject result = init.getJsonObject("result");
      String version = result == null ? null : result.getString("protocolVersion");
      if (version == null || !PROTOCOL_VERSIONS.contains(version)) {
        return Future.failedFuture(new ProtocolError("the server speaks MCP " + version + ", this node " + PROTOCOL_VERSIONS));
      }
      session.version = version;
      return session.notify(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized"), deadline);
    }).compose(v -> session.post(request(2, "tools/call", new JsonObject().put("name", tool).put("arguments", arguments)), deadline))
        .map(answer -> answer.getJsonObject("result", new JsonObject()))
        .onComplete(done -> session.close());
  }

  private static JsonObject request(int id, String method, JsonObject params) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method).put("params", params);
  }

  /** The session's headers as the server set them. */
  private final class Session {

    private final String url;
    private final String bearer;
    private String id;
    private String version;

    Session(String url, String bearer) {
      this.url = url;
      this.bearer = bearer;
    }

    private MultiMap headers() {
      MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json")
          .add("accept", "application/json, text/event-stream").add("user-agent", "kos-node");
      if (bearer != null) {
        headers.add("authorization", "Bearer " + bearer);
      }
      if (id != null) {
        headers.add("mcp-session-id", id);
      }
      if (version != null) {
        headers.add("mcp-protocol-version", version);
      }
      return headers;
    }

    /** A request: its answer with the same id (an error answer fails with {@link RpcError}). */
    Future<JsonObject> post(JsonObject message, long deadline) {
      Object requestId = message.getValue("id");
      return http.exchange(new OutboundHttp.Request(HttpMethod.POST, url, headers(), message.toBuffer(), remaining(deadline), 0, MAX_MESSAGE),
          response -> {
            if (response.statusCode() < 200 || response.statusCode() >= 300) {
              return response.body().transform(body -> Future.failedFuture(new StatusError(response.statusCode(), response.headers(),
                  "the MCP server answered HTTP " + response.statusCode() + " to " + message.getString("method"))));
            }
            String session = response.getHeader("mcp-session-id");
            if (session != null) {
              id = session;
            }
            String type = response.getHeader("content-type") == null ? "" : response.getHeader("content-type").toLowerCase(Locale.ROOT);
            Future<JsonObject> answer = type.startsWith("text/event-stream") ? fromStream(response, requestId) : fromJson(response);
            return answer.compose(json -> {
              JsonObject error = json.getJsonObject("error");
              if (error != null) {
                return Future.failedFuture(new RpcError(error.getInteger("code", 0), "the MCP server answered JSON-RPC error "
                    + error.getValue("code") + ": " + error.getString("message")));
              }
              return Future.succeededFuture(json);
            });
          });
    }

    /** A notification: the server accepts it with 202 (or any 2xx). */
    Future<Void> notify(JsonObject message, long deadline) {
      return http.send(new OutboundHttp.Request(HttpMethod.POST, url, headers(), message.toBuffer(), remaining(deadline), 0, MAX_MESSAGE))
          .compose(reply -> reply.status() >= 200 && reply.status() < 300 ? Future.succeededFuture()
              : Future.failedFuture(new StatusError(reply.status(), reply.headers(), "the MCP server answered HTTP " + reply.status()
                  + " to notifications/initialized")));
    }

    /** Ends the session politely (DELETE); the answer does not matter. */
    void close() {
      if (id != null) {
        http.send(new OutboundHttp.Request(HttpMethod.DELETE, url, headers(), null, 5000, 0, MAX_MESSAGE));
      }
    }
  }

  private static long remaining(long deadline) {
    return Math.max(1, deadline - System.currentTimeMillis());
  }

  private static Future<JsonObject> fromJson(HttpClientResponse response) {
    return response.body().compose(body -> {
      try {
        return Future.succeededFuture(body.toJsonObject());
      } catch (DecodeException | ClassCastException e) {
        return Future.failedFuture(new ProtocolError("the MCP server's answer is not a JSON-RPC message"));
      }
    });
  }

  /** Reads SSE events until the JSON-RPC answer to {@code requestId}; other messages (notifications, requests) are skipped. */
  private static Future<JsonObject> fromStream(HttpClientResponse response, Object requestId) {
    Promise<JsonObject> answer = Promise.promise();
    StringBuilder pending = new StringBuilder();
    StringBuilder data = new StringBuilder();
    int[] size = {0};
    response.handler(chunk -> {
      size[0] += chunk.length();
      if (size[0] > MAX_MESSAGE) {
        answer.tryFail(new ProtocolError("the MCP server's stream passed " + MAX_MESSAGE + " bytes without an answer"));
        response.request().reset();
        return;
      }
      pending.append(chunk.toString(StandardCharsets.UTF_8));
      int newline;
      while ((newline = pending.indexOf("\n")) >= 0) {
        String line = pending.substring(0, newline);
        pending.delete(0, newline + 1);
        if (line.endsWith("\r")) {
          line = line.substring(0, line.length() - 1);
        }
        if (line.isEmpty()) {
          JsonObject message = dispatch(data);
          if (message != null && requestId.equals(message.getValue("id")) && (message.containsKey("result") || message.containsKey("error"))) {
            answer.tryComplete(message);
            response.request().reset();
            return;
          }
        } else if (line.startsWith("data:")) {
          data.append(line.startsWith("data: ") ? line.substring(6) : line.substring(5)).append('\n');
        }
      }
    });
    response.exceptionHandler(e -> answer.tryFail(e));
    response.endHandler(v -> {
      JsonObject last = dispatch(data);
      if (last != null && requestId.equals(last.getValue("id"))) {
        answer.tryComplete(last);
      } else {
        answer.tryFail(new ProtocolError("the MCP server's stream ended without an answer"));
      }
    });
    return answer.future();
  }

  private static JsonObject dispatch(StringBuilder data) {
    if (data.length() == 0) {
      return null;
    }
    String text = data.toString();
    data.setLength(0);
    try {
      return new JsonObject(Buffer.buffer(text.trim()));
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }
}
