package io.kos.node;

import io.kos.node.auth.AccessControl;
import io.kos.node.db.Migrations;
import io.kos.node.klf.KlfService;
import io.kos.verticle.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
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
  private volatile KlfService klf;
  private volatile io.kos.node.health.HealthDocuments health;
  /** This node's own metrics registry: several nodes in one JVM (tests) must not share meters. */
  private final String metricsRegistry = "kos-node-" + java.util.UUID.randomUUID();

  NodeState(boolean clusterRequested) {
    this.clusterRequested = clusterRequested;
  }

  public String metricsRegistry() {
    return metricsRegistry;
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

  void klf(KlfService klf) {
    this.klf = klf;
  }

  /** The node's KLF endpoint, or null while the node is starting. */
  public KlfService klf() {
    return klf;
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

  void health(io.kos.node.health.HealthDocuments health) {
    this.health = health;
  }

  /** The signed health documents ({@code GET /klf/v1/health}); null until the node has started. */
  public io.kos.node.health.HealthDocuments health() {
    return health;
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
        .compose(database -> verticleHealth(vertx).map(health -> {
          JsonObject schemas = new JsonObject();
          migrations.forEach(m -> schemas.put(m.schema(), new JsonObject().put("version", m.version()).put("applied_at_start", m.executedNow())));
          boolean clusterOk = !clusterRequested || vertx.isClustered();
          JsonObject checks = new JsonObject()
              .put("database", database)
              .put("migrations", new JsonObject().put("ok", !migrations.isEmpty()).put("schemas", schemas))
              .put("verticles", new JsonObject().put("ok", started).put("deployed", new JsonArray(deployedVerticles)).put("health", health))
              .put("cluster", new JsonObject().put("ok", clusterOk).put("enabled", clusterRequested));
          boolean ready = started && !stopping && database.getBoolean("ok") && clusterOk;
          boolean degraded = health.stream().anyMatch(entry -> !((JsonObject) entry.getValue()).getBoolean("ok", false));
          String status = stopping ? "stopping" : !ready ? (started ? "not_ready" : "starting") : degraded ? "degraded" : "ready";
          return new JsonObject().put("status", status).put("ready", ready).put("checks", checks);
        }));
  }

  /** What each deployed verticle reports on this node ({@code KosVerticle.reportHealth}); verticles that report nothing are left out. */
  private Future<JsonObject> verticleHealth(Vertx vertx) {
    List<String> verticles = deployedVerticles;
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(DATABASE_CHECK_MILLIS);
    List<Future<JsonObject>> answers = verticles.stream().map(name -> vertx.eventBus().<JsonObject>request(Addresses.health(name), null, local)
        .map(Message::body)
        .otherwise(failure -> failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS ? null
            : new JsonObject().put("ok", false).put("error", "no health answer: " + failure.getMessage()))).toList();
    return Future.join(answers).map(all -> {
      JsonObject health = new JsonObject();
      for (int i = 0; i < verticles.size(); i++) {
        JsonObject answer = answers.get(i).result();
        if (answer != null) {
          health.put(verticles.get(i), answer);
        }
      }
      return health;
    });
  }
}
