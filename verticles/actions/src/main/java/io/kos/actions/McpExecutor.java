package io.kos.actions;

import io.kos.ingest.api.IngestClient;
import io.kos.verticle.SecretBox;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An MCP tool call: the server from the config or the agent's registration file, the event's file
 * verified first when asked, the agent's bearer token from {@code agent_mcp_tokens}. A tool result
 * with {@code isError} and a JSON-RPC error are both final failures, told apart in the result.
 */
final class McpExecutor implements Executor {

  private static final int KEPT_RESULT_CHARS = 4000;

  private final McpClient client;
  private final RemoteFiles files;
  private final IngestClient ingest;
  private final ActionStore store;
  private final SecretBox secrets;

  McpExecutor(McpClient client, RemoteFiles files, IngestClient ingest, ActionStore store, SecretBox secrets) {
    this.client = client;
    this.files = files;
    this.ingest = ingest;
    this.store = store;
    this.secrets = secrets;
  }

  /** What the token of an agent is sealed for: it opens only in that agent's row. */
  static String tokenPurpose(long chainId, String agentId) {
    return "actions.mcp_token:" + chainId + ":" + agentId;
  }

  @Override
  public Future<Attempt> run(Job job) {
    McpAction action = McpAction.parse(job.config(), "config");
    long deadline = System.currentTimeMillis() + action.timeoutMs();
    Long chainId = job.event().getValue("chain_id") instanceof Number n ? n.longValue() : null;
    String agentId = job.event().getValue("agent_id") instanceof String s ? s : null;
    Map<String, Object> values = job.variables();
    Future<String> server = action.resolveEndpoint() ? resolve(chainId, agentId, deadline) : Future.succeededFuture(action.serverUrl());
    Future<Void> verified = action.verifyFileHash() ? verify(job, values, action.includeFileContent(), deadline) : Future.succeededFuture();
    Future<String> token = chainId == null || agentId == null ? Future.succeededFuture(null)
        : store.token(chainId, agentId).map(sealed -> sealed == null ? null : secrets.open(sealed, tokenPurpose(chainId, agentId)));
    return Future.all(server, verified, token).compose(ready -> {
      JsonObject arguments = (JsonObject) Template.renderJson(action.arguments(), values);
      return client.callTool(server.result(), token.result(), action.toolName(), arguments, remaining(deadline));
    }).map(result -> {
      JsonObject kept = kept(result);
      if (result.getBoolean("isError", false)) {
        return (Attempt) new Attempt.Failed("the tool " + action.toolName() + " answered an error: " + text(result), kept, false, -1);
      }
      return new Attempt.Delivered(kept);
    }).recover(e -> Future.succeededFuture(failure(e)));
  }

  private static Attempt failure(Throwable e) {
    if (e instanceof McpClient.RpcError rpc) {
      return new Attempt.Failed(rpc.getMessage(), new JsonObject().put("jsonrpc_error", rpc.code), false, -1);
    }
    if (e instanceof McpClient.StatusError status) {
      Attempt.Failed judged = Attempt.ofStatus(status.status, status.headers, null, "the MCP server");
      return new Attempt.Failed(status.getMessage(), new JsonObject().put("status", status.status), judged.retryable(), judged.retryAfterMs());
    }
    if (e instanceof McpClient.ProtocolError || e instanceof Unresolvable) {
      return Attempt.permanent(e.getMessage());
    }
    if (e instanceof RemoteFiles.FetchFailed fetch) {
      return fetch.retryable ? Attempt.retryable(fetch.getMessage()) : Attempt.permanent(fetch.getMessage());
    }
    return Attempt.ofFailure(e);
  }

  /** Why the agent's endpoint or file could not be used in a way another attempt cannot change. */
  static final class Unresolvable extends RuntimeException {

    Unresolvable(String message) {
      super(message, null, false, false);
    }
  }

  /** The agent's URI from the event log, its registration file, the entry named MCP ({@code services} in v1, {@code endpoints} in v0.4). */
  private Future<String> resolve(Long chainId, String agentId, long deadline) {
    if (chainId == null || agentId == null) {
      return Future.failedFuture(new Unresolvable("resolve_endpoint: the event names no agent"));
    }
    return ingest.agent(chainId, agentId).recover(e -> Future.failedFuture(e instanceof ReplyException reply && reply.failureCode() == 404
        ? new Unresolvable("resolve_endpoint: the event log knows no agent " + agentId + " on chain " + chainId) : e)).compose(agent -> {
          if (agent.tokenUri() == null || agent.tokenUri().isEmpty()) {
            return Future.failedFuture(new Unresolvable("resolve_endpoint: agent " + agentId + " has no registration URI"));
          }
          return files.fetch(agent.tokenUri(), remaining(deadline));
        }).compose(file -> {
          JsonObject registration;
          try {
            registration = file.toJsonObject();
          } catch (DecodeException | ClassCastException e) {
            return Future.failedFuture(new Unresolvable("resolve_endpoint: the registration file of agent " + agentId + " is not JSON"));
          }
          String endpoint = mcpEntry(registration.getValue("services"));
          if (endpoint == null) {
            endpoint = mcpEntry(registration.getValue("endpoints"));
          }
          if (endpoint == null) {
            return Future.failedFuture(new Unresolvable("resolve_endpoint: the registration file of agent " + agentId
                + " names no MCP service"));
          }
          return Future.succeededFuture(endpoint);
        });
  }

  static String mcpEntry(Object entries) {
    if (!(entries instanceof JsonArray list)) {
      return null;
    }
    for (Object entry : list) {
      if (entry instanceof JsonObject service && "MCP".equalsIgnoreCase(service.getString("name"))
          && service.getValue("endpoint") instanceof String endpoint && !endpoint.isBlank()) {
        return endpoint;
      }
    }
    return null;
  }

  private Future<Void> verify(Job job, Map<String, Object> values, boolean include, long deadline) {
    String uri = job.event().getString("file_uri");
    String hash = job.event().getString("file_hash");
    if (uri == null || uri.isEmpty() || hash == null || hash.isEmpty()) {
      return Future.failedFuture(new Unresolvable("verify_file_hash: the event has no file_uri and file_hash"));
    }
    return files.fetch(uri, remaining(deadline)).compose(content -> {
      if (!RemoteFiles.hashMatches(content, hash)) {
        return Future.failedFuture(new Unresolvable("verify_file_hash: the file at " + uri + " does not hash to " + hash
            + " (keccak-256 or sha-256)"));
      }
      if (include) {
        values.put(Template.FILE_CONTENT, content.toString(StandardCharsets.UTF_8));
      }
      return Future.succeededFuture();
    });
  }

  private static String text(JsonObject result) {
    JsonArray content = result.getJsonArray("content", new JsonArray());
    StringBuilder out = new StringBuilder();
    for (Object part : content) {
      if (part instanceof JsonObject item && item.getString("text") != null) {
        out.append(item.getString("text"));
      }
    }
    return out.length() > 500 ? out.substring(0, 500) + "…" : out.toString();
  }

  private static JsonObject kept(JsonObject result) {
    String encoded = result.encode();
    return encoded.length() <= KEPT_RESULT_CHARS ? new JsonObject().put("result", result)
        : new JsonObject().put("result_truncated", encoded.substring(0, KEPT_RESULT_CHARS));
  }

  private static long remaining(long deadline) {
    return Math.max(1, deadline - System.currentTimeMillis());
  }
}
