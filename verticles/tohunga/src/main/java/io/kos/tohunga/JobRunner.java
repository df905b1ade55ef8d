package io.kos.tohunga;

import io.kos.tohunga.api.TohungaAddresses;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.StreamReply;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.Message;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Runs this node's acquisition jobs, up to {@code max_running_jobs} at once (the rest wait in
 * order), serves the files of its asset store and writes the inbound streams it holds. One per node: at start it marks the jobs this
 * node left pending or running as failed with INTERRUPTED (a job is never left running) and
 * removes their partial files. The API hands it jobs on a local address.
 */
final class JobRunner extends KosVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
  /**
   * {@code {job_id}} at {@link #startAddress} of the node that runs the job (its {@code run_by}); the
   * header {@link #WAIT} makes the reply wait for the job's end (the KLF task).
   */
  private static final String START = "runner.start";
  static final String WAIT = "kos-tohunga-wait";
  /** Published by the API: {@code {job_id}}; the node running it stops it. */
  static final String CANCEL = "kos.tohunga.runner.cancel";
  static final String ASSET_OPEN = "assets.open";
  static final String ASSET_REMOVE = "assets.remove";
  static final String UPLOAD_WRITE = "uploads.write";
  static final String UPLOAD_FINISH = "uploads.finish";
  static final String UPLOAD_REMOVE = "uploads.remove";
  static final String STREAM_WRITE = "streams.write";
  static final String STREAM_REMOVE = "streams.remove";
  /** Above the KLF client's own 10 s, so a send that times out there is answered not_delivered here. */
  private static final long STREAM_SEND_TIMEOUT_MS = 15_000;

  private record Queued(UUID jobId, Message<JsonObject> message) {
  }

  private TohungaSettings settings;
  private TohungaStore store;
  private SourceConfigs configs;
  private OutboundHttp http;
  private HttpClient client;
  private Path assetDir;
  private UploadFiles uploads;
  private final ArrayDeque<Queued> waiting = new ArrayDeque<>();
  private final Map<UUID, JobRun> running = new HashMap<>();
  private final Map<UUID, TokenBucket> buckets = new HashMap<>();

  @Override
  protected Future<?> setUp() {
    settings = TohungaSettings.parse(env().config());
    store = new TohungaStore(pool());
    configs = new SourceConfigs(env().secrets());
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(16));
    http = new OutboundHttp(vertx, client, env().outbound());
    assetDir = assetDir(env().dataDir());
    uploads = new UploadFiles(env().dataDir());
    vertx.eventBus().<JsonObject>consumer(startAddress(env().nodeId()), this::accept);
    serveOnThisNode(UPLOAD_WRITE, this::writeChunk);
    serveOnThisNode(UPLOAD_FINISH, this::finishUpload);
    serveOnThisNode(UPLOAD_REMOVE, request -> vertx.executeBlocking(() -> {
      uploads.delete(UUID.fromString(request.uncheckedBodyObject().getString("upload_id")));
      return null;
    }, false));
    InboundStreams inbound = new InboundStreams(vertx, store, assetDir, env().nodeId());
    serveOnThisNode(STREAM_WRITE, inbound::write);
    serveOnThisNode(STREAM_REMOVE, inbound::remove);
    vertx.setPeriodic(settings.uploadSweepMs(), id -> {
      sweepUploads();
      inbound.expire(settings.streamExpiryHours());
    });
    vertx.eventBus().<JsonObject>consumer(CANCEL, message -> {
      JobRun run = running.get(UUID.fromString(message.body().getString("job_id")));
      if (run != null) {
        run.stop(new JobFailure(JobFailure.CANCELLED, "cancelled by request"));
      }
    });
    serveOnThisNode(ASSET_OPEN, this::openAsset);
    serveOnThisNode(ASSET_REMOVE, request -> assetFile(request.uncheckedBodyObject().getString("file_name"))
        .compose(file -> vertx.fileSystem().delete(file.toString()).otherwiseEmpty()));
    reportHealth(() -> new JsonObject().put("ok", true).put("running_jobs", running.size()).put("waiting_jobs", waiting.size()));
    return store.run(TohungaStore.INTERRUPT_JOBS, Tuple.of(env().nodeId())).compose(rows -> {
      if (rows.size() > 0) {
        LOG.warn("{} acquisition job(s) were unfinished when this node stopped; marked failed with INTERRUPTED", rows.size());
      }
      return vertx.executeBlocking(() -> {
        AssetWriter.removeParts(assetDir);
        return null;
      });
    });
  }

  static Path assetDir(Path dataDir) {
    return dataDir.resolve("assets");
  }

  /** Where the runner of the node {@code did} takes the jobs it runs. */
  static String startAddress(String did) {
    return io.kos.verticle.Addresses.onNode(TohungaModule.NAME, START, did);
  }

  /** {@code {upload_id, offset, bytes}}: a chunk written in place (the API checked the caller and the chunk). */
  private Future<Void> writeChunk(ApiRequest request) {
    JsonObject body = request.uncheckedBodyObject();
    UUID id = UUID.fromString(body.getString("upload_id"));
    byte[] bytes = body.getBuffer("bytes").getBytes();
    return vertx.executeBlocking(() -> {
      uploads.write(id, body.getLong("offset"), bytes);
      return null;
    }, false);
  }

  /** {@code {upload_id, size, sha256}}: the file checked against the declared hash and named; what it is. */
  private Future<JsonObject> finishUpload(ApiRequest request) {
    JsonObject body = request.uncheckedBodyObject();
    UUID id = UUID.fromString(body.getString("upload_id"));
    return vertx.executeBlocking(() -> {
      String actual = uploads.sha256(id, body.getLong("size"));
      if (actual == null) {
        throw TohungaErrors.UPLOAD_INCOMPLETE.error("upload " + id + ": the file on disk is not " + body.getLong("size") + " bytes long");
      }
      if (!actual.equals(body.getString("sha256"))) {
        throw new io.kos.verticle.ApiError(TohungaErrors.UPLOAD_HASH_MISMATCH, "upload " + id + ": the SHA-256 of what arrived is " + actual
            + ", not the " + body.getString("sha256") + " declared; send the chunks again and complete it again",
            new JsonObject().put("expected", body.getString("sha256")).put("actual", actual));
      }
      UploadFiles.Sniffed sniffed = uploads.sniff(id);
      uploads.complete(id);
      return new JsonObject().put("file_type", sniffed.fileType()).put("compression", sniffed.compression()).put("mime_type", sniffed.mimeType());
    }, false);
  }

  /** Unfinished uploads of this node past their expiry: rows and files deleted. */
  private void sweepUploads() {
    store.run(TohungaStore.EXPIRE_UPLOADS, Tuple.of(env().nodeId())).onSuccess(rows -> {
      for (Row row : rows) {
        UUID id = row.getUUID("upload_id");
        vertx.executeBlocking(() -> {
          uploads.delete(id);
          return null;
        }, false);
      }
      if (rows.size() > 0) {
        LOG.info("deleted {} unfinished upload(s) past their expiry", rows.size());
      }
    }).onFailure(e -> LOG.warn("could not delete expired uploads: {}", e.toString()));
  }

  private void accept(Message<JsonObject> message) {
    UUID jobId = UUID.fromString(message.body().getString("job_id"));
    if (!message.headers().contains(WAIT)) {
      message.reply(new JsonObject().put("accepted", true));
    }
    waiting.add(new Queued(jobId, message));
    drain();
  }

  private void drain() {
    while (running.size() < settings.maxRunningJobs() && !waiting.isEmpty()) {
      Queued next = waiting.poll();
      launch(next);
    }
  }

  private void launch(Queued queued) {
    // held while the job starts, so the limit counts it
    running.put(queued.jobId(), null);
    store.run(TohungaStore.START_JOB, Tuple.of(queued.jobId())).compose(rows -> {
      if (rows.size() == 0) {
        // cancelled before it started (or not ours to start): nothing runs
        return Future.succeededFuture();
      }
      return execute(rows.iterator().next(), queued.message().headers());
    }).onComplete(done -> {
      running.remove(queued.jobId());
      if (done.failed()) {
        LOG.error("acquisition job {} could not be run or recorded", queued.jobId(), done.cause());
      }
      if (queued.message().headers().contains(WAIT)) {
        store.one(TohungaStore.JOB, Tuple.of(queued.jobId()).addValue(null), TohungaStore::job).onComplete(
            job -> queued.message().reply(job), failure -> queued.message().fail(500, failure.getMessage()));
      }
      drain();
    });
  }

  /** Builds the job from its row and runs it to its end, recording how it ended; fails only when that record fails. */
  private Future<Void> execute(Row row, MultiMap requestHeaders) {
    return sinkFor(row.getUUID("job_id"), (JsonObject) row.getValue("output_config")).transform(sink -> sink.succeeded()
        ? execute(row, requestHeaders, sink.result())
        : finishFailed(row.getUUID("job_id"), null, sink.cause() instanceof JobFailure f ? f
            : new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, String.valueOf(sink.cause().getMessage()))));
  }

  /**
   * Where the records go other than a file of the asset store: a postgresql output's table (through
   * its source's connection settings), a klf_stream's node; null for the asset store.
   */
  private Future<RecordSink> sinkFor(UUID jobId, JsonObject output) {
    JsonObject destination = output.getJsonObject("destination");
    if ("klf_stream".equals(destination.getString("type"))) {
      KlfStreamSink.Destination target = KlfStreamSink.Destination.parse(destination, "output_config.destination", env().nodeId());
      return Future.succeededFuture(new KlfStreamSink(vertx, settings, jobId, output.getString("format"), target,
          payload -> sendKlf(target.targetDid(), target.targetUrl(), "control_command", payload, STREAM_SEND_TIMEOUT_MS)));
    }
    if (!"postgresql".equals(destination.getString("type"))) {
      return Future.succeededFuture(null);
    }
    TableSink.Destination table = TableSink.Destination.parse(destination, "output_config.destination");
    return store.run(TohungaStore.SOURCE, Tuple.of(table.sourceId()).addValue(null)).<RecordSink>map(rows -> {
      if (rows.size() == 0 || !rows.iterator().next().getBoolean("is_active")) {
        throw new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, "the output's postgresql source " + table.sourceId() + " was deleted or deactivated");
      }
      Row source = rows.iterator().next();
      JsonObject opened = configs.open((JsonObject) source.getValue("connection_config"), source.getUUID("source_id"));
      return new TableSink(vertx, PostgresSource.Config.parse(opened), table, env().outbound());
    });
  }

  private Future<Void> execute(Row row, MultiMap requestHeaders, RecordSink sink) {
    UUID jobId = row.getUUID("job_id");
    ApiRequest klf = new ApiRequest(new JsonObject(), requestHeaders);
    JsonObject output = (JsonObject) row.getValue("output_config");
    Instant startedAt = Instant.now();
    JobRun run;
    JsonObject provenanceSource;
    try {
      if (row.getUUID("source_id") == null) {
        throw new JobFailure(JobFailure.SOURCE_ERROR, "the job's source was deleted before the job started");
      }
      if (!row.getBoolean("is_active")) {
        throw new JobFailure(JobFailure.SOURCE_ERROR, "the job's source was deactivated before the job started");
      }
      String type = row.getString("source_type");
      UUID sourceId = row.getUUID("source_id");
      JsonObject opened = configs.open((JsonObject) row.getValue("connection_config"), sourceId);
      Steps.Plan plan = Steps.plan((JsonArray) row.getValue("pipeline_steps"), type);
      JsonObject params = row.getValue("request_params") instanceof JsonObject p ? p : new JsonObject();
      RecordSource source = source(type, sourceId, opened, params, plan, row.getValue("incremental") != null);
      provenanceSource = new JsonObject().put("source_id", sourceId.toString()).put("source_name", row.getString("source_name"))
          .put("source_type", type).put("location", location(type, opened));
      JsonObject incremental = row.getValue("incremental") instanceof JsonObject i ? i : null;
      run = new JobRun(vertx, jobId, source, plan.steps(), assetDir, output.getString("format"), sink,
          incremental == null ? null : Rows.path(incremental.getString("field")), incremental == null ? null : incremental.getString("from"));
    } catch (JobFailure failure) {
      return finishFailed(jobId, null, failure);
    }
    running.put(jobId, run);
    reportProgress(klf, 0, "running");
    long[] lastReport = {System.nanoTime()};
    long timer = vertx.setTimer(settings.jobTimeoutSeconds() * 1000, id -> run.stop(new JobFailure(JobFailure.TIMEOUT,
        "the job ran longer than job_timeout_seconds (" + settings.jobTimeoutSeconds() + " s)")));
    return run.run(() -> {
      if (System.nanoTime() - lastReport[0] >= settings.progressIntervalMs() * 1_000_000) {
        lastReport[0] = System.nanoTime();
        progress(jobId, run, klf);
      }
    }).transform(done -> {
      vertx.cancelTimer(timer);
      if (done.failed()) {
        JobFailure failure = done.cause() instanceof JobFailure f ? f : new JobFailure(JobFailure.SOURCE_ERROR, String.valueOf(done.cause().getMessage()));
        if (!(done.cause() instanceof JobFailure)) {
          LOG.warn("acquisition job {} failed unexpectedly", jobId, done.cause());
        }
        return finishFailed(jobId, run, failure);
      }
      JsonObject destination = output.getJsonObject("destination");
      if (!"s3".equals(destination.getString("type"))) {
        return finishCompleted(row, run, done.result(), provenanceSource, startedAt, sink, null);
      }
      return toBucket(jobId, output, done.result()).transform(put -> put.succeeded()
          ? finishCompleted(row, run, done.result(), provenanceSource, startedAt, sink, put.result())
          : dropFiles(done.result()).transform(v -> finishFailed(jobId, run, put.cause() instanceof JobFailure f ? f
              : new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, String.valueOf(put.cause().getMessage())))));
    });
  }

  /** Puts a finished result file to the output's bucket; the object's {@code s3://} URI. */
  private Future<String> toBucket(UUID jobId, JsonObject output, JobRun.Outcome outcome) {
    S3Output target = S3Output.parse(output.getJsonObject("destination"), "output_config.destination");
    return store.run(TohungaStore.SOURCE, Tuple.of(target.sourceId()).addValue(null)).compose(rows -> {
      if (rows.size() == 0 || !rows.iterator().next().getBoolean("is_active")) {
        return Future.failedFuture(new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, "the output's s3_bucket source " + target.sourceId()
            + " was deleted or deactivated"));
      }
      Row source = rows.iterator().next();
      S3Source.Config bucket = S3Source.Config.parse(configs.open((JsonObject) source.getValue("connection_config"), source.getUUID("source_id")));
      String key = target.objectKey(bucket, jobId, output.getString("format"));
      Path file = assetDir.resolve(outcome.result().fileName());
      return vertx.executeBlocking(() -> {
        S3Output.put(bucket, env().outbound(), key, file, AssetWriter.contentType(output.getString("format")));
        return "s3://" + bucket.bucket() + "/" + key;
      }, false);
    });
  }

  private Future<Void> dropFiles(JobRun.Outcome outcome) {
    return vertx.executeBlocking(() -> {
      if (outcome.result() != null) {
        Files.deleteIfExists(assetDir.resolve(outcome.result().fileName()));
      }
      if (outcome.deadLetters() != null) {
        Files.deleteIfExists(assetDir.resolve(outcome.deadLetters().fileName()));
      }
      return null;
    }, false);
  }

  private RecordSource source(String type, UUID sourceId, JsonObject opened, JsonObject params, Steps.Plan plan, boolean incremental) {
    if (type.equals("upload")) {
      UUID upload = UUID.fromString(params.getString("upload_id"));
      InputFormat format = plan.inputOr(new InputFormat(params.getString("file_type"), ',', true));
      return new StreamSource(vertx, () -> uploads.open(upload, "gzip".equals(params.getString("compression"))), format,
          "upload " + upload + " (" + params.getString("filename") + ")", settings.pageMaxBytes());
    }
    if (type.equals("s3_bucket")) {
      S3Source.Config config = S3Source.Config.parse(opened);
      return new S3Source(vertx, config, S3Source.prefix(config, params), plan.input(), env().outbound(), settings.pageMaxBytes());
    }
    InputFormat input = plan.inputOr(InputFormat.JSON);
    if (type.equals("http_api")) {
      HttpSource.Config config = HttpSource.Config.parse(opened);
      TokenBucket bucket = buckets.get(sourceId);
      if (bucket == null || !bucket.sameLimit(config.requestsPerSecond(), config.burst())) {
        bucket = new TokenBucket(vertx, config.requestsPerSecond(), config.burst());
        buckets.put(sourceId, bucket);
      }
      return new HttpSource(vertx, http, config, HttpSource.Request.parse(params), input, bucket, settings);
    }
    return new PostgresSource(vertx, PostgresSource.Config.parse(opened), PostgresSource.Request.parse(params, incremental), env().outbound());
  }

  /** Where the data came from, without credentials. */
  private static String location(String type, JsonObject opened) {
    if (type.equals("http_api")) {
      return opened.getString("base_url");
    }
    if (type.equals("upload")) {
      return "upload:" + opened.getString("upload_id");
    }
    if (type.equals("s3_bucket")) {
      S3Source.Config config = S3Source.Config.parse(opened);
      return "s3://" + config.bucket() + "/" + config.prefix() + (config.endpoint() == null ? "" : " at " + config.endpoint());
    }
    PostgresSource.Config config = PostgresSource.Config.parse(opened);
    return "postgresql://" + config.host() + ":" + config.options().getPort() + "/" + config.options().getDatabase();
  }

  private void progress(UUID jobId, JobRun run, ApiRequest klf) {
    String message = run.recordsIn + " records read, " + run.recordsOut + " written, " + run.recordsRejected + " rejected";
    Integer percent = run.progress();
    store.run(TohungaStore.JOB_PROGRESS, Tuple.of(jobId, percent, run.recordsIn, run.recordsOut, run.recordsRejected, run.bytesOut(), message))
        .onSuccess(rows -> {
          if (rows.size() > 0 && rows.iterator().next().getBoolean("cancel_requested")) {
            run.stop(new JobFailure(JobFailure.CANCELLED, "cancelled by request"));
          }
        });
    publish(jobId, "running", percent, run, message);
    reportProgress(klf, percent == null ? 0 : percent, message);
  }

  private void publish(UUID jobId, String status, Integer percent, JobRun run, String message) {
    vertx.eventBus().publish(TohungaAddresses.JOB_PROGRESS, new JsonObject().put("job_id", jobId.toString()).put("status", status)
        .put("progress", percent).put("records_in", run == null ? 0 : run.recordsIn).put("records_out", run == null ? 0 : run.recordsOut)
        .put("records_rejected", run == null ? 0 : run.recordsRejected).put("message", message));
  }

  private Future<Void> finishFailed(UUID jobId, JobRun run, JobFailure failure) {
    String status = failure.code().equals(JobFailure.CANCELLED) ? "cancelled" : "failed";
    Tuple params = Tuple.of(jobId, status, run == null ? null : run.progress(), run == null ? 0L : run.recordsIn,
        run == null ? 0L : run.recordsOut, run == null ? 0L : run.recordsRejected)
        .addValue(0L).addValue(failure.getMessage()).addValue(null).addValue(failure.toJson()).addValue(null).addValue(null);
    return store.run(TohungaStore.FINISH_JOB, params).onSuccess(v -> publish(jobId, status, null, run, failure.getMessage())).mapEmpty();
  }

  /** @param uploadedTo the object a result was put to (an s3 output), else null */
  private Future<Void> finishCompleted(Row row, JobRun run, JobRun.Outcome outcome, JsonObject source, Instant startedAt, RecordSink sink,
                                       String uploadedTo) {
    UUID jobId = row.getUUID("job_id");
    UUID owner = row.getUUID("owner_id");
    JsonObject output = (JsonObject) row.getValue("output_config");
    AssetWriter.Written result = outcome.result();
    String resultUri = uploadedTo != null ? uploadedTo : result == null ? sink.uri() : "kos://" + env().nodeId() + "/assets/" + result.assetId();
    JsonObject written = new JsonObject().put("format", output.getString("format")).put("destination", output.getValue("destination"))
        .put("result_uri", resultUri);
    if (result != null) {
      written.put("asset_id", result.assetId().toString()).put("bytes", result.bytes()).put("sha256", result.sha256());
    } else {
      sink.written().forEach(member -> written.put(member.getKey(), member.getValue()));
    }
    JsonObject provenance = new JsonObject().put("job_id", jobId.toString()).put("node", env().nodeId()).put("source", source)
        .put("request_params", row.getValue("request_params")).put("steps", row.getValue("pipeline_steps"))
        .put("output", written)
        .put("counts", new JsonObject().put("in", run.recordsIn).put("out", run.recordsOut).put("rejected", run.recordsRejected)
            .put("filtered", run.recordsIn - run.recordsOut - run.recordsRejected))
        .put("source_bytes", run.bytesIn).put("started_at", startedAt.toString()).put("completed_at", Instant.now().toString());
    if (outcome.deadLetters() != null) {
      provenance.put("dead_letters", new JsonObject().put("asset_id", outcome.deadLetters().assetId().toString())
          .put("records", outcome.deadLetters().records()).put("bytes", outcome.deadLetters().bytes())
          .put("sha256", outcome.deadLetters().sha256()));
    }
    String message = run.recordsOut + " records written" + (run.recordsRejected > 0 ? ", " + run.recordsRejected + " rejected" : "");
    return store.pool().<Object>withTransaction(connection -> {
      Future<?> assets = result == null ? Future.succeededFuture()
          : connection.preparedQuery(TohungaStore.INSERT_ASSET).execute(asset(result, jobId, "result", output.getString("format"), owner));
      if (outcome.deadLetters() != null) {
        assets = assets.compose(v -> connection.preparedQuery(TohungaStore.INSERT_ASSET).execute(asset(outcome.deadLetters(), jobId,
            "dead_letter", "json_lines", owner)));
      }
      Future<?> finished = assets.compose(v -> connection.preparedQuery(TohungaStore.FINISH_JOB).execute(Tuple.of(jobId, "completed", 100,
          run.recordsIn, run.recordsOut, run.recordsRejected).addValue(run.bytesOut()).addValue(message).addValue(resultUri)
          .addValue(null).addValue(provenance).addValue(run.cursorTo())));
      UUID pipeline = row.getUUID("pipeline_id");
      // the incremental cursor moves in the same transaction as the run's completion, after its output is on disk
      return (pipeline == null || run.cursorTo() == null ? finished
          : finished.compose(v -> connection.preparedQuery(TohungaStore.COMMIT_CURSOR).execute(Tuple.of(pipeline, run.cursorTo())))).map(v -> v);
    }).onSuccess(v -> publish(jobId, "completed", 100, run, message)).<Void>mapEmpty().recover(failure -> {
      // the files were written but not recorded: drop them, so no asset exists that no row knows
      dropFiles(outcome);
      return Future.failedFuture(failure);
    });
  }

  private Tuple asset(AssetWriter.Written written, UUID jobId, String kind, String format, UUID owner) {
    return Tuple.of(written.assetId(), jobId, env().nodeId(), kind, format, written.fileName()).addValue(written.bytes())
        .addValue(written.records()).addValue(written.sha256()).addValue(owner);
  }

  /** {@code {file_name, format}} (the API checked the caller) → the file, streamed. */
  private Future<Object> openAsset(ApiRequest request) {
    JsonObject body = request.uncheckedBodyObject();
    String name = body.getString("file_name");
    return assetFile(name).compose(file -> vertx.fileSystem().props(file.toString()).compose(props -> vertx.fileSystem().open(file.toString(),
            new OpenOptions().setRead(true).setWrite(false).setCreate(false))
        .map(opened -> (Object) new StreamReply(AssetWriter.contentType(body.getString("format")), props.size(),
            opened.setReadBufferSize(1 << 16), opened::close)))
        .recover(e -> Future.failedFuture(e instanceof io.vertx.core.file.FileSystemException
            ? io.kos.verticle.ApiError.notFound("the asset's file is missing from this node's store (" + name + ")") : e)));
  }

  /** A file of the store by its name (nothing outside it). */
  private Future<Path> assetFile(String name) {
    Path file = name == null ? null : assetDir.resolve(name).normalize();
    if (file == null || name.contains("/") || name.contains("\\") || !assetDir.normalize().equals(file.getParent())) {
      return Future.failedFuture(new IllegalArgumentException("not an asset file: " + name));
    }
    return Future.succeededFuture(file);
  }

  @Override
  public Future<?> stop() {
    running.values().forEach(run -> {
      if (run != null) {
        run.stop(new JobFailure(JobFailure.INTERRUPTED, "the node is stopping"));
      }
    });
    return client.close();
  }
}
