package io.kos.node.health;

import io.kos.node.NodeState;
import io.kos.node.identity.NodeIdentity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's signed health document ({@code GET /klf/v1/health}, docs/identity.md): its status, the
 * machine figures, its dependencies (database, the cluster members it has heard, followed chains),
 * its log's error and warning counts and its verticles' own health, signed by the node key as the
 * identity document is, with a timestamp, so a watcher can tell a fresh document from a replayed one.
 */
public final class HealthDocuments {

  /** A member not heard for this long (two and a half announcement periods) is Unreachable. */
  private static final long MEMBER_SILENT_MS = 75_000;

  private final NodeIdentity identity;
  private final NodeState state;
  private final SystemMetrics system;
  private final LogCounts logs;
  /** Cluster members by DID: when last heard, or -1 once it left. */
  private final Map<String, Long> members = new ConcurrentHashMap<>();

  public HealthDocuments(NodeIdentity identity, NodeState state, SystemMetrics system, LogCounts logs) {
    this.identity = identity;
    this.state = state;
    this.system = system;
    this.logs = logs;
  }

  /** A {@code kos.node.announce} message of another member. */
  public void heard(JsonObject announcement) {
    if (announcement.getValue("document") instanceof JsonObject document && document.getValue("nodeId") instanceof String did
        && !did.equals(identity.did())) {
      members.put(did, "leave".equals(announcement.getString("event")) ? -1L : System.currentTimeMillis());
    }
  }

  public Future<JsonObject> document(Vertx vertx) {
    return state.readiness(vertx).map(readiness -> {
      long now = System.currentTimeMillis();
      JsonObject checks = readiness.getJsonObject("checks", new JsonObject());
      JsonArray dependencies = new JsonArray();
      JsonObject database = checks.getJsonObject("database");
      if (database != null) {
        dependencies.add(new JsonObject().put("name", "database").put("status", database.getBoolean("ok") ? "Healthy" : "Unreachable")
            .put("latency_ms", database.getValue("latency_ms")).put("error", database.getValue("error")));
      }
      members.forEach((did, heard) -> dependencies.add(new JsonObject().put("name", "cluster_member").put("dependency_did", did)
          .put("status", heard >= 0 && now - heard <= MEMBER_SILENT_MS ? "Healthy" : "Unreachable")
          .put("last_seen", heard >= 0 ? Instant.ofEpochMilli(heard).toString() : null)));
      JsonObject verticleHealth = checks.getJsonObject("verticles", new JsonObject()).getJsonObject("health", new JsonObject());
      JsonArray verticles = new JsonArray();
      for (String name : state.deployedVerticles()) {
        JsonObject health = verticleHealth.getJsonObject(name);
        verticles.add(new JsonObject().put("name", name).put("ok", health == null || health.getBoolean("ok", false))
            .put("error", health == null ? null : health.getValue("error")));
        if (health != null && health.getValue("chains") instanceof JsonArray chains) {
          for (Object chain : chains) {
            dependencies.add(chainDependency((JsonObject) chain));
          }
        }
      }
      boolean ready = readiness.getBoolean("ready", false);
      String status = !ready ? "Error" : "degraded".equals(readiness.getString("status")) ? "Warning" : "Healthy";
      JsonObject document = new JsonObject().put("nodeId", identity.did()).put("nodeClass", identity.nodeClass())
          .put("timestamp", Instant.ofEpochMilli(now).toString()).put("status", status).put("readiness", readiness.getString("status"))
          .put("metrics", system.metrics()).put("dependencies", dependencies).put("logs_summary", logs.summary(now))
          .put("verticles", verticles);
      return identity.sign(document);
    });
  }

  private static JsonObject chainDependency(JsonObject chain) {
    boolean halted = "halted".equals(chain.getString("state"));
    JsonObject lastError = chain.getJsonObject("last_error");
    return new JsonObject().put("name", "chain").put("chain_id", chain.getValue("chain_id"))
        .put("status", halted ? "Halted" : lastError != null ? "Failing" : "Healthy").put("head", chain.getValue("head"))
        .put("next_block", chain.getValue("next_block")).put("error", halted ? chain.getValue("halted_because")
            : lastError == null ? null : lastError.getValue("message"));
  }
}
