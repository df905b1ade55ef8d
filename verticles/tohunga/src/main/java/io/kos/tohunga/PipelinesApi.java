package io.kos.tohunga;

import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.ApiResponse;
import io.kos.verticle.Caller;
import io.kos.verticle.JsonFields;
import io.kos.verticle.Keyset;
import io.kos.verticle.OwnerScope;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Function;

/** The pipelines routes: pipelines, their versions (list, compare two, restore), their runs, run now. */
final class PipelinesApi {

  private final TohungaStore store;
  private final JobDrafts drafts;
  private final Pipelines pipelines;

  PipelinesApi(TohungaStore store, JobDrafts drafts, Pipelines pipelines) {
    this.store = store;
    this.drafts = drafts;
    this.pipelines = pipelines;
  }

  void serve(BiConsumer<String, Function<ApiRequest, Future<?>>> serve) {
    serve.accept("pipelines.create", this::create);
    serve.accept("pipelines.list", this::list);
    serve.accept("pipelines.get", request -> row(request).map(TohungaStore::pipeline));
    serve.accept("pipelines.update", this::update);
    serve.accept("pipelines.delete", this::delete);
    serve.accept("pipelines.run", this::run);
    serve.accept("pipelines.runs", this::runs);
    serve.accept("pipelines.versions", this::versions);
    serve.accept("pipelines.versions.get", request -> row(request).compose(row -> version(row, request.pathLong("version_number", 1, Integer.MAX_VALUE))));
    serve.accept("pipelines.versions.compare", this::compare);
    serve.accept("pipelines.versions.restore", this::restore);
  }

  private Future<Row> row(ApiRequest request) {
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("pipeline_id"), "pipeline");
    return store.owned(TohungaStore.PIPELINE, id, request.caller(), "pipeline", row -> row);
  }

  private Future<JsonObject> version(Row pipeline, long number) {
    return store.one(TohungaStore.VERSION, Tuple.of(pipeline.getUUID("pipeline_id"), (int) number), TohungaStore::version).map(found -> {
      if (found == null) {
        throw ApiError.notFound("pipeline " + pipeline.getUUID("pipeline_id") + " has no version " + number);
      }
      return found;
    });
  }

  /** The spec checked whole: its definition against its source, with the incremental cursor's place. */
  private Future<Pipelines.Spec> checked(Pipelines.Spec spec, Caller caller) {
    return drafts.check(spec.definition(), "definition.", OwnerScope.filter(caller), spec.incrementalRun(null)).map(draft -> spec);
  }

  private Future<ApiResponse> create(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    JsonObject body = request.bodyObject();
    Pipelines.Spec spec = Pipelines.parse(JsonFields.ofBody(body).onlyKnown(Pipelines.FIELDS), body, null);
    UUID id = UUID.randomUUID();
    return checked(spec, caller).compose(ok -> store.pool().withTransaction(connection -> connection.preparedQuery(TohungaStore.INSERT_PIPELINE)
        .execute(Tuple.of(id, spec.name(), spec.description(), spec.definition(), spec.schedule(), spec.timeZone()).addValue(spec.active())
            .addValue(spec.incremental()).addValue(spec.nextRun()).addValue(OwnerScope.owner(caller)).addValue(caller.did()))
        .compose(rows -> connection.preparedQuery(TohungaStore.INSERT_VERSION).execute(Tuple.of(id, 1, spec.snapshot(), "created",
            OwnerScope.owner(caller))).map(v -> TohungaStore.pipeline(rows.iterator().next())))))
        .map(created -> ApiResponse.of(201, created));
  }

  private Future<JsonObject> list(ApiRequest request) {
    Keyset keyset = Keyset.of(request);
    String active = request.queryOneOf("is_active", List.of("true", "false"));
    return store.many(TohungaStore.PIPELINES, keyset.addTo(Tuple.of(OwnerScope.filter(request.caller()),
        active == null ? null : Boolean.valueOf(active))), TohungaStore::pipeline).map(items -> keyset.page("pipelines", items, "pipeline_id"));
  }

  /** PATCH: the named fields change; a new version records the result. */
  private Future<JsonObject> update(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    JsonObject body = request.bodyObject();
    List<String> known = new ArrayList<>(Pipelines.FIELDS);
    known.addAll(List.of("pipeline_id", "change_description"));
    JsonFields fields = JsonFields.ofBody(body).onlyKnown(known);
    if (body.getValue("pipeline_id") != null && !body.getValue("pipeline_id").equals(request.pathParam("pipeline_id"))) {
      throw ApiError.invalidField("pipeline_id", "differs from the pipeline_id of the path");
    }
    String change = fields.string("change_description", "", 2000);
    return row(request).compose(row -> save(row, Pipelines.parse(fields, body, Pipelines.Spec.of(row)), change, caller));
  }

  /** Writes a spec as the pipeline's next version; a change of the incremental settings starts its cursor again. */
  private Future<JsonObject> save(Row row, Pipelines.Spec spec, String change, Caller caller) {
    UUID id = row.getUUID("pipeline_id");
    boolean resetCursor = !Objects.equals(spec.incremental(), row.getValue("incremental"));
    return checked(spec, caller).compose(ok -> store.pool().withTransaction(connection -> connection.preparedQuery(TohungaStore.UPDATE_PIPELINE)
        .execute(Tuple.of(id, OwnerScope.filter(caller), spec.name(), spec.description(), spec.definition(), spec.schedule())
            .addValue(spec.timeZone()).addValue(spec.active()).addValue(spec.incremental()).addValue(spec.nextRun()).addValue(resetCursor))
        .compose(rows -> {
          Row updated = OwnerScope.one(rows, "pipeline", id);
          return connection.preparedQuery(TohungaStore.INSERT_VERSION).execute(Tuple.of(id, updated.getInteger("version"), spec.snapshot(),
              change.isEmpty() ? null : change, OwnerScope.owner(caller))).map(v -> TohungaStore.pipeline(updated));
        })));
  }

  private Future<Void> delete(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    return row(request).compose(row -> store.run(TohungaStore.DELETE_PIPELINE, Tuple.of(row.getUUID("pipeline_id"), OwnerScope.filter(caller))))
        .map(rows -> {
          if (rows.size() == 0) {
            throw TohungaErrors.PIPELINE_RUNNING.error("a run of pipeline " + request.pathParam("pipeline_id") + " is pending or running; cancel it first");
          }
          return null;
        });
  }

  private Future<ApiResponse> run(ApiRequest request) {
    request.caller().requireWriter();
    return row(request).compose(row -> pipelines.start(row, "manual")).map(job -> ApiResponse.of(201, job));
  }

  private Future<JsonObject> runs(ApiRequest request) {
    Keyset keyset = Keyset.of(request);
    return row(request).compose(row -> store.many(TohungaStore.PIPELINE_RUNS, keyset.addTo(Tuple.of(row.getUUID("pipeline_id"))),
        TohungaStore::job)).map(items -> keyset.page("runs", items, "job_id"));
  }

  private Future<JsonObject> versions(ApiRequest request) {
    int limit = request.queryInt("limit", 100, 1, Keyset.MAX_LIMIT);
    Integer before = request.query("before") == null ? null : request.queryInt("before", 1, 1, Integer.MAX_VALUE);
    return row(request).compose(row -> store.many(TohungaStore.VERSIONS, Tuple.of(row.getUUID("pipeline_id"), before, limit), TohungaStore::version))
        .map(items -> new JsonObject().put("versions", items).put("next_before", items.size() == limit
            ? items.getJsonObject(items.size() - 1).getInteger("version_number") : null));
  }

  private Future<JsonObject> compare(ApiRequest request) {
    if (request.query("from") == null || request.query("to") == null) {
      throw ApiError.invalidParameter(request.query("from") == null ? "from" : "to", "is required: the version numbers to compare");
    }
    int from = request.queryInt("from", 1, 1, Integer.MAX_VALUE);
    int to = request.queryInt("to", 1, 1, Integer.MAX_VALUE);
    return row(request).compose(row -> version(row, from).compose(a -> version(row, to).map(b -> new JsonObject()
        .put("pipeline_id", row.getUUID("pipeline_id").toString()).put("from", from).put("to", to)
        .put("changes", Pipelines.changes(a.getJsonObject("snapshot"), b.getJsonObject("snapshot"))))));
  }

  /** A version's settings become the next version (history is never rewritten). */
  private Future<JsonObject> restore(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    long number = request.pathLong("version_number", 1, Integer.MAX_VALUE);
    return row(request).compose(row -> version(row, number).compose(version -> save(row,
        Pipelines.Spec.of(version.getJsonObject("snapshot")), "restored version " + number, caller)));
  }
}
