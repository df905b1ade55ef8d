package io.kos.node.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

/**
 * The baseline for the ingress benchmark: a bare Vert.x HTTP handler answering the same JSON as
 * the probe's ping, one instance per core like the node's ingress. Prints its port and runs until killed.
 */
public final class BareServer extends VerticleBase {

  private static final Buffer PONG = new JsonObject().put("pong", true).put("node", "bare").toBuffer();

  @Override
  public Future<?> start() {
    return vertx.createHttpServer()
        .requestHandler(request -> request.response().putHeader("Content-Type", "application/json").end(PONG))
        .listen(-1, "127.0.0.1")
        .onSuccess(server -> System.out.println("  http:       http://127.0.0.1:" + server.actualPort()));
  }

  public static void main(String[] args) {
    Vertx.vertx().deployVerticle(BareServer::new, new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()));
  }
}
