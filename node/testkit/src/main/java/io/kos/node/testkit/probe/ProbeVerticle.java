package io.kos.node.testkit.probe;

import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.Caller;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.OwnerScope;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

final class ProbeVerticle extends KosVerticle {

  private static final String COLUMNS = "id, owner_id, owner_did, text";
  private static final String INSERT_NOTE = "INSERT INTO notes (owner_id, owner_did, text) VALUES ($1, $2, $3) RETURNING " + COLUMNS;
  private static final String SELECT_NOTE = "SELECT " + COLUMNS + " FROM notes WHERE id = $1 AND " + OwnerScope.clause(2);
  private static final String LIST_NOTES = "SELECT " + COLUMNS + " FROM notes WHERE " + OwnerScope.clause(1) + " ORDER BY id";
  private static final String UPDATE_NOTE = "UPDATE notes SET text = $3 WHERE id = $1 AND " + OwnerScope.clause(2) + " RETURNING " + COLUMNS;
  private static final String DELETE_NOTE = "DELETE FROM notes WHERE id = $1 AND " + OwnerScope.clause(2) + " RETURNING id";

  private JsonObject pong;

  @Override
  protected Future<?> setUp() {
    pong = new JsonObject().put("pong", true).put("node", env().nodeId());
    serve("ping", request -> Future.succeededFuture(pong));
    serve("whoami", request -> {
      Caller caller = request.caller();
      JsonObject who = new JsonObject().put("user_id", caller.userId()).put("role", caller.role().wireName());
      return Future.succeededFuture(caller.isNode() ? who.put("did", caller.did()) : who);
    });
    serve("echo", request -> Future.succeededFuture(request.body()));
    serve("slow", this::slow);
    serve("fail", request -> {
      throw new IllegalStateException("probe failure on purpose");
    });
    serve("notes.create", this::createNote);
    serve("notes.list", this::listNotes);
    serve("notes.get", this::getNote);
    serve("notes.update", this::updateNote);
    serve("notes.delete", this::deleteNote);
    serve("work", this::work);
    return Future.succeededFuture();
  }

  private Future<JsonObject> slow(ApiRequest request) {
    int millis = request.queryInt("ms", 1000, 1, 60_000);
    return vertx.timer(millis).map(v -> new JsonObject().put("slept_ms", millis));
  }

  /** {@code steps} steps of {@code step_ms} each, reporting progress after each one. */
  private Future<JsonObject> work(ApiRequest request) {
    request.caller();
    JsonObject body = request.bodyObject();
    int steps = body.getValue("steps") instanceof Integer n && n >= 1 && n <= 100 ? n : 3;
    int stepMillis = body.getValue("step_ms") instanceof Integer n && n >= 1 && n <= 10_000 ? n : 50;
    return step(request, 1, steps, stepMillis).map(v -> new JsonObject().put("steps", steps));
  }

  private Future<Void> step(ApiRequest request, int step, int steps, int stepMillis) {
    if (step > steps) {
      return Future.succeededFuture();
    }
    return vertx.timer(stepMillis).compose(v -> {
      reportProgress(request, step * 100 / steps, "step " + step + " of " + steps);
      return step(request, step + 1, steps, stepMillis);
    });
  }

  private Future<JsonObject> createNote(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    String text = text(request);
    return pool().preparedQuery(INSERT_NOTE).execute(Tuple.of(OwnerScope.owner(caller), caller.did(), text))
        .map(rows -> toJson(rows.iterator().next()));
  }

  private Future<JsonObject> listNotes(ApiRequest request) {
    return pool().preparedQuery(LIST_NOTES).execute(Tuple.of(OwnerScope.filter(request.caller()))).map(rows -> {
      JsonArray notes = new JsonArray();
      rows.forEach(row -> notes.add(toJson(row)));
      return new JsonObject().put("notes", notes);
    });
  }

  private Future<JsonObject> getNote(ApiRequest request) {
    Caller caller = request.caller();
    long id = id(request);
    return pool().preparedQuery(SELECT_NOTE).execute(Tuple.of(id, OwnerScope.filter(caller)))
        .map(rows -> toJson(OwnerScope.one(rows, "note", id)));
  }

  private Future<JsonObject> updateNote(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    long id = id(request);
    String text = text(request);
    return pool().preparedQuery(UPDATE_NOTE).execute(Tuple.of(id, OwnerScope.filter(caller), text))
        .map(rows -> toJson(OwnerScope.one(rows, "note", id)));
  }

  private Future<Void> deleteNote(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    long id = id(request);
    return pool().preparedQuery(DELETE_NOTE).execute(Tuple.of(id, OwnerScope.filter(caller))).map(rows -> {
      OwnerScope.one(rows, "note", id);
      return null;
    });
  }

  private static String text(ApiRequest request) {
    Object text = request.bodyObject().getValue("text");
    if (!(text instanceof String s) || s.isEmpty() || s.length() > 1000 || s.indexOf('\0') >= 0) {
      throw ApiError.invalidField("text", "must be a string of 1 to 1000 characters");
    }
    return s;
  }

  private static long id(ApiRequest request) {
    try {
      return Long.parseLong(request.pathParam("id"));
    } catch (NumberFormatException e) {
      throw ApiError.notFound("no note " + request.pathParam("id"));
    }
  }

  private static JsonObject toJson(Row row) {
    return new JsonObject().put("id", row.getLong("id")).put("owner_id", row.getUUID("owner_id").toString())
        .put("owner_did", row.getString("owner_did")).put("text", row.getString("text"));
  }
}
