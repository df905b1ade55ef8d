package io.kos.tohunga;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.OwnerScope;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The files of the inbound streams this node holds ({@code <data_dir>/assets/<asset>.<ext>.stream}).
 * The batches of one stream are applied one after the other, whatever their arrival: a batch is
 * parsed whole, written, synced to disk, then counted in the stream's row, and only then
 * acknowledged; the closing message finishes the file and records it as an asset of kind
 * {@code received}, in one transaction with the stream's completion. A stream's writer stays open
 * between batches; after a restart (or a write that failed) it is reopened from the row, cut back to
 * the bytes acknowledged, so a batch is never on disk twice.
 */
final class InboundStreams {

  private static final Logger LOG = LoggerFactory.getLogger(InboundStreams.class);

  private final Vertx vertx;
  private final TohungaStore store;
  private final Path assetDir;
  private final String nodeId;
  private final Map<String, AssetWriter> writers = new ConcurrentHashMap<>();
  /** Per stream, the last operation queued: the next one starts when it ends. */
  private final Map<String, Future<?>> queues = new ConcurrentHashMap<>();

  InboundStreams(Vertx vertx, TohungaStore store, Path assetDir, String nodeId) {
    this.vertx = vertx;
    this.store = store;
    this.assetDir = assetDir;
    this.nodeId = nodeId;
  }

  /** {@code {owner_id, stream_id, seq, records_jsonl, count, end, records_total}} (the API checked the sender) → the stream's acknowledgement. */
  Future<JsonObject> write(ApiRequest request) {
    JsonObject batch = request.uncheckedBodyObject();
    return queued(key(batch), () -> apply(batch));
  }

  /** {@code {owner_id, stream_id, file_asset_id, format}} of an aborted stream: its writer closed, its file deleted. */
  Future<Void> remove(ApiRequest request) {
    JsonObject stream = request.uncheckedBodyObject();
    return queued(key(stream), () -> drop(key(stream), UUID.fromString(stream.getString("file_asset_id")), stream.getString("format")));
  }

  /** Open streams of this node no batch reached for {@code hours}: expired, files deleted. */
  void expire(int hours) {
    store.run(TohungaStore.EXPIRE_STREAMS, Tuple.of(nodeId, hours)).onSuccess(rows -> {
      for (Row row : rows) {
        String key = row.getUUID("owner_id") + "/" + row.getUUID("stream_id");
        queued(key, () -> drop(key, row.getUUID("asset_id"), row.getString("format")));
      }
      if (rows.size() > 0) {
        LOG.info("expired {} inbound stream(s) no batch reached for stream_expiry_hours", rows.size());
      }
    }).onFailure(e -> LOG.warn("could not expire idle inbound streams: {}", e.toString()));
  }

  private static String key(JsonObject stream) {
    return stream.getString("owner_id") + "/" + stream.getString("stream_id");
  }

  private <T> Future<T> queued(String key, Supplier<Future<T>> operation) {
    Future<?> previous = queues.getOrDefault(key, Future.succeededFuture());
    Future<T> next = previous.transform(ignored -> operation.get());
    queues.put(key, next);
    next.onComplete(done -> queues.remove(key, next));
    return next;
  }

  private Future<JsonObject> apply(JsonObject batch) {
    UUID owner = UUID.fromString(batch.getString("owner_id"));
    UUID streamId = UUID.fromString(batch.getString("stream_id"));
    long seq = batch.getLong("seq");
    return store.run(TohungaStore.STREAM, Tuple.of(streamId, owner)).compose(rows -> {
      Row stream = OwnerScope.one(rows, "stream", streamId);
      String status = stream.getString("status");
      if (status.equals("completed")) {
        return Future.succeededFuture(TohungaStore.stream(stream));
      }
      if (!status.equals("open")) {
        throw TohungaErrors.STREAM_CLOSED.error("stream " + streamId + " is " + status + ": " + stream.getString("message"));
      }
      long expected = stream.getLong("next_seq");
      if (seq < expected) {
        // a batch sent again after its acknowledgement was lost: it is on disk once already
        return Future.succeededFuture(TohungaStore.stream(stream));
      }
      if (seq > expected) {
        throw new ApiError(TohungaErrors.STREAM_OUT_OF_ORDER, "stream " + streamId + " expects batch " + expected + ", not " + seq,
            new JsonObject().put("next_seq", expected));
      }
      Future<?> applied = batch.getBoolean("end") ? finish(stream, batch.getLong("records_total")) : append(stream, batch);
      return applied.compose(v -> store.run(TohungaStore.STREAM, Tuple.of(streamId, owner)))
          .map(updated -> TohungaStore.stream(OwnerScope.one(updated, "stream", streamId)));
    });
  }

  private Future<Void> append(Row stream, JsonObject batch) {
    String key = stream.getUUID("owner_id") + "/" + stream.getUUID("stream_id");
    return vertx.executeBlocking(() -> {
      List<ObjectNode> records = parse(batch.getString("records_jsonl"), batch.getLong("count"));
      AssetWriter writer = writer(key, stream);
      try {
        for (ObjectNode record : records) {
          writer.write(record);
        }
        writer.sync();
      } catch (IOException | RuntimeException e) {
        forget(key);
        throw e;
      }
      return writer;
    }, false).compose(writer -> store.run(TohungaStore.STREAM_BATCH, Tuple.of(stream.getUUID("owner_id"), stream.getUUID("stream_id"),
            stream.getLong("next_seq"), writer.records(), writer.bytes()).addValue(writer.columns() == null ? null : new JsonArray(writer.columns())))
        .transform(counted -> {
          if (counted.succeeded() && counted.result().rowCount() == 1) {
            return Future.<Void>succeededFuture();
          }
          // not counted (the database failed, or the stream was aborted meanwhile): the next batch starts from the row again
          forget(key);
          return Future.failedFuture(counted.failed() ? counted.cause()
              : TohungaErrors.STREAM_CLOSED.error("stream " + stream.getUUID("stream_id") + " was closed while the batch was written"));
        }));
  }

  /** Every line a JSON object, as many as the sender counted; nothing is written unless all are. */
  private static List<ObjectNode> parse(String jsonl, long count) {
    List<ObjectNode> records = new ArrayList<>((int) Math.min(count, 100_000));
    int line = 0;
    for (String text : jsonl.split("\n")) {
      line++;
      if (text.isEmpty()) {
        continue;
      }
      JsonNode node;
      try {
        node = Rows.MAPPER.readTree(text);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw ApiError.invalidField("records_jsonl", "line " + line + " is not JSON: " + e.getOriginalMessage());
      }
      if (!(node instanceof ObjectNode record)) {
        throw ApiError.invalidField("records_jsonl", "line " + line + " is not a JSON object");
      }
      records.add(record);
    }
    if (records.size() != count) {
      throw ApiError.invalidField("count", "is " + count + ", but records_jsonl has " + records.size() + " records");
    }
    return records;
  }

  /** The stream's writer, positioned where the row says the acknowledged bytes end. */
  private AssetWriter writer(String key, Row stream) throws IOException {
    AssetWriter cached = writers.get(key);
    if (cached != null && cached.bytes() == stream.getLong("bytes")) {
      return cached;
    }
    forget(key);
    JsonArray columns = (JsonArray) stream.getValue("csv_columns");
    List<String> header = columns == null ? null : columns.stream().map(String::valueOf).toList();
    AssetWriter writer = AssetWriter.resume(assetDir, stream.getUUID("asset_id"), stream.getString("format"), stream.getLong("bytes"),
        stream.getLong("records"), header);
    writers.put(key, writer);
    return writer;
  }

  private void forget(String key) {
    AssetWriter writer = writers.remove(key);
    if (writer != null) {
      writer.close();
    }
  }

  /**
   * The closing message: the count checked, the file forced to disk under its asset name, the asset
   * recorded and the stream completed together. A file already renamed (a crash before the record) is
   * taken as it is, once its size is the acknowledged one.
   */
  private Future<Void> finish(Row stream, long total) {
    UUID owner = stream.getUUID("owner_id");
    UUID streamId = stream.getUUID("stream_id");
    if (total != stream.getLong("records")) {
      throw ApiError.invalidField("records_total", "is " + total + ", but stream " + streamId + " acknowledged " + stream.getLong("records") + " records");
    }
    String key = owner + "/" + streamId;
    UUID assetId = stream.getUUID("asset_id");
    String format = stream.getString("format");
    String name = AssetWriter.fileName(assetId, format);
    return vertx.executeBlocking(() -> {
      Path done = assetDir.resolve(name);
      if (!Files.exists(assetDir.resolve(name + AssetWriter.STREAM_SUFFIX)) && Files.exists(done) && Files.size(done) == stream.getLong("bytes")) {
        return new AssetWriter.Written(assetId, name, stream.getLong("bytes"), stream.getLong("records"), UploadFiles.sha256Of(done));
      }
      AssetWriter.Written written = writer(key, stream).finish();
      writers.remove(key);
      return written;
    }, false).compose(written -> store.pool().withTransaction(connection -> connection.preparedQuery(TohungaStore.INSERT_ASSET)
        .execute(Tuple.of(assetId).addValue(null).addValue(nodeId).addValue("received").addValue(format).addValue(name).addValue(written.bytes()).addValue(written.records())
            .addValue(written.sha256()).addValue(owner))
        .compose(v -> connection.preparedQuery(TohungaStore.COMPLETE_STREAM).execute(Tuple.of(owner, streamId, stream.getLong("next_seq"),
            written.sha256())))
        .map(completed -> {
          if (completed.rowCount() != 1) {
            throw TohungaErrors.STREAM_CLOSED.error("stream " + streamId + " was closed while it was completed");
          }
          return null;
        })));
  }

  private Future<Void> drop(String key, UUID assetId, String format) {
    forget(key);
    return vertx.executeBlocking(() -> {
      Files.deleteIfExists(assetDir.resolve(AssetWriter.fileName(assetId, format) + AssetWriter.STREAM_SUFFIX));
      return null;
    }, false);
  }
}
