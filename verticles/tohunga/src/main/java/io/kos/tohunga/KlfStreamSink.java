package io.kos.tohunga;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.kos.verticle.KlfAnswer;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A job's output to another node (output_config.destination {@code {type: klf_stream, target_did,
 * target_url}}): the kept records as JSON Lines in numbered batches, each a signed KLF
 * {@code control_command append_stream} that the target's tohunga acknowledges once the batch is on
 * its disk. One batch is in flight at a time, so they arrive in order, and the job's next page waits
 * for the acknowledgement (back-pressure from the target). A batch that is not acknowledged (no
 * answer, a 5xx, the target restarting) is sent again under the same number, with backoff, for
 * {@code stream_retry_seconds}: the target takes each number once, so a retry never duplicates
 * records and a target that restarted continues after its last acknowledged batch. The closing
 * message makes the stream an asset of the target; its id, bytes and SHA-256 are the job's result.
 */
final class KlfStreamSink implements RecordSink {

  static final String APPEND = "append_stream";
  static final String ABORT = "abort_stream";
  private static final Pattern DID = Pattern.compile("did:kos:[a-z][a-z0-9]{0,30}:[0-9a-f]{32}");

  /** The destination as written: the target node, and its URL (null: over the cluster bus). */
  record Destination(String targetDid, String targetUrl) {

    static Destination parse(JsonObject destination, String at, String ownDid) {
      JsonFields fields = JsonFields.ofBody(destination, at).onlyKnown(List.of("type", "target_did", "target_url"));
      String did = fields.string("target_did", null, 80);
      if (!DID.matcher(did).matches()) {
        throw ApiError.invalidField(at + ".target_did", "must be a node's DID (did:kos:<class>:<32 hex digits>)");
      }
      if (did.equals(ownDid)) {
        throw ApiError.invalidField(at + ".target_did", "is this node; a job writes to its own asset store with destination type local");
      }
      String url = fields.string("target_url", "", 2000);
      if (!url.isEmpty() && OutboundHttp.urlProblem(url) != null) {
        throw ApiError.invalidField(at + ".target_url", "must be the target node's http(s) base URL (or its /klf/v1/message URL): "
            + OutboundHttp.urlProblem(url));
      }
      return new Destination(did, url.isEmpty() ? null : url);
    }

    JsonObject toJson() {
      return new JsonObject().put("type", "klf_stream").put("target_did", targetDid).put("target_url", targetUrl);
    }

    String describe() {
      return targetDid + (targetUrl == null ? " (cluster bus)" : " at " + targetUrl);
    }
  }

  /** Sends one signed control_command to the target and returns its verified answer (the runner's {@code sendKlf}). */
  interface Sender {
    Future<KlfAnswer> send(JsonObject payload);
  }

  private record Batch(String jsonl, int count) {
  }

  private final Vertx vertx;
  private final TohungaSettings settings;
  private final UUID streamId;
  private final String format;
  private final Destination destination;
  private final Sender sender;
  private long seq;
  private long recordsSent;
  private JsonObject lastAck = new JsonObject();
  private volatile JobFailure stopped;

  KlfStreamSink(Vertx vertx, TohungaSettings settings, UUID jobId, String format, Destination destination, Sender sender) {
    this.vertx = vertx;
    this.settings = settings;
    this.streamId = jobId;
    this.format = format;
    this.destination = destination;
    this.sender = sender;
  }

  @Override
  public Future<Void> write(List<ObjectNode> page) {
    if (page.isEmpty()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> batches(page), false)
        .recover(e -> Future.failedFuture(new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, "could not encode records: " + e.getMessage())))
        .compose(batches -> sendInOrder(batches, 0));
  }

  /** The page as JSON Lines (numbers exactly as read), cut into batches of about stream_batch_bytes. */
  private List<Batch> batches(List<ObjectNode> page) throws java.io.IOException {
    List<Batch> batches = new ArrayList<>();
    ByteArrayOutputStream lines = new ByteArrayOutputStream(Math.min(settings.streamBatchBytes(), 1 << 20) + 4096);
    int count = 0;
    for (ObjectNode row : page) {
      byte[] line = Rows.MAPPER.writeValueAsBytes(row);
      if (count > 0 && lines.size() + line.length + 1 > settings.streamBatchBytes()) {
        batches.add(new Batch(lines.toString(StandardCharsets.UTF_8), count));
        lines.reset();
        count = 0;
      }
      lines.write(line);
      lines.write('\n');
      count++;
    }
    batches.add(new Batch(lines.toString(StandardCharsets.UTF_8), count));
    return batches;
  }

  private Future<Void> sendInOrder(List<Batch> batches, int index) {
    if (index == batches.size()) {
      return Future.succeededFuture();
    }
    Batch batch = batches.get(index);
    JsonObject params = params().put("records_jsonl", batch.jsonl()).put("count", batch.count());
    return deliver(params, null, 1).compose(ack -> {
      recordsSent += batch.count();
      seq++;
      return sendInOrder(batches, index + 1);
    });
  }

  private JsonObject params() {
    return new JsonObject().put("stream_id", streamId.toString()).put("seq", seq).put("format", format).put("job_id", streamId.toString());
  }

  /** The closing message: the target checks the count and makes the stream its asset. */
  @Override
  public Future<Void> commit() {
    return deliver(params().put("end", true).put("records_total", recordsSent), null, 1).map(ack -> {
      if (!"completed".equals(ack.getString("status")) || ack.getString("result_uri") == null) {
        throw new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, "the node " + destination.describe() + " did not complete stream " + streamId
            + " (status " + ack.getString("status") + ")");
      }
      return null;
    });
  }

  /** Tells the target to drop the stream, once, without waiting on it: an open stream it never hears of again expires there anyway. */
  @Override
  public Future<Void> abort() {
    JsonObject payload = new JsonObject().put("command_name", ABORT)
        .put("params", new JsonObject().put("stream_id", streamId.toString()).put("reason", stopped == null ? "the job failed" : stopped.getMessage()));
    return sender.send(payload).<Void>mapEmpty().otherwiseEmpty();
  }

  @Override
  public void stop(JobFailure why) {
    stopped = why;
  }

  @Override
  public String uri() {
    return lastAck.getString("result_uri");
  }

  @Override
  public JsonObject written() {
    return new JsonObject().put("stream_id", streamId.toString()).put("target_did", destination.targetDid())
        .put("asset_id", lastAck.getString("asset_id")).put("records", lastAck.getLong("records")).put("bytes", lastAck.getLong("bytes"))
        .put("sha256", lastAck.getString("sha256")).put("batches", seq);
  }

  @Override
  public long bytes() {
    return lastAck.getLong("bytes", 0L);
  }

  /**
   * Sends {@code params} until the target acknowledges it (its ack), refuses it (a 4xx: the job
   * fails, nothing to retry), or stream_retry_seconds passed since the first attempt that failed.
   */
  private Future<JsonObject> deliver(JsonObject params, Long failingSince, int attempt) {
    if (stopped != null) {
      return Future.failedFuture(stopped);
    }
    JsonObject payload = new JsonObject().put("command_name", APPEND).put("params", params);
    return sender.send(payload).transform(sent -> {
      String why;
      if (sent.succeeded()) {
        KlfAnswer answer = sent.result();
        if (answer.ok()) {
          lastAck = answer.payload().getJsonObject("result");
          return Future.succeededFuture(lastAck);
        }
        why = answer.status() + " " + answer.errorCode() + ": " + answer.errorMessage();
        if (answer.status() < 500 && answer.status() != 429 && answer.status() != 408) {
          return Future.failedFuture(new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, "the node " + destination.describe() + " refused batch "
              + params.getLong("seq") + " of stream " + streamId + ": " + why));
        }
      } else {
        why = sent.cause().getMessage();
      }
      long now = System.nanoTime();
      long since = failingSince == null ? now : failingSince;
      if (now - since >= settings.streamRetrySeconds() * 1_000_000_000L) {
        return Future.failedFuture(new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, "the node " + destination.describe()
            + " did not acknowledge batch " + params.getLong("seq") + " of stream " + streamId + " within stream_retry_seconds ("
            + settings.streamRetrySeconds() + " s): " + why));
      }
      long delay = Math.max(1, TohungaSettings.fullJitter(settings.backoffBaseMs(), settings.backoffCapMs(), attempt));
      return vertx.timer(delay).compose(v -> deliver(params, since, attempt + 1));
    });
  }
}
