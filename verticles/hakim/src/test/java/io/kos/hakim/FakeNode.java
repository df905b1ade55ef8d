package io.kos.hakim;

import io.kos.node.identity.NodeIdentity;
import io.kos.node.testkit.KlfPeer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A kOS node as far as Hakim can tell, on loopback: a key of its own, its signed identity, and a
 * health document the test sets figure by figure (or spoils: bad signature, old timestamp, another
 * signer, an HTTP error).
 */
final class FakeNode implements AutoCloseable {

  private final NodeIdentity identity;
  private final HttpServer server;
  private volatile JsonObject metrics = new JsonObject().put("cpu_usage_percent", 10.0).put("memory_usage_percent", 20.0)
      .put("memory_usage_mb", 100.0).put("disk_usage_percent", 30.0).put("network_io_kbps", 1.0);
  private volatile JsonArray dependencies = database("Healthy");
  private volatile long errors;
  private volatile int status = 200;
  /** Applied to the signed document last: what a forger or a replayer would serve. */
  private volatile UnaryOperator<JsonObject> spoil = UnaryOperator.identity();

  FakeNode(Vertx vertx, String nodeClass) {
    this.identity = KlfPeer.create(nodeClass).identity();
    this.server = vertx.createHttpServer().requestHandler(request -> {
      if (request.path().equals("/klf/v1/identity")) {
        request.response().putHeader("content-type", "application/json").end(identity.signedDocument("test", url(), List.of()).encode());
      } else if (request.path().equals("/klf/v1/health") && status == 200) {
        request.response().putHeader("content-type", "application/json").end(spoil.apply(health(Instant.now())).encode());
      } else {
        request.response().setStatusCode(request.path().equals("/klf/v1/health") ? status : 404).end();
      }
    }).listen(0, "127.0.0.1").await();
  }

  JsonObject health(Instant at) {
    return identity.sign(new JsonObject().put("nodeId", identity.did()).put("nodeClass", identity.nodeClass()).put("timestamp", at.toString())
        .put("status", "Healthy").put("readiness", "ready").put("metrics", metrics.copy()).put("dependencies", dependencies.copy())
        .put("logs_summary", new JsonObject().put("error_count", errors).put("warning_count", 0).put("interval_seconds", 300))
        .put("verticles", new JsonArray()));
  }

  static JsonArray database(String status) {
    return new JsonArray().add(new JsonObject().put("name", "database").put("status", status).put("latency_ms", 1).put("error",
        "Healthy".equals(status) ? null : "connection refused"));
  }

  String did() {
    return identity.did();
  }

  NodeIdentity identity() {
    return identity;
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  FakeNode metric(String name, double value) {
    metrics = metrics.copy().put(name, value);
    return this;
  }

  FakeNode dependencies(JsonArray list) {
    dependencies = list;
    return this;
  }

  FakeNode errors(long count) {
    errors = count;
    return this;
  }

  FakeNode status(int code) {
    status = code;
    return this;
  }

  FakeNode spoil(UnaryOperator<JsonObject> how) {
    spoil = how;
    return this;
  }

  @Override
  public void close() {
    server.close().await();
  }
}
