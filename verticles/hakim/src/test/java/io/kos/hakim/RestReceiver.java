package io.kos.hakim;

import io.kos.node.testkit.NodeProcess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A REST endpoint on loopback that keeps every delivery the actions verticle makes to it, by path. */
final class RestReceiver {

  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  RestReceiver(Vertx vertx) {
    server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      received.add(new JsonObject().put("path", request.path()).put("body", body.toJsonObject()));
      request.response().setStatusCode(204).end();
    })).listen(0, "127.0.0.1").await();
  }

  /** A rest channel (an actions config) delivering to this path. */
  JsonObject channel(String path) {
    return new JsonObject().put("action_type", "rest").put("config", new JsonObject().put("url", "http://127.0.0.1:" + server.actualPort() + path));
  }

  /** The first delivery to that path of that kind (alert, escalated, resolved), waited for up to 30 s. */
  JsonObject delivery(String path, String kind) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      for (JsonObject one : received) {
        if (one.getString("path").equals(path) && kind.equals(kind(one))) {
          return one.getJsonObject("body");
        }
      }
      NodeProcess.sleep(50);
    }
    throw new AssertionError("no " + kind + " delivery to " + path + "; received " + received);
  }

  /** How many deliveries of that kind reached that path so far. */
  long count(String path, String kind) {
    return received.stream().filter(one -> one.getString("path").equals(path) && kind.equals(kind(one))).count();
  }

  /** How many deliveries reached that path so far, of any kind. */
  long count(String path) {
    return received.stream().filter(one -> one.getString("path").equals(path)).count();
  }

  private static String kind(JsonObject one) {
    return one.getJsonObject("body").getJsonObject("event").getString("kind");
  }
}
