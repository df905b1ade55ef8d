package io.kos.node.testkit.probe;

import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.KosVerticle;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

final class ProbeVerticle extends KosVerticle {

  private static final String INSERT_NOTE = "INSERT INTO notes (text) VALUES ($1) RETURNING id, text";
  private static final String SELECT_NOTE = "SELECT id, text FROM notes WHERE id = $1";

  private JsonObject pong;

  @Override
  protected Future<?> setUp() {
    pong = new JsonObject().put("pong", true).put("node", env().nodeId());
    serve("ping", request -> Future.succeededFuture(pong));
    serve("echo", request -> Future.succeededFuture(request.body()));
    serve("slow", this::slow);
    serve("fail", request -> {
      throw new IllegalStateException("probe failure on purpose");
    });
    serve("notes.create", this::createNote);
    serve("notes.get", this::getNote);
    return Future.succeededFuture();
  }

  private Future<JsonObject> slow(ApiRequest request) {
    int millis = request.queryInt("ms", 1000, 1, 60_000);
    return vertx.timer(millis).map(v -> new JsonObject().put("slept_ms", millis));
  }

  private Future<JsonObject> createNote(ApiRequest request) {
    Object text = request.bodyObject().getValue("text");
    if (!(text instanceof String s) || s.isEmpty() || s.length() > 1000) {
      throw ApiError.invalidField("text", "must be a string of 1 to 1000 characters");
    }
    return pool().preparedQuery(INSERT_NOTE).execute(Tuple.of(text)).map(rows -> toJson(rows.iterator().next()));
  }

  private Future<JsonObject> getNote(ApiRequest request) {
    long id;
    try {
      id = Long.parseLong(request.pathParam("id"));
    } catch (NumberFormatException e) {
      throw ApiError.notFound("no note " + request.pathParam("id"));
    }
    return pool().preparedQuery(SELECT_NOTE).execute(Tuple.of(id)).map(rows -> {
      if (rows.size() == 0) {
        throw ApiError.notFound("no note " + id);
      }
      return toJson(rows.iterator().next());
    });
  }

  private static JsonObject toJson(Row row) {
    return new JsonObject().put("id", row.getLong("id")).put("text", row.getString("text"));
  }
}
