package io.kos.tohunga;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static io.kos.tohunga.TohungaNode.BASE;
import static io.kos.tohunga.TohungaNode.job;
import static io.kos.tohunga.TohungaNode.run;
import static io.kos.tohunga.TohungaNode.source;
import static io.kos.tohunga.TohungaNode.step;
import static org.assertj.core.api.Assertions.assertThat;

/** Chunked uploads (out of order, resumable, a bad hash, caps, expiry) and upload sources read by jobs. */
class UploadsTest {

  private static final int CHUNK = 64 * 1024;
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static TestNode node;
  private static ApiContract contract;
  private static Accounts.Session alice;
  private static Accounts.Session bob;

  @BeforeAll
  static void start() {
    node = TohungaNode.start(Map.of());
    contract = ApiContract.served(node, TohungaModule.NAME);
    alice = node.user("alice", "editor");
    bob = node.user("bob", "editor");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static JsonObject begin(Accounts.Session owner, String name, byte[] file, String hash) {
    Http.Response created = owner.http().postJson(BASE + "/uploads", new JsonObject().put("filename", name).put("size", file.length)
        .put("sha256", hash).put("chunk_size", CHUNK));
    contract.conforms("uploads.create", created, 201);
    return created.json();
  }

  private static Http.Response put(Accounts.Session owner, String upload, int n, byte[] bytes) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(owner.http().baseUrl() + BASE + "/uploads/" + upload + "/chunks/" + n))
        .header("Authorization", "Bearer " + owner.accessToken()).header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
    HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    return new Http.Response(response.statusCode(), response.headers(), response.body());
  }

  private static byte[] chunk(byte[] file, int n) {
    return Arrays.copyOfRange(file, n * CHUNK, Math.min(file.length, (n + 1) * CHUNK));
  }

  /** Uploads the whole file (chunks last to first) and completes it; the upload. */
  private static JsonObject upload(Accounts.Session owner, String name, byte[] file) throws Exception {
    JsonObject upload = begin(owner, name, file, sha256(file));
    String id = upload.getString("upload_id");
    for (int n = upload.getInteger("total_chunks") - 1; n >= 0; n--) {
      assertThat(put(owner, id, n, chunk(file, n)).status()).isEqualTo(200);
    }
    Http.Response done = owner.http().postJson(BASE + "/uploads/" + id + "/complete", new JsonObject());
    assertThat(done.status()).as(done.toString()).isEqualTo(200);
    return done.json();
  }

  private static byte[] jsonLines(int records) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < records; i++) {
      text.append(SourceServer.record(i).encode()).append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void chunksInAnyOrderResumableAndVerified() throws Exception {
    byte[] file = jsonLines(3000);
    JsonObject upload = begin(alice, "events.jsonl", file, sha256(file));
    String id = upload.getString("upload_id");
    int total = upload.getInteger("total_chunks");
    assertThat(total).isGreaterThan(3);
    // out of order, one missing
    for (int n : new int[] {2, 0, total - 1}) {
      Http.Response put = put(alice, id, n, chunk(file, n));
      contract.conforms("uploads.chunk", put, 200);
    }
    Http.Response state = alice.http().get(BASE + "/uploads/" + id);
    contract.conforms("uploads.get", state, 200);
    assertThat(state.json().getLong("received_chunks")).isEqualTo(3);
    assertThat(state.json().getJsonArray("missing_chunks").getInteger(0)).isEqualTo(1);
    Http.Response incomplete = alice.http().postJson(BASE + "/uploads/" + id + "/complete", new JsonObject());
    assertThat(incomplete.status()).isEqualTo(409);
    assertThat(incomplete.json().getString("error")).isEqualTo("upload_incomplete");
    assertThat(incomplete.json().getJsonArray("missing_chunks").getInteger(0)).isEqualTo(1);
    contract.conforms("uploads.complete", incomplete, 409);
    // resumed: the rest, one of them wrong first and sent again
    for (int n = 1; n < total - 1; n++) {
      if (n != 2) {
        put(alice, id, n, chunk(file, n));
      }
    }
    byte[] corrupt = chunk(file, 1);
    corrupt[10] ^= 1;
    put(alice, id, 1, corrupt);
    Http.Response mismatch = alice.http().postJson(BASE + "/uploads/" + id + "/complete", new JsonObject());
    assertThat(mismatch.status()).as(mismatch.toString()).isEqualTo(422);
    assertThat(mismatch.json().getString("error")).isEqualTo("upload_hash_mismatch");
    assertThat(mismatch.json().getString("expected")).isEqualTo(sha256(file));
    put(alice, id, 1, chunk(file, 1));
    Http.Response done = alice.http().postJson(BASE + "/uploads/" + id + "/complete", new JsonObject());
    contract.conforms("uploads.complete", done, 200);
    assertThat(done.json().getString("status")).isEqualTo("uploaded");
    assertThat(done.json().getString("file_type")).isEqualTo("json_lines");
    assertThat(done.json().getString("expires_at")).isNull();
    assertThat(java.nio.file.Files.readAllBytes(node.node().config().dataDir().resolve("uploads").resolve(id))).isEqualTo(file);
    Http.Response closed = put(alice, id, 0, chunk(file, 0));
    assertThat(closed.json().getString("error")).isEqualTo("upload_closed");
  }

  @Test
  void badUploadsAndChunksAreRefused() throws Exception {
    byte[] file = jsonLines(100);
    String[][] bad = {
        {"{\"filename\":\"a/b\",\"size\":10,\"sha256\":\"" + "0".repeat(64) + "\"}", "filename"},
        {"{\"filename\":\"a\",\"size\":0,\"sha256\":\"" + "0".repeat(64) + "\"}", "size"},
        {"{\"filename\":\"a\",\"size\":99999999999999,\"sha256\":\"" + "0".repeat(64) + "\"}", "size"},
        {"{\"filename\":\"a\",\"size\":10,\"sha256\":\"abc\"}", "sha256"},
        {"{\"filename\":\"a\",\"size\":10,\"sha256\":\"" + "0".repeat(64) + "\",\"chunk_size\":1000}", "chunk_size"},
        {"{\"filename\":\"a\",\"size\":10,\"sha256\":\"" + "0".repeat(64) + "\",\"kind\":\"x\"}", "kind"},
    };
    for (String[] body : bad) {
      Http.Response refused = alice.http().post(BASE + "/uploads", "application/json", body[0]);
      assertThat(refused.status()).as(body[0]).isEqualTo(422);
      assertThat(refused.json().getString("field")).isEqualTo(body[1]);
    }
    String id = begin(alice, "small.jsonl", file, sha256(file)).getString("upload_id");
    Http.Response wrongLength = put(alice, id, 0, Arrays.copyOf(file, file.length - 1));
    assertThat(wrongLength.status()).isEqualTo(422);
    contract.conforms("uploads.chunk", wrongLength, 422);
    assertThat(put(alice, id, 1, file).status()).isEqualTo(400);
    assertThat(put(alice, id, -1, file).status()).isEqualTo(400);
    assertThat(put(bob, id, 0, file).status()).isEqualTo(404);
    assertThat(put(node.user("vic", "viewer"), id, 0, file).status()).isEqualTo(403);
    Http.Response tooLarge = put(alice, id, 0, new byte[5 << 20]);
    assertThat(tooLarge.status()).isEqualTo(413);
    assertThat(bob.http().get(BASE + "/uploads/" + id).status()).isEqualTo(404);
    Http.Response listed = alice.http().get(BASE + "/uploads?status=uploading");
    contract.conforms("uploads.list", listed, 200);
    assertThat(listed.json().getJsonArray("uploads").stream().anyMatch(u -> ((JsonObject) u).getString("upload_id").equals(id))).isTrue();
    assertThat(alice.http().get(BASE + "/uploads?status=done").status()).isEqualTo(400);
    assertThat(alice.http().delete(BASE + "/uploads/" + id).status()).isEqualTo(204);
    assertThat(alice.http().get(BASE + "/uploads/" + id).status()).isEqualTo(404);
  }

  @Test
  void anUnfinishedUploadExpires() throws Exception {
    try (TestNode quick = TestNode.start(Map.of("verticles.deploy", "tohunga"), TestNode.configFile("""
        verticles:
          config:
            tohunga:
              upload_sweep_ms: 100
        """))) {
      Accounts.Session owner = quick.user("eve", "editor");
      byte[] file = jsonLines(10);
      Http.Response created = owner.http().postJson(BASE + "/uploads", new JsonObject().put("filename", "x.jsonl").put("size", file.length)
          .put("sha256", sha256(file)));
      String id = created.json().getString("upload_id");
      put(owner, id, 0, file);
      java.nio.file.Path part = quick.node().config().dataDir().resolve("uploads").resolve(id + ".part");
      assertThat(part).exists();
      try (Connection db = quick.jdbc(); Statement sql = db.createStatement()) {
        sql.execute("UPDATE tohunga.file_uploads SET expires_at = now() - interval '1 second' WHERE upload_id = '" + id + "'");
      }
      owner.http().await(BASE + "/uploads/" + id, r -> r.status() == 404, Duration.ofSeconds(10));
      quick.http().await("/health/live", r -> !java.nio.file.Files.exists(part), Duration.ofSeconds(5));
    }
  }

  @Test
  void jobsReadUploadsOfEveryFormatStreamed() throws Exception {
    // JSON Lines, gzip-compressed
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
      gzip.write(jsonLines(2500));
    }
    JsonObject gz = upload(alice, "events.jsonl.gz", zipped.toByteArray());
    assertThat(gz.getString("file_type")).isEqualTo("json_lines");
    assertThat(gz.getString("compression")).isEqualTo("gzip");
    String source = source(alice, "upload", new JsonObject().put("upload_id", gz.getString("upload_id")));
    JsonObject done = run(alice, job(source, new JsonObject(), new JsonArray().add(step("f", "transformation", "filter", new JsonObject()
        .put("conditions", new JsonArray().add(new JsonObject().put("field", "score").put("operator", "lt").put("value", 10))))), "json_lines"));
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    assertThat(done.getLong("records_in")).isEqualTo(2500);
    assertThat(done.getLong("records_out")).isEqualTo(250);
    assertThat(done.getJsonObject("request_params").getString("filename")).isEqualTo("events.jsonl.gz");

    // a JSON list, and CSV
    JsonArray list = new JsonArray();
    for (int i = 0; i < 1500; i++) {
      list.add(SourceServer.record(i));
    }
    JsonObject json = upload(alice, "list.json", list.encode().getBytes(StandardCharsets.UTF_8));
    assertThat(json.getString("file_type")).isEqualTo("json");
    assertThat(run(alice, job(source(alice, "upload", new JsonObject().put("upload_id", json.getString("upload_id"))), new JsonObject(),
        new JsonArray(), "csv")).getLong("records_out")).isEqualTo(1500);
    JsonObject csv = upload(alice, "table.csv", "id;name\n1;one\n2;two\n".getBytes(StandardCharsets.UTF_8));
    assertThat(csv.getString("file_type")).isEqualTo("csv");
    JsonObject csvJob = run(alice, job(source(alice, "upload", new JsonObject().put("upload_id", csv.getString("upload_id"))), new JsonObject(),
        new JsonArray().add(step("in", "transformation", "format_conversion", new JsonObject().put("from", "csv").put("delimiter", ";"))), "json_lines"));
    assertThat(TohungaNode.result(alice, csvJob)).isEqualTo("{\"id\":\"1\",\"name\":\"one\"}\n{\"id\":\"2\",\"name\":\"two\"}\n");

    // an upload source needs a completed upload of the owner's, and takes no request parameters
    byte[] small = jsonLines(1);
    String open = begin(alice, "open.jsonl", small, sha256(small)).getString("upload_id");
    for (Object[] body : List.of(new Object[] {open, "connection_config.upload_id"}, new Object[] {"nope", "connection_config.upload_id"})) {
      Http.Response refused = alice.http().postJson(BASE + "/sources", new JsonObject().put("source_name", "u").put("source_type", "upload")
          .put("connection_config", new JsonObject().put("upload_id", body[0])));
      assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
      assertThat(refused.json().getString("field")).isEqualTo(body[1]);
    }
    assertThat(bob.http().postJson(BASE + "/sources", new JsonObject().put("source_name", "u").put("source_type", "upload")
        .put("connection_config", new JsonObject().put("upload_id", gz.getString("upload_id")))).status()).isEqualTo(422);
    Http.Response params = alice.http().postJson(BASE + "/jobs", job(source, new JsonObject().put("path", "/x"), new JsonArray(), "csv"));
    assertThat(params.json().getString("field")).isEqualTo("request_params");
    assertThat(alice.http().postJson(BASE + "/sources/" + source + "/test", new JsonObject()).json().getBoolean("ok")).isTrue();
  }
}
