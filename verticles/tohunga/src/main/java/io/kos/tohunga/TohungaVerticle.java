package io.kos.tohunga;

import io.kos.tohunga.api.TohungaAddresses;
import io.kos.verticle.Addresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.ApiResponse;
import io.kos.verticle.Caller;
import io.kos.verticle.EventStream;
import io.kos.verticle.JsonFields;
import io.kos.verticle.Keyset;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.OwnerScope;
import io.kos.verticle.StreamReply;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The API (HTTP routes and KLF operations) over sources, transformations, jobs and assets, every
 * row scoped to its owner (a user by id, a node by the id of its DID). Jobs are checked whole when
 * written, then handed to this node's {@link JobRunner}.
 */
final class TohungaVerticle extends KosVerticle {

  private static final List<String> SOURCE_FIELDS = List.of("source_name", "source_type", "connection_config", "is_active");

  private TohungaSettings settings;
  private TohungaStore store;
  private SourceConfigs configs;
  private JobDrafts drafts;
  private HttpClient client;
  private OutboundHttp http;

  @Override
  protected Future<?> setUp() {
    settings = TohungaSettings.parse(env().config());
    store = new TohungaStore(pool());
    configs = new SourceConfigs(env().secrets());
    drafts = new JobDrafts(store, configs, env().nodeId());
    new PipelinesApi(store, drafts, new Pipelines(vertx, store, drafts, env().nodeId())).serve(this::serve);
    new UploadsApi(vertx, store, settings, env().nodeId()).serve(this::serve);
    new StreamsApi(vertx, store, env().nodeId()).serve(this::serve);
    client = vertx.createHttpClient();
    http = new OutboundHttp(vertx, client, env().outbound());
    serve("sources.register", this::registerSource);
    serve("sources.list", this::listSources);
    serve("sources.get", request -> source(request).map(TohungaStore::source));
    serve("sources.update", this::updateSource);
    serve("sources.delete", this::deleteSource);
    serve("sources.test", this::testSource);
    serve("transformations.create", this::createTransformation);
    serve("transformations.list", this::listTransformations);
    serve("transformations.get", request -> store.one(TohungaStore.TRANSFORMATION, Tuple.of(transformationId(request),
        OwnerScope.filter(request.caller())), TohungaStore::transformation).map(found -> required(found, "transformation", request)));
    serve("transformations.update", this::updateTransformation);
    serve("transformations.delete", request -> {
      Caller caller = request.caller().requireWriter();
      return store.run(TohungaStore.DELETE_TRANSFORMATION, Tuple.of(transformationId(request), OwnerScope.filter(caller)))
          .map(rows -> required(rows.size() == 0 ? null : new JsonObject(), "transformation", request)).mapEmpty();
    });
    serve("jobs.create", request -> createJob(request).compose(job -> start(job, request, false))
        .map(job -> ApiResponse.of(201, job)));
    serve("jobs.run", this::runJob);
    serve("jobs.list", this::listJobs);
    serve("jobs.get", request -> job(request));
    serve("jobs.cancel", this::cancelJob);
    serve("jobs.delete", this::deleteJob);
    serve("jobs.provenance", request -> {
      UUID id = OwnerScope.uuidOrNotFound(request.pathParam("job_id"), "job");
      return store.one(TohungaStore.PROVENANCE, Tuple.of(id, OwnerScope.filter(request.caller())),
          row -> new JsonObject().put("provenance", row.getValue("provenance"))).map(found -> {
            JsonObject provenance = required(found, "job", request).getJsonObject("provenance");
            if (provenance == null) {
              throw ApiError.notFound("job " + id + " has no provenance: only a completed job has one");
            }
            return provenance;
          });
    });
    serve("jobs.events", this::jobEvents);
    serve("assets.list", this::listAssets);
    serve("assets.get", this::getAsset);
    serve("assets.delete", this::deleteAsset);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return client.close();
  }

  private static <T> T required(T found, String what, ApiRequest request) {
    if (found == null) {
      throw ApiError.notFound("no " + what + " " + firstPathParam(request));
    }
    return found;
  }

  private static String firstPathParam(ApiRequest request) {
    for (String name : List.of("source_id", "job_id", "asset_id", "transformation_id")) {
      if (request.pathParam(name) != null) {
        return request.pathParam(name);
      }
    }
    return "";
  }

  /** A body id member (KLF params carry it) must be the path's. */
  private static void samePathId(JsonObject body, ApiRequest request, String name) {
    Object inBody = body.getValue(name);
    if (inBody != null && !inBody.equals(request.pathParam(name))) {
      throw ApiError.invalidField(name, "differs from the " + name + " of the path");
    }
  }

  // sources

  private Future<io.vertx.sqlclient.Row> source(ApiRequest request) {
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("source_id"), "source");
    return store.owned(TohungaStore.SOURCE, id, request.caller(), "source", row -> row);
  }

  private Future<ApiResponse> registerSource(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    JsonFields fields = request.bodyFields().onlyKnown(SOURCE_FIELDS);
    String name = name(fields, "source_name");
    String type = fields.string("source_type", null, 100);
    UUID id = UUID.randomUUID();
    JsonObject config = configs.seal(type, fields.object("connection_config", null), null, id);
    return ownUpload(type, config, caller).compose(v -> store.one(TohungaStore.INSERT_SOURCE, Tuple.of(id, name, type, config, fields.bool("is_active", true), OwnerScope.owner(caller))
        .addValue(caller.did()), TohungaStore::source)).map(source -> ApiResponse.of(201, source));
  }

  /** An upload source reads a completed upload of its owner's; any other source passes. */
  private Future<Void> ownUpload(String type, JsonObject config, Caller caller) {
    if (!type.equals("upload")) {
      return Future.succeededFuture();
    }
    UUID upload = SourceConfigs.uploadId(config);
    return store.run(TohungaStore.UPLOAD, Tuple.of(upload, OwnerScope.filter(caller))).map(rows -> {
      if (rows.size() == 0) {
        throw ApiError.invalidField("connection_config.upload_id", "names no upload of yours");
      }
      if (!rows.iterator().next().getString("status").equals("uploaded")) {
        throw ApiError.invalidField("connection_config.upload_id", "names an upload that is not completed yet");
      }
      return null;
    });
  }

  private static String name(JsonFields fields, String field) {
    String name = fields.string(field, null, 200);
    if (name.isBlank()) {
      throw fields.invalid(field, "must not be blank");
    }
    return name;
  }

  private Future<JsonObject> listSources(ApiRequest request) {
    Keyset keyset = Keyset.of(request);
    String type = request.queryOneOf("source_type", SourceConfigs.TYPES);
    String active = request.queryOneOf("is_active", List.of("true", "false"));
    return store.many(TohungaStore.SOURCES, keyset.addTo(Tuple.of(OwnerScope.filter(request.caller()), type,
        active == null ? null : Boolean.valueOf(active))), TohungaStore::source).map(items -> keyset.page("sources", items, "source_id"));
  }

  /** PATCH: what the body names changes; connection_config is replaced whole, a secret sent as the mask keeps its value. */
  private Future<JsonObject> updateSource(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    JsonObject body = request.bodyObject();
    samePathId(body, request, "source_id");
    List<String> known = new ArrayList<>(SOURCE_FIELDS);
    known.add("source_id");
    JsonFields fields = JsonFields.ofBody(body).onlyKnown(known);
    return source(request).compose(row -> {
      String type = row.getString("source_type");
      if (body.containsKey("source_type") && !type.equals(body.getValue("source_type"))) {
        throw ApiError.invalidField("source_type", "cannot change (" + type + "); register a new source instead");
      }
      UUID id = row.getUUID("source_id");
      JsonObject stored = (JsonObject) row.getValue("connection_config");
      String name = body.containsKey("source_name") ? name(fields, "source_name") : row.getString("source_name");
      JsonObject config = body.containsKey("connection_config") ? configs.seal(type, fields.object("connection_config", null), stored, id) : stored;
      boolean active = fields.bool("is_active", row.getBoolean("is_active"));
      return (body.containsKey("connection_config") ? ownUpload(type, config, caller) : Future.<Void>succeededFuture())
          .compose(v -> store.one(TohungaStore.UPDATE_SOURCE, Tuple.of(id, OwnerScope.filter(caller), name, config, active), TohungaStore::source))
          .map(updated -> required(updated, "source", request));
    });
  }

  private Future<Void> deleteSource(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    return source(request).compose(row -> store.run(TohungaStore.DELETE_SOURCE, Tuple.of(row.getUUID("source_id"), OwnerScope.filter(caller))))
        .map(rows -> {
          if (rows.size() == 0) {
            throw TohungaErrors.SOURCE_IN_USE.error("a pending or running job reads source " + request.pathParam("source_id"));
          }
          return null;
        });
  }

  /** {@code {ok: true, elapsed_ms}} or {@code {ok: false, error: {code, message}}}: the source's answer, not an error of this route. */
  private Future<JsonObject> testSource(ApiRequest request) {
    request.caller().requireWriter();
    JsonObject body = request.body() instanceof JsonObject object ? object : new JsonObject();
    JsonFields fields = JsonFields.ofBody(body).onlyKnown(List.of("source_id", "path"));
    samePathId(body, request, "source_id");
    JsonObject probe = new JsonObject().put("path", fields.string("path", "", 2000));
    return source(request).compose(row -> {
      String type = row.getString("source_type");
      JsonObject opened = configs.open((JsonObject) row.getValue("connection_config"), row.getUUID("source_id"));
      if (type.equals("upload")) {
        // the file's node reads it: an upload source's test is whether that upload is still there, complete
        return store.run(TohungaStore.UPLOAD_FOR_SOURCE, Tuple.of(SourceConfigs.uploadId(opened))).map(rows -> rows.size() == 1
            && rows.iterator().next().getString("status").equals("uploaded") ? new JsonObject().put("ok", true).put("elapsed_ms", 0)
            : new JsonObject().put("ok", false).put("elapsed_ms", 0).put("error", new JsonObject().put("code", JobFailure.SOURCE_UNREACHABLE)
                .put("message", "the upload is gone or not completed")));
      }
      RecordSource source = type.equals("s3_bucket")
          ? new S3Source(vertx, S3Source.Config.parse(opened), "", null, env().outbound(), settings.pageMaxBytes())
          : type.equals("http_api")
          ? new HttpSource(vertx, http, HttpSource.Config.parse(opened), HttpSource.Request.parse(probe), InputFormat.JSON,
              TokenBucket.UNLIMITED, settings)
          : new PostgresSource(vertx, PostgresSource.Config.parse(opened), null, env().outbound());
      long start = System.nanoTime();
      return source.test().transform(done -> source.close().map(v -> {
        JsonObject answer = new JsonObject().put("ok", done.succeeded()).put("elapsed_ms", (System.nanoTime() - start) / 1_000_000);
        if (done.failed()) {
          answer.put("error", done.cause() instanceof JobFailure failure ? failure.toJson()
              : new JsonObject().put("code", JobFailure.SOURCE_UNREACHABLE).put("message", String.valueOf(done.cause().getMessage())));
        }
        return answer;
      }));
    });
  }

  // transformations

  private static UUID transformationId(ApiRequest request) {
    return OwnerScope.uuidOrNotFound(request.pathParam("transformation_id"), "transformation");
  }

  /** A saved step list: the same checks as a job's steps (for a source delivering bytes, the widest case). */
  private JsonArray checkedSteps(JsonFields fields) {
    JsonArray steps = fields.array("steps", null);
    for (int i = 0; i < steps.size(); i++) {
      if (steps.getValue(i) instanceof JsonObject step && step.containsKey("transformation_id")) {
        throw ApiError.invalidField("steps[" + i + "].transformation_id", "a saved transformation cannot reference another");
      }
    }
    try {
      Steps.plan(steps, "http_api");
    } catch (ApiError e) {
      // the step checks name pipeline_steps[i]; a transformation's field is steps
      throw JobDrafts.refield(e, field -> field.startsWith("pipeline_steps") ? "steps" + field.substring("pipeline_steps".length()) : field);
    }
    return steps;
  }

  private Future<ApiResponse> createTransformation(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    JsonFields fields = request.bodyFields().onlyKnown(List.of("name", "description", "steps"));
    String name = name(fields, "name");
    String description = fields.string("description", "", 2000);
    JsonArray steps = checkedSteps(fields);
    return store.one(TohungaStore.INSERT_TRANSFORMATION, Tuple.of(name, description, steps, OwnerScope.owner(caller), caller.did()),
        TohungaStore::transformation).map(created -> ApiResponse.of(201, created));
  }

  private Future<JsonObject> listTransformations(ApiRequest request) {
    Keyset keyset = Keyset.of(request);
    return store.many(TohungaStore.TRANSFORMATIONS, keyset.addTo(Tuple.of(OwnerScope.filter(request.caller()))),
        TohungaStore::transformation).map(items -> keyset.page("transformations", items, "transformation_id"));
  }

  /** PUT: the whole transformation again. */
  private Future<JsonObject> updateTransformation(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    UUID id = transformationId(request);
    JsonObject body = request.bodyObject();
    samePathId(body, request, "transformation_id");
    JsonFields fields = JsonFields.ofBody(body).onlyKnown(List.of("name", "description", "steps", "transformation_id"));
    String name = name(fields, "name");
    String description = fields.string("description", "", 2000);
    JsonArray steps = checkedSteps(fields);
    return store.one(TohungaStore.UPDATE_TRANSFORMATION, Tuple.of(id, OwnerScope.filter(caller), name, description, steps),
        TohungaStore::transformation).map(updated -> required(updated, "transformation", request));
  }

  // jobs

  private Future<JsonObject> job(ApiRequest request) {
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("job_id"), "job");
    return store.one(TohungaStore.JOB, Tuple.of(id, OwnerScope.filter(request.caller())), TohungaStore::job)
        .map(found -> required(found, "job", request));
  }

  /** Checks the whole job against its source (the caller's, active) and inserts it pending. */
  private Future<JsonObject> createJob(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    return drafts.check(request.bodyObject(), "", OwnerScope.filter(caller), null)
        .compose(draft -> drafts.insert(draft, OwnerScope.owner(caller), caller.did(), null));
  }

  /** Hands the job to this node's runner; with {@code wait}, the reply is the job at its end. */
  private Future<JsonObject> start(JsonObject job, ApiRequest request, boolean wait) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(wait ? (settings.jobTimeoutSeconds() + 60) * 1000 : 10_000);
    if (wait) {
      options.addHeader(JobRunner.WAIT, "true");
      for (String header : List.of(Addresses.HEADER_KLF_JOB, Addresses.HEADER_KLF_PROGRESS)) {
        if (request.header(header) != null) {
          options.addHeader(header, request.header(header));
        }
      }
    }
    return vertx.eventBus().<JsonObject>request(JobRunner.startAddress(job.getString("run_by")), new JsonObject().put("job_id", job.getString("job_id")), options)
        .map(reply -> wait ? reply.body() : job);
  }

  /**
   * The KLF task {@code run_acquisition_job}: runs the job and answers when it has ended, reporting
   * progress on the way; {@code {job_id, status: completed, result: {result_uri, records_processed, ...}}},
   * or the job's failure as {@code job_failed} carrying its code (SOURCE_UNREACHABLE, ...).
   */
  private Future<JsonObject> runJob(ApiRequest request) {
    return createJob(request).compose(job -> start(job, request, true)).map(job -> {
      if (!"completed".equals(job.getString("status"))) {
        JsonObject error = job.getJsonObject("error", new JsonObject().put("code", JobFailure.INTERRUPTED).put("message", "the job did not end"));
        throw new ApiError(TohungaErrors.JOB_FAILED, error.getString("message"),
            new JsonObject().put("code", error.getString("code")).put("job_id", job.getString("job_id")));
      }
      return new JsonObject().put("job_id", job.getString("job_id")).put("status", "completed").put("result", new JsonObject()
          .put("result_uri", job.getString("result_uri")).put("records_processed", job.getLong("records_out"))
          .put("records_in", job.getLong("records_in")).put("records_rejected", job.getLong("records_rejected"))
          .put("bytes", job.getLong("bytes_out")));
    });
  }

  private Future<JsonObject> listJobs(ApiRequest request) {
    Keyset keyset = Keyset.of(request);
    String status = request.queryOneOf("status", TohungaStore.jobStatuses());
    String rawSource = request.query("source_id");
    UUID source = null;
    if (rawSource != null) {
      try {
        source = UUID.fromString(rawSource);
      } catch (IllegalArgumentException e) {
        throw ApiError.invalidParameter("source_id", "must be a source id (a UUID)");
      }
    }
    return store.many(TohungaStore.JOBS, keyset.addTo(Tuple.of(OwnerScope.filter(request.caller()), status, source)),
        TohungaStore::job).map(items -> keyset.page("jobs", items, "job_id"));
  }

  private Future<JsonObject> cancelJob(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    if (request.body() instanceof JsonObject body) {
      samePathId(body, request, "job_id");
    }
    return job(request).compose(job -> store.one(TohungaStore.CANCEL_JOB, Tuple.of(UUID.fromString(job.getString("job_id")),
        OwnerScope.filter(caller)), TohungaStore::job).map(cancelled -> {
          if (cancelled == null) {
            throw TohungaErrors.JOB_FINISHED.error("job " + job.getString("job_id") + " has already ended (" + job.getString("status") + ")");
          }
          vertx.eventBus().publish(JobRunner.CANCEL, new JsonObject().put("job_id", cancelled.getString("job_id")));
          return cancelled;
        }));
  }

  /** Deletes an ended job and its assets (rows here, files on the node that holds them). */
  private Future<Void> deleteJob(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    return job(request).compose(job -> {
      UUID id = UUID.fromString(job.getString("job_id"));
      return store.many(TohungaStore.JOB_ASSET_FILES, Tuple.of(id), row -> new JsonObject().put("file_name", row.getString("file_name"))
          .put("stored_on", row.getString("stored_on"))).compose(files -> store.run(TohungaStore.DELETE_JOB, Tuple.of(id, OwnerScope.filter(caller)))
          .map(rows -> {
            if (rows.size() == 0) {
              throw TohungaErrors.JOB_UNFINISHED.error("job " + id + " is " + job.getString("status") + "; cancel it first");
            }
            files.forEach(file -> removeFile((JsonObject) file));
            return null;
          }));
    });
  }

  /** Server-Sent Events: the job now ({@code event: job}), then each change ({@code event: progress}) until it ends. */
  private Future<StreamReply> jobEvents(ApiRequest request) {
    return job(request).map(job -> EventStream.followJob(vertx, job, TohungaAddresses.JOB_PROGRESS));
  }

  // assets

  private Future<JsonObject> listAssets(ApiRequest request) {
    Keyset keyset = Keyset.of(request);
    String rawJob = request.query("job_id");
    UUID job = null;
    if (rawJob != null) {
      try {
        job = UUID.fromString(rawJob);
      } catch (IllegalArgumentException e) {
        throw ApiError.invalidParameter("job_id", "must be a job id (a UUID)");
      }
    }
    return store.many(TohungaStore.ASSETS, keyset.addTo(Tuple.of(OwnerScope.filter(request.caller()), job)),
        TohungaStore::asset).map(items -> keyset.page("assets", items, "asset_id"));
  }

  /** The asset's bytes, streamed from the node whose store holds it. */
  private Future<StreamReply.Forward> getAsset(ApiRequest request) {
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("asset_id"), "asset");
    return store.one(TohungaStore.ASSET, Tuple.of(id, OwnerScope.filter(request.caller())), TohungaStore::asset).compose(asset -> {
      required(asset, "asset", request);
      String address = Addresses.onNode(name(), JobRunner.ASSET_OPEN, asset.getString("stored_on"));
      JsonObject open = ApiRequest.busRequest(new JsonObject().put("file_name", AssetWriter.fileName(id, asset.getString("format")))
          .put("format", asset.getString("format")));
      return vertx.eventBus().request(address, open, new DeliveryOptions().setSendTimeout(10_000)).map(reply -> {
        StreamReply.Forward forward = StreamReply.Forward.of(reply);
        if (forward == null) {
          throw new IllegalStateException("the asset store answered without a stream");
        }
        return forward;
      }).recover(failure -> Future.failedFuture(TohungaErrors.fromHoldingNode(failure, "asset")));
    });
  }


  private Future<Void> deleteAsset(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("asset_id"), "asset");
    return store.one(TohungaStore.DELETE_ASSET, Tuple.of(id, OwnerScope.filter(caller)), row -> new JsonObject()
        .put("file_name", row.getString("file_name")).put("stored_on", row.getString("stored_on"))).map(file -> {
          removeFile(required(file, "asset", request));
          return null;
        });
  }

  /** Deletes an asset's file on the node that holds it; a node that is down keeps an orphan file (its row is gone). */
  private void removeFile(JsonObject file) {
    vertx.eventBus().send(Addresses.onNode(name(), JobRunner.ASSET_REMOVE, file.getString("stored_on")),
        ApiRequest.busRequest(new JsonObject().put("file_name", file.getString("file_name"))));
  }
}
