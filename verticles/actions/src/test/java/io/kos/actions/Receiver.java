package io.kos.actions;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A real HTTP receiver on 127.0.0.1 for the REST and file-fetching tests: records every request and
 * answers what {@link #responder} says (a status, headers, a body, optionally after a delay).
 */
final class Receiver implements AutoCloseable {

  record Request(String method, String path, String query, MultiMap headers, String body, long receivedNanos) {
    String header(String name) {
      return headers.get(name);
    }
  }

  record Reply(int status, Map<String, String> headers, String body, long delayMs) {
    static Reply ok() {
      return new Reply(200, Map.of(), "{\"ok\":true}", 0);
    }

    static Reply status(int status) {
      return new Reply(status, Map.of(), "", 0);
    }

    static Reply redirect(int status, String location) {
      return new Reply(status, Map.of("location", location), "", 0);
    }
  }

  final List<Request> requests = new CopyOnWriteArrayList<>();
  volatile Function<Request, Reply> responder = request -> Reply.ok();
  private final Vertx vertx;
  private final HttpServer server;

  private Receiver(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  static Receiver start() {
    Vertx vertx = Vertx.vertx();
    Receiver[] self = new Receiver[1];
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      Request request = new Request(req.method().name(), req.path(), req.query(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
          body.toString(), System.nanoTime());
      self[0].requests.add(request);
      Reply reply = self[0].responder.apply(request);
      Runnable send = () -> {
        reply.headers().forEach((name, value) -> req.response().putHeader(name, value));
        req.response().setStatusCode(reply.status()).end(reply.body());
      };
      if (reply.delayMs() > 0) {
        vertx.setTimer(reply.delayMs(), id -> send.run());
      } else {
        send.run();
      }
    }));
    server.listen(0, "127.0.0.1").await();
    self[0] = new Receiver(vertx, server);
    return self[0];
  }

  /** Runs {@code action} after {@code delayMs} on the receiver's own loop. */
  void vertxTimer(long delayMs, Runnable action) {
    vertx.setTimer(Math.max(1, delayMs), id -> action.run());
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  int port() {
    return server.actualPort();
  }

  List<Request> at(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
