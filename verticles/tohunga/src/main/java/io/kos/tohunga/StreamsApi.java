package io.kos.tohunga;

import io.kos.verticle.Addresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.Caller;
import io.kos.verticle.JsonFields;
import io.kos.verticle.Keyset;
import io.kos.verticle.OwnerScope;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The receiving end of other nodes' klf_stream outputs: KLF {@code append_stream} (a numbered batch
 * of JSON Lines, or the closing message) and {@code abort_stream} from a sending node, and the
 * streams for their senders and admins to read ({@code GET /streams}). A stream is written by the
 * runner of the node that took its first batch ({@code stored_on}), whichever member of the cluster
 * a later batch reaches.
 */
final class StreamsApi {

  private static final List<String> APPEND_FIELDS = List.of("stream_id", "seq", "format", "job_id", "records_jsonl", "count", "end", "records_total");

  private final Vertx vertx;
  private final TohungaStore store;
  private final String nodeId;

  StreamsApi(Vertx vertx, TohungaStore store, String nodeId) {
    this.vertx = vertx;
    this.store = store;
    this.nodeId = nodeId;
  }

  void serve(BiConsumer<String, Function<ApiRequest, Future<?>>> serve) {
    serve.accept("streams.append", this::append);
    serve.accept("streams.abort", this::abort);
    serve.accept("streams.list", this::list);
    serve.accept("streams.get", request -> {
      UUID id = OwnerScope.uuidOrNotFound(request.pathParam("stream_id"), "stream");
      return store.owned(TohungaStore.STREAM, id, request.caller(), "stream", TohungaStore::stream);
    });
  }

  /** Only a node sends a stream, and one that may write here (an editor or admin peer). */
  private static Caller sender(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    if (!caller.isNode()) {
      throw ApiError.notFound("streams are sent by nodes, over KLF (append_stream)");
    }
    return caller;
  }

  private Future<JsonObject> append(ApiRequest request) {
    Caller caller = sender(request);
    JsonFields fields = request.bodyFields().onlyKnown(APPEND_FIELDS);
    UUID streamId = fields.uuid("stream_id", true);
    long seq = fields.integer("seq", null, 0, Long.MAX_VALUE);
    String format = fields.string("format", null, 20);
    if (!format.equals("json_lines") && !format.equals("csv")) {
      throw ApiError.invalidField("format", "must be json_lines or csv, not '" + format + "'");
    }
    UUID job = fields.uuid("job_id", false);
    boolean end = fields.bool("end", false);
    String records = fields.string("records_jsonl", "", Integer.MAX_VALUE);
    long count = fields.integer("count", 0L, 0, Integer.MAX_VALUE);
    if (end && (count > 0 || !records.isEmpty())) {
      throw ApiError.invalidField("records_jsonl", "the closing message (end true) carries no records: send them in the batches before it");
    }
    if (!end && (count == 0 || records.isEmpty())) {
      throw ApiError.invalidField("count", "must be the number of records in records_jsonl, at least 1 (a batch that is not the closing message has some)");
    }
    long total = end ? fields.integer("records_total", null, 0, Long.MAX_VALUE) : -1;
    UUID owner = OwnerScope.owner(caller);
    Future<?> opened = seq > 0 ? Future.succeededFuture()
        : store.run(TohungaStore.OPEN_STREAM, Tuple.of(owner, streamId, caller.did(), job, format, UUID.randomUUID()).addValue(nodeId));
    return opened.compose(v -> store.run(TohungaStore.STREAM, Tuple.of(streamId, owner))).compose(rows -> {
      Row stream = OwnerScope.one(rows, "stream", streamId);
      if (!stream.getString("format").equals(format)) {
        throw ApiError.invalidField("format", "stream " + streamId + " is " + stream.getString("format"));
      }
      if (stream.getString("status").equals("completed")) {
        // the closing message sent again (its acknowledgement was lost): the same answer
        return Future.succeededFuture(TohungaStore.stream(stream));
      }
      JsonObject batch = new JsonObject().put("owner_id", owner.toString()).put("stream_id", streamId.toString()).put("seq", seq)
          .put("records_jsonl", records).put("count", count).put("end", end).put("records_total", total);
      return vertx.eventBus().<Buffer>request(Addresses.onNode(TohungaModule.NAME, JobRunner.STREAM_WRITE, stream.getString("stored_on")),
              ApiRequest.busRequest(batch), new DeliveryOptions().setSendTimeout(60_000))
          .map(reply -> new JsonObject(reply.body()))
          .recover(failure -> Future.failedFuture(TohungaErrors.fromHoldingNode(failure, "stream")));
    });
  }

  private Future<JsonObject> abort(ApiRequest request) {
    Caller caller = sender(request);
    JsonFields fields = request.bodyFields().onlyKnown(List.of("stream_id", "reason"));
    UUID streamId = fields.uuid("stream_id", true);
    String reason = fields.string("reason", "aborted by its sender", 2000);
    UUID owner = OwnerScope.owner(caller);
    return store.run(TohungaStore.ABORT_STREAM, Tuple.of(owner, streamId, reason)).compose(rows -> {
      if (rows.size() == 0) {
        return store.run(TohungaStore.STREAM, Tuple.of(streamId, owner)).map(found -> TohungaStore.stream(OwnerScope.one(found, "stream", streamId)));
      }
      Row aborted = rows.iterator().next();
      vertx.eventBus().send(Addresses.onNode(TohungaModule.NAME, JobRunner.STREAM_REMOVE, aborted.getString("stored_on")),
          ApiRequest.busRequest(TohungaStore.stream(aborted).put("file_asset_id", aborted.getUUID("asset_id").toString())));
      return Future.succeededFuture(TohungaStore.stream(aborted));
    });
  }

  private Future<JsonObject> list(ApiRequest request) {
    Keyset keyset = Keyset.of(request);
    String status = request.queryOneOf("status", List.of("open", "completed", "aborted", "expired"));
    return store.many(TohungaStore.STREAMS, keyset.addTo(Tuple.of(OwnerScope.filter(request.caller()), status)), TohungaStore::stream)
        .map(items -> keyset.page("streams", items, "stream_id"));
  }
}
