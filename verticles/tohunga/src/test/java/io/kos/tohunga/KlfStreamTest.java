package io.kos.tohunga;

import io.kos.node.klf.KlfMessage;
import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.KlfPeer;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import static io.kos.tohunga.TohungaNode.BASE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * klf_stream outputs between two nodes in one JVM: records arrive in order as an asset of the target
 * identical to a local result, each batch taken once whatever is sent again, every refusal named,
 * the streams listed for their senders and admins only. (Between two node processes, with the target
 * killed mid-stream: {@link KlfStreamProcessTest}.)
 */
class KlfStreamTest {

  private static final KlfPeer EDITOR_PEER = KlfPeer.create("tohunga");
  private static final KlfPeer OTHER_PEER = KlfPeer.create("tohunga");
  private static final KlfPeer VIEWER_PEER = KlfPeer.create("ronin");
  private static SourceServer server;
  private static TestNode sender;
  private static TestNode target;
  private static String targetDid;
  private static Accounts.Session alice;
  private static Accounts.Session targetAdmin;
  private static String offsetSource;
  private static ApiContract contract;

  @BeforeAll
  static void start() {
    server = SourceServer.start(95);
    sender = TohungaNode.start(java.util.Map.of(), "stream_batch_bytes: 1024\nstream_retry_seconds: 1");
    JsonArray peers = new JsonArray().add(new JsonObject().put("did", EDITOR_PEER.did()).put("role", "editor"))
        .add(new JsonObject().put("did", OTHER_PEER.did()).put("role", "editor"))
        .add(new JsonObject().put("did", VIEWER_PEER.did()).put("role", "viewer"));
    target = TohungaNode.start(java.util.Map.of("klf.peers", peers.encode()));
    targetDid = target.node().identity().did();
    targetAdmin = target.admin();
    trustSender(true);
    contract = ApiContract.served(target, TohungaModule.NAME);
    alice = sender.user("alice", "editor");
    offsetSource = TohungaNode.source(alice, "http_api", new JsonObject().put("base_url", server.url())
        .put("pagination", new JsonObject().put("type", "offset").put("limit", 10)));
  }

  @AfterAll
  static void stop() {
    sender.close();
    target.close();
    server.close();
  }

  private static void trustSender(boolean trusted) {
    String did = sender.node().identity().did();
    Http.Response changed = trusted
        ? targetAdmin.http().postJson("/api/auth/v1/peers", new JsonObject().put("did", did).put("role", "editor").put("name", "sender"))
        : targetAdmin.http().delete("/api/auth/v1/peers/" + did);
    assertThat(changed.status() / 100).as(changed.toString()).isEqualTo(2);
  }

  private static JsonObject toTarget(String format, JsonObject destination) {
    JsonObject job = TohungaNode.job(offsetSource, new JsonObject().put("path", "/offset"), new JsonArray(), format);
    job.getJsonObject("output_config").put("destination", destination);
    return job;
  }

  private static JsonObject streamTo(String did, String url) {
    return new JsonObject().put("type", "klf_stream").put("target_did", did).put("target_url", url);
  }

  private static String targetAsset(JsonObject job) {
    String uri = job.getString("result_uri");
    assertThat(uri).startsWith("kos://" + targetDid + "/assets/");
    Http.Response file = targetAdmin.http().get(BASE + "/assets/" + uri.substring(uri.lastIndexOf('/') + 1));
    assertThat(file.status()).as(file.toString()).isEqualTo(200);
    return file.text();
  }

  @Test
  void recordsArriveInOrderAsAnAssetOfTheTargetIdenticalToALocalResult() {
    for (String format : new String[] {"json_lines", "csv"}) {
      JsonObject streamed = TohungaNode.run(alice, toTarget(format, streamTo(targetDid, target.node().httpUrl())));
      assertThat(streamed.getString("status")).as(streamed.encode()).isEqualTo("completed");
      assertThat(streamed.getLong("records_out")).isEqualTo(95);
      JsonObject local = TohungaNode.run(alice, TohungaNode.job(offsetSource, new JsonObject().put("path", "/offset"), new JsonArray(), format));
      String expected = TohungaNode.result(alice, local);
      assertThat(targetAsset(streamed)).isEqualTo(expected);

      JsonObject output = alice.http().get(BASE + "/jobs/" + streamed.getString("job_id") + "/provenance").json().getJsonObject("output");
      assertThat(output.getLong("batches")).as(output.encode()).isGreaterThan(5);
      assertThat(output.getLong("records")).isEqualTo(95);
      assertThat(output.getString("stream_id")).isEqualTo(streamed.getString("job_id"));
      JsonObject asset = targetAdmin.http().get(BASE + "/assets?limit=500").json().getJsonArray("assets").stream().map(JsonObject.class::cast)
          .filter(a -> a.getString("asset_id").equals(output.getString("asset_id"))).findFirst().orElseThrow();
      assertThat(asset.getString("kind")).isEqualTo("received");
      assertThat(asset.getString("sha256")).isEqualTo(output.getString("sha256"));
      assertThat(asset.getLong("bytes")).isEqualTo(output.getLong("bytes")).isEqualTo(streamed.getLong("bytes_out"));
      assertThat(asset.getString("job_id")).isNull();

      Http.Response stream = targetAdmin.http().get(BASE + "/streams/" + streamed.getString("job_id"));
      contract.conforms("streams.get", stream, 200);
      assertThat(stream.json().getString("status")).isEqualTo("completed");
      assertThat(stream.json().getString("sender_did")).isEqualTo(sender.node().identity().did());
      assertThat(stream.json().getString("result_uri")).isEqualTo(streamed.getString("result_uri"));
      assertThat(stream.json().getLong("next_seq")).isEqualTo(output.getLong("batches") + 1);
    }
  }

  @Test
  void aTargetThatDoesNotTrustTheSenderOrIsAnotherNodeFailsTheJobAtOnce() {
    trustSender(false);
    try {
      JsonObject refused = TohungaNode.run(alice, toTarget("json_lines", streamTo(targetDid, target.node().httpUrl())));
      assertThat(refused.getString("status")).isEqualTo("failed");
      assertThat(refused.getJsonObject("error").getString("code")).isEqualTo("OUTPUT_WRITE_ERROR");
      assertThat(refused.getJsonObject("error").getString("message")).contains("unknown_node");
    } finally {
      trustSender(true);
    }
    // the URL answers for another DID than the one named: its refusal, and nothing retried
    String elsewhere = KlfPeer.create("tohunga").did();
    JsonObject wrong = TohungaNode.run(alice, toTarget("json_lines", streamTo(elsewhere, target.node().httpUrl())));
    assertThat(wrong.getJsonObject("error").getString("message")).contains("wrong_recipient");
  }

  @Test
  void aTargetThatNeverAnswersFailsTheJobAfterStreamRetrySeconds() {
    String nobody = "http://127.0.0.1:" + NodeProcess.freePort();
    JsonObject failed = TohungaNode.run(alice, toTarget("json_lines", streamTo(targetDid, nobody)));
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("OUTPUT_WRITE_ERROR");
    assertThat(failed.getJsonObject("error").getString("message")).contains("within stream_retry_seconds (1 s)");
    // no member of a cluster has that DID (these nodes are not clustered): the same, over the bus
    JsonObject bus = TohungaNode.run(alice, toTarget("json_lines", new JsonObject().put("type", "klf_stream").put("target_did", targetDid)));
    assertThat(bus.getJsonObject("error").getString("message")).contains("not delivered");
  }

  @Test
  void badDestinationsAreRefusedNamingTheField() {
    String at = "output_config.destination";
    refused(toTarget("json_lines", new JsonObject().put("type", "klf_stream")), at + ".target_did");
    refused(toTarget("json_lines", streamTo("did:web:example.org", null)), at + ".target_did");
    refused(toTarget("json_lines", streamTo(sender.node().identity().did(), null)), at + ".target_did");
    refused(toTarget("json_lines", streamTo(targetDid, "ftp://127.0.0.1/klf")), at + ".target_url");
    refused(toTarget("json_lines", streamTo(targetDid, null).put("table", "t")), at + ".table");
    refused(toTarget("parquet", streamTo(targetDid, null)), "output_config.format");
    JsonObject noFormat = toTarget("json_lines", streamTo(targetDid, null));
    noFormat.getJsonObject("output_config").remove("format");
    refused(noFormat, "output_config.format");
    refused(toTarget("json_lines", new JsonObject().put("type", "carrier_pigeon")), at + ".type");
  }

  private static void refused(JsonObject job, String field) {
    Http.Response response = alice.http().postJson(BASE + "/jobs", job);
    assertThat(response.status()).as(response.toString()).isEqualTo(422);
    assertThat(response.json().getString("field")).as(response.toString()).isEqualTo(field);
  }

  /** A signed append_stream or abort_stream from a peer straight to the target; the signed result's payload. */
  private static JsonObject command(KlfPeer peer, String name, JsonObject params, int status) {
    Http.Response response = KlfPeer.send(target.http(), peer.call(targetDid, KlfMessage.CONTROL_COMMAND, name, params));
    assertThat(response.status()).as(response.toString()).isEqualTo(status);
    JsonObject answer = response.json();
    KlfMessage.checkSigned(answer);
    return answer.getJsonObject("payload");
  }

  private static JsonObject batch(String stream, long seq, String jsonl, int count) {
    return new JsonObject().put("stream_id", stream).put("seq", seq).put("format", "json_lines").put("records_jsonl", jsonl).put("count", count);
  }

  private static void refusedBatch(JsonObject params, int status, String code, String field) {
    JsonObject error = command(EDITOR_PEER, KlfStreamSink.APPEND, params, status).getJsonObject("error");
    assertThat(error.getString("code")).as(error.encode()).isEqualTo(code);
    if (field != null) {
      assertThat(error.getString("field")).as(error.encode()).isEqualTo(field);
    }
  }

  @Test
  void theTargetTakesEachBatchOnceInOrderAndChecksTheClose() {
    String stream = UUID.randomUUID().toString();
    JsonObject first = command(EDITOR_PEER, KlfStreamSink.APPEND, batch(stream, 0, "{\"id\":1,\"v\":1.10}\n{\"id\":2}\n", 2), 200);
    assertThat(first.getJsonObject("result").getLong("next_seq")).isEqualTo(1);
    // the same batch again (its acknowledgement lost): acknowledged, not written twice
    JsonObject again = command(EDITOR_PEER, KlfStreamSink.APPEND, batch(stream, 0, "{\"id\":1,\"v\":1.10}\n{\"id\":2}\n", 2), 200);
    assertThat(again.getJsonObject("result").getLong("records")).isEqualTo(2);
    refusedBatch(batch(stream, 2, "{\"id\":3}\n", 1), 409, "stream_out_of_order", null);
    refusedBatch(batch(stream, 1, "{\"id\":3}\n", 2), 422, "invalid_field", "count");
    refusedBatch(batch(stream, 1, "{\"id\":3}\n[4]\n", 2), 422, "invalid_field", "records_jsonl");
    refusedBatch(batch(stream, 1, "{\"id\":3}\n{oops\n", 2), 422, "invalid_field", "records_jsonl");
    refusedBatch(batch(stream, 1, "{\"id\":3}\n", 1).put("format", "csv"), 422, "invalid_field", "format");
    refusedBatch(batch(stream, 1, "", 0), 422, "invalid_field", "count");
    refusedBatch(batch(stream, 1, "{\"id\":3}\n", 1).put("extra", true), 422, "invalid_field", "extra");
    refusedBatch(batch("not-a-uuid", 0, "{\"id\":3}\n", 1), 422, "invalid_field", "stream_id");
    refusedBatch(batch(UUID.randomUUID().toString(), 4, "{\"id\":3}\n", 1), 404, "not_found", null);
    refusedBatch(batch(stream, 1, "", 0).put("end", true).put("records_total", 5), 422, "invalid_field", "records_total");
    refusedBatch(batch(stream, 1, "{\"id\":3}\n", 1).put("end", true).put("records_total", 3), 422, "invalid_field", "records_jsonl");
    // another peer's stream of the same id is its own; a viewer may not send
    JsonObject viewer = command(VIEWER_PEER, KlfStreamSink.APPEND, batch(stream, 1, "{\"id\":3}\n", 1), 403);
    assertThat(viewer.getJsonObject("error").getString("code")).isEqualTo("read_only");
    JsonObject closed = command(EDITOR_PEER, KlfStreamSink.APPEND, batch(stream, 1, "", 0).put("end", true).put("records_total", 2), 200)
        .getJsonObject("result");
    assertThat(closed.getString("status")).isEqualTo("completed");
    JsonObject closedAgain = command(EDITOR_PEER, KlfStreamSink.APPEND, batch(stream, 1, "", 0).put("end", true).put("records_total", 2), 200)
        .getJsonObject("result");
    assertThat(closedAgain).isEqualTo(closed);
    assertThat(targetAsset(closed)).isEqualTo("{\"id\":1,\"v\":1.10}\n{\"id\":2}\n");

    JsonObject got = answerOf(EDITOR_PEER, "get_stream", new JsonObject().put("stream_id", stream), 200);
    assertThat(got.getJsonObject("result").getString("status")).isEqualTo("completed");
    JsonObject hidden = answerOf(OTHER_PEER, "get_stream", new JsonObject().put("stream_id", stream), 404);
    assertThat(hidden.getJsonObject("error").getString("code")).isEqualTo("not_found");
    JsonObject theirs = command(OTHER_PEER, KlfStreamSink.APPEND, batch(stream, 0, "{\"id\":9}\n", 1), 200).getJsonObject("result");
    assertThat(theirs.getLong("records")).isEqualTo(1);
  }

  private static JsonObject answerOf(KlfPeer peer, String query, JsonObject params, int status) {
    Http.Response response = KlfPeer.send(target.http(), peer.call(targetDid, KlfMessage.DATA_QUERY, query, params));
    assertThat(response.status()).as(response.toString()).isEqualTo(status);
    return response.json().getJsonObject("payload");
  }

  @Test
  void anAbortedStreamLosesItsFileAndTakesNoMoreBatches() throws Exception {
    String stream = UUID.randomUUID().toString();
    JsonObject opened = command(EDITOR_PEER, KlfStreamSink.APPEND, batch(stream, 0, "{\"id\":1}\n", 1), 200).getJsonObject("result");
    Path assets = target.node().config().dataDir().resolve("assets");
    long open = streamFiles(assets);
    assertThat(open).isPositive();
    JsonObject aborted = command(EDITOR_PEER, KlfStreamSink.ABORT, new JsonObject().put("stream_id", stream).put("reason", "job cancelled"), 200)
        .getJsonObject("result");
    assertThat(aborted.getString("status")).isEqualTo("aborted");
    assertThat(aborted.getString("message")).isEqualTo("job cancelled");
    refusedBatch(batch(stream, 1, "{\"id\":2}\n", 1), 409, "stream_closed", null);
    targetAdmin.http().await(BASE + "/streams/" + opened.getString("stream_id"), r -> streamFiles(assets) == open - 1, Duration.ofSeconds(10));
    JsonObject unknown = command(EDITOR_PEER, KlfStreamSink.ABORT, new JsonObject().put("stream_id", UUID.randomUUID().toString()), 404);
    assertThat(unknown.getJsonObject("error").getString("code")).isEqualTo("not_found");
  }

  /** The files of the target's open streams. */
  private static long streamFiles(Path assets) {
    try (var files = Files.list(assets)) {
      return files.filter(p -> p.toString().endsWith(".stream")).count();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void cancellingAStreamingJobAbortsItsStreamOnTheTarget() {
    String slow = TohungaNode.source(alice, "http_api", new JsonObject().put("base_url", server.url())
        .put("pagination", new JsonObject().put("type", "offset").put("limit", 10)));
    JsonObject job = TohungaNode.job(slow, new JsonObject().put("path", "/slow"), new JsonArray(), "json_lines");
    job.getJsonObject("output_config").put("destination", streamTo(targetDid, target.node().httpUrl()));
    String jobId = alice.http().postJson(BASE + "/jobs", job).json().getString("job_id");
    targetAdmin.http().await(BASE + "/streams/" + jobId, r -> r.status() == 200 && r.json().getLong("next_seq") >= 1, Duration.ofSeconds(30));
    assertThat(alice.http().postJson(BASE + "/jobs/" + jobId + "/cancel", new JsonObject()).status()).isEqualTo(200);
    assertThat(TohungaNode.awaitEnd(alice, jobId).getString("status")).isEqualTo("cancelled");
    JsonObject stream = targetAdmin.http().await(BASE + "/streams/" + jobId, r -> r.json().getString("status").equals("aborted"),
        Duration.ofSeconds(30)).json();
    assertThat(stream.getString("message")).isEqualTo("cancelled by request");
  }

  @Test
  void streamsAreListedForTheirSenderAndAdminsOnly() {
    String stream = UUID.randomUUID().toString();
    command(EDITOR_PEER, KlfStreamSink.APPEND, batch(stream, 0, "{\"id\":1}\n", 1), 200);
    command(EDITOR_PEER, KlfStreamSink.APPEND, batch(UUID.randomUUID().toString(), 0, "{\"id\":1}\n", 1), 200);
    Http.Response all = targetAdmin.http().get(BASE + "/streams?status=open&limit=1");
    contract.conforms("streams.list", all, 200);
    assertThat(all.json().getJsonArray("streams")).hasSize(1);
    assertThat(all.json().getString("next_cursor")).isNotNull();
    Http.Response next = targetAdmin.http().get(BASE + "/streams?status=open&limit=1&after=" + all.json().getString("next_cursor"));
    assertThat(next.status()).as(next.toString()).isEqualTo(200);
    assertThat(next.json().getJsonArray("streams").getJsonObject(0).getString("stream_id"))
        .isNotEqualTo(all.json().getJsonArray("streams").getJsonObject(0).getString("stream_id"));
    for (String status : new String[] {"completed", "aborted", "expired"}) {
      Http.Response filtered = targetAdmin.http().get(BASE + "/streams?status=" + status);
      assertThat(filtered.status()).isEqualTo(200);
      assertThat(filtered.json().getJsonArray("streams").stream().map(JsonObject.class::cast)
          .allMatch(s -> s.getString("status").equals(status))).isTrue();
    }
    Http.Response bad = targetAdmin.http().get(BASE + "/streams?status=flowing");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().getString("parameter")).isEqualTo("status");
    assertThat(targetAdmin.http().get(BASE + "/streams?limit=0").status()).isEqualTo(400);
    assertThat(targetAdmin.http().get(BASE + "/streams?after=nonsense").status()).isEqualTo(400);
    assertThat(targetAdmin.http().get(BASE + "/streams/not-a-uuid").status()).isEqualTo(404);
    assertThat(targetAdmin.http().get(BASE + "/streams/" + UUID.randomUUID()).status()).isEqualTo(404);
    // a user of the target sees no node's stream; the sending peer sees its own over KLF
    Accounts.Session user = target.user("tui", "editor");
    assertThat(user.http().get(BASE + "/streams").json().getJsonArray("streams")).isEmpty();
    assertThat(user.http().get(BASE + "/streams/" + stream).status()).isEqualTo(404);
    assertThat(answerOf(EDITOR_PEER, "get_stream", new JsonObject().put("stream_id", stream), 200).getJsonObject("result")
        .getString("status")).isEqualTo("open");
  }
}
