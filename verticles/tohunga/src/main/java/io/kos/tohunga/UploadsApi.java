package io.kos.tohunga;

import io.kos.verticle.Addresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.ApiResponse;
import io.kos.verticle.Caller;
import io.kos.verticle.JsonFields;
import io.kos.verticle.Keyset;
import io.kos.verticle.OwnerScope;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Chunked uploads: {@code POST /uploads} declares the file (name, size, SHA-256, chunk size), chunks
 * arrive in any order and may be sent again ({@code PUT /uploads/{id}/chunks/{n}}, raw bytes), and
 * {@code POST /uploads/{id}/complete} checks that all arrived and that their SHA-256 is the one
 * declared. The bytes go to the node that holds the upload, whichever node the request reached.
 */
final class UploadsApi {

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  static final int MIN_CHUNK = 64 * 1024;
  static final int MAX_CHUNK = 64 << 20;

  private final Vertx vertx;
  private final TohungaStore store;
  private final TohungaSettings settings;
  private final String nodeId;

  UploadsApi(Vertx vertx, TohungaStore store, TohungaSettings settings, String nodeId) {
    this.vertx = vertx;
    this.store = store;
    this.settings = settings;
    this.nodeId = nodeId;
  }

  void serve(BiConsumer<String, Function<ApiRequest, Future<?>>> serve) {
    serve.accept("uploads.create", this::create);
    serve.accept("uploads.list", this::list);
    serve.accept("uploads.get", request -> row(request).compose(row -> missing(row).map(missing -> TohungaStore.upload(row).put("missing_chunks", missing))));
    serve.accept("uploads.chunk", this::chunk);
    serve.accept("uploads.complete", this::complete);
    serve.accept("uploads.delete", this::delete);
  }

  private Future<Row> row(ApiRequest request) {
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("upload_id"), "upload");
    return store.owned(TohungaStore.UPLOAD, id, request.caller(), "upload", row -> row);
  }

  /** The first missing chunk numbers (at most 20). */
  private Future<JsonArray> missing(Row upload) {
    return store.run(TohungaStore.MISSING_CHUNKS, Tuple.of(upload.getUUID("upload_id"), upload.getInteger("total_chunks"))).map(rows -> {
      JsonArray numbers = new JsonArray();
      rows.forEach(row -> numbers.add(row.getInteger(0)));
      return numbers;
    });
  }

  private Future<ApiResponse> create(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    JsonFields fields = request.bodyFields().onlyKnown(List.of("filename", "size", "sha256", "chunk_size"));
    String filename = fields.string("filename", null, 255);
    if (filename.isBlank() || filename.contains("/") || filename.contains("\\")) {
      throw ApiError.invalidField("filename", "must be a file name (no path)");
    }
    long size = fields.integer("size", null, 1, settings.uploadMaxBytes());
    String sha256 = fields.string("sha256", null, 64).toLowerCase();
    if (!SHA256.matcher(sha256).matches()) {
      throw ApiError.invalidField("sha256", "must be the file's SHA-256 as 64 hex digits");
    }
    int chunkSize = fields.intValue("chunk_size", 4 << 20, MIN_CHUNK, MAX_CHUNK);
    long chunks = (size + chunkSize - 1) / chunkSize;
    if (chunks > 100_000) {
      throw ApiError.invalidField("chunk_size", "makes " + chunks + " chunks; at most 100000 (use larger chunks)");
    }
    return store.one(TohungaStore.INSERT_UPLOAD, Tuple.of(UUID.randomUUID(), filename, size, sha256, chunkSize, (int) chunks)
        .addValue(nodeId).addValue(settings.uploadExpiryHours()).addValue(OwnerScope.owner(caller)).addValue(caller.did()), TohungaStore::upload)
        .map(created -> ApiResponse.of(201, created));
  }

  private Future<JsonObject> list(ApiRequest request) {
    Keyset keyset = Keyset.of(request);
    String status = request.queryOneOf("status", List.of("uploading", "uploaded"));
    return store.many(TohungaStore.UPLOADS, keyset.addTo(Tuple.of(OwnerScope.filter(request.caller()), status)), TohungaStore::upload)
        .map(items -> keyset.page("uploads", items, "upload_id"));
  }

  private Future<JsonObject> chunk(ApiRequest request) {
    request.caller().requireWriter();
    Buffer bytes = request.bodyBytes();
    return row(request).compose(upload -> {
      if (!upload.getString("status").equals("uploading")) {
        throw TohungaErrors.UPLOAD_CLOSED.error("upload " + upload.getUUID("upload_id") + " is already completed");
      }
      int total = upload.getInteger("total_chunks");
      int number = (int) request.pathLong("chunk_number", 0, total - 1);
      long size = upload.getLong("size");
      int chunkSize = upload.getInteger("chunk_size");
      long offset = (long) number * chunkSize;
      long expected = Math.min(chunkSize, size - offset);
      if (bytes.length() != expected) {
        throw ApiError.invalidField("body", "chunk " + number + " must be " + expected + " bytes, not " + bytes.length());
      }
      UUID id = upload.getUUID("upload_id");
      return onHoldingNode(upload, JobRunner.UPLOAD_WRITE, new JsonObject().put("upload_id", id.toString()).put("offset", offset)
          .put("bytes", bytes))
          .compose(v -> store.run(TohungaStore.CHUNK_RECEIVED, Tuple.of(id, number, bytes.length())))
          .compose(v -> store.one(TohungaStore.UPLOAD, Tuple.of(id).addValue(null), TohungaStore::upload))
          .map(updated -> new JsonObject().put("upload_id", id.toString()).put("chunk_number", number)
              .put("received_chunks", updated.getLong("received_chunks")).put("total_chunks", total));
    });
  }

  private Future<JsonObject> complete(ApiRequest request) {
    request.caller().requireWriter();
    return row(request).compose(upload -> {
      if (!upload.getString("status").equals("uploading")) {
        throw TohungaErrors.UPLOAD_CLOSED.error("upload " + upload.getUUID("upload_id") + " is already completed");
      }
      UUID id = upload.getUUID("upload_id");
      return missing(upload).compose(missing -> {
        if (!missing.isEmpty()) {
          throw new ApiError(TohungaErrors.UPLOAD_INCOMPLETE, "upload " + id + " is missing " + (upload.getInteger("total_chunks")
              - upload.getLong("received_chunks")) + " chunk(s)", new JsonObject().put("missing_chunks", missing));
        }
        return onHoldingNode(upload, JobRunner.UPLOAD_FINISH, new JsonObject().put("upload_id", id.toString())
            .put("size", upload.getLong("size")).put("sha256", upload.getString("sha256")));
      }).compose(sniffed -> store.one(TohungaStore.UPLOAD_COMPLETED, Tuple.of(id, sniffed.getString("file_type"), sniffed.getString("compression"),
          sniffed.getString("mime_type")), TohungaStore::upload)).map(done -> {
            if (done == null) {
              throw TohungaErrors.UPLOAD_CLOSED.error("upload " + id + " was completed meanwhile");
            }
            return done;
          });
    });
  }

  private Future<Void> delete(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("upload_id"), "upload");
    return store.owned(TohungaStore.DELETE_UPLOAD, id, caller, "upload", deleted -> {
      vertx.eventBus().send(Addresses.onNode(TohungaModule.NAME, JobRunner.UPLOAD_REMOVE, deleted.getString("stored_on")),
          io.kos.verticle.ApiRequest.busRequest(new JsonObject().put("upload_id", id.toString())));
      return null;
    });
  }

  /** Asks the runner of the node that holds the upload; its failure as {@link TohungaErrors#fromHoldingNode} passes it on. */
  private Future<JsonObject> onHoldingNode(Row upload, String operation, JsonObject body) {
    return vertx.eventBus().<io.vertx.core.buffer.Buffer>request(Addresses.onNode(TohungaModule.NAME, operation, upload.getString("stored_on")),
            io.kos.verticle.ApiRequest.busRequest(body), new DeliveryOptions().setSendTimeout(120_000))
        .map(reply -> reply.body() == null || reply.body().length() == 0 ? new JsonObject() : new JsonObject(reply.body()))
        .recover(failure -> Future.failedFuture(TohungaErrors.fromHoldingNode(failure, "upload")));
  }
}
