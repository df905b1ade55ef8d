package io.kos.node;

import io.kos.node.auth.AccessControl;
import io.kos.node.db.Migrations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** What {@code /health/ready} reports: database reachable, migrations applied, verticles deployed, cluster joined. */
public final class NodeState {

  private static final long DATABASE_CHECK_MILLIS = 2000;

  private final boolean clusterRequested;
  private volatile List<Migrations.Applied> migrations = List.of();
  private volatile Pool nodePool;
  private volatile List<String> deployedVerticles = List.of();
  private volatile boolean started;
  private volatile boolean stopping;
  private volatile Buffer identityDocument;
  private volatile Buffer capabilityDocument;
  private volatile AccessControl accessControl;

  NodeState(boolean clusterRequested) {
    this.clusterRequested = clusterRequested;
  }

  void migrated(List<Migrations.Applied> applied) {
    this.migrations = List.copyOf(applied);
  }

  void nodePool(Pool pool) {
    this.nodePool = pool;
  }

  void accessControl(AccessControl accessControl) {
    this.accessControl = accessControl;
  }

  /** The node's access control, or null while the node schema is not ready yet. */
  public AccessControl accessControl() {
    return accessControl;
  }

  void deployed(List<String> verticles) {
    this.deployedVerticles = List.copyOf(verticles);
  }

  void started() {
    started = true;
  }

  void stopping() {
    stopping = true;
  }

  /** Set once the HTTP port is known, since the signed identity names the node's endpoint. */
  void documents(JsonObject identity, JsonObject capabilities) {
    this.identityDocument = identity.toBuffer();
    this.capabilityDocument = capabilities.toBuffer();
  }

  public Buffer identityDocument() {
    return identityDocument;
  }

  public Buffer capabilityDocument() {
    return capabilityDocument;
  }

  public List<String> deployedVerticles() {
    return deployedVerticles;
  }

  public List<Migrations.Applied> migrations() {
    return migrations;
  }

  /** The readiness document; {@code ready} is false while starting, stopping, or when a check fails. */
  public Future<JsonObject> readiness(Vertx vertx) {
    Pool pool = nodePool;
    if (pool == null) {
      return Future.succeededFuture(new JsonObject().put("status", "starting").put("ready", false));
    }
    long begin = System.nanoTime();
    return pool.query("SELECT 1").execute()
        .timeout(DATABASE_CHECK_MILLIS, TimeUnit.MILLISECONDS)
        .map(rows -> new JsonObject().put("ok", true)
            .put("latency_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin)))
        .otherwise(failure -> new JsonObject().put("ok", false).put("error", String.valueOf(failure.getMessage())))
        .map(database -> {
          JsonObject schemas = new JsonObject();
          migrations.forEach(m -> schemas.put(m.schema(), new JsonObject().put("version", m.version()).put("applied_at_start", m.executedNow())));
          boolean clusterOk = !clusterRequested || vertx.isClustered();
          JsonObject checks = new JsonObject()
              .put("database", database)
              .put("migrations", new JsonObject().put("ok", !migrations.isEmpty()).put("schemas", schemas))
              .put("verticles", new JsonObject().put("ok", started).put("deployed", new JsonArray(deployedVerticles)))
              .put("cluster", new JsonObject().put("ok", clusterOk).put("enabled", clusterRequested));
          boolean ready = started && !stopping && database.getBoolean("ok") && clusterOk;
          return new JsonObject().put("status", stopping ? "stopping" : ready ? "ready" : started ? "not_ready" : "starting")
              .put("ready", ready).put("checks", checks);
        });
  }
}
