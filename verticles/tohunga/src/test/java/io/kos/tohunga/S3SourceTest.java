package io.kos.tohunga;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static io.kos.tohunga.TohungaNode.BASE;
import static io.kos.tohunga.TohungaNode.job;
import static io.kos.tohunga.TohungaNode.run;
import static io.kos.tohunga.TohungaNode.source;
import static org.assertj.core.api.Assertions.assertThat;

/** s3_bucket sources against S3Proxy (a real S3 API server over an in-memory store) on loopback: objects by prefix, formats, gzip, credentials. */
class S3SourceTest {

  private static final String KEY_ID = "kos-access";
  private static final String SECRET = "kos-secret-key-0123456789";
  private static S3Proxy s3;
  private static BlobStore store;
  private static TestNode node;
  private static Accounts.Session alice;

  @BeforeAll
  static void start() throws Exception {
    store = ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class).getBlobStore();
    int port = NodeProcess.freePort();
    s3 = S3Proxy.builder().awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY_ID, SECRET).blobStore(store)
        .endpoint(URI.create("http://127.0.0.1:" + port)).build();
    s3.start();
    while (!"STARTED".equals(s3.getState())) {
      NodeProcess.sleep(20);
    }
    store.createContainerInLocation(null, "events");
    put("2026/12/a.jsonl", lines(0, 300));
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
      gzip.write(lines(300, 200));
    }
    put("2026/12/b.jsonl.gz", zipped.toByteArray());
    put("2026/12/c.csv", "id,name\n500,five hundred\n501,five hundred one\n".getBytes(StandardCharsets.UTF_8));
    put("2026/11/old.json", new JsonArray().add(new JsonObject().put("id", -1)).encode().getBytes(StandardCharsets.UTF_8));
    node = TohungaNode.start();
    alice = node.user("alice", "editor");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    s3.stop();
  }

  private static void put(String key, byte[] bytes) {
    store.putBlob("events", store.blobBuilder(key).payload(bytes).contentLength(bytes.length).build());
  }

  private static byte[] lines(int from, int count) {
    StringBuilder text = new StringBuilder();
    for (int i = from; i < from + count; i++) {
      text.append(SourceServer.record(i).encode()).append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static JsonObject config(String secret) {
    return new JsonObject().put("endpoint", "http://127.0.0.1:" + s3.getPort()).put("region", "us-east-1").put("bucket", "events")
        .put("prefix", "2026/").put("access_key_id", KEY_ID).put("secret_access_key", secret).put("path_style", true);
  }

  @Test
  void objectsUnderThePrefixAreReadInKeyOrderEachByItsFormat() {
    Http.Response created = alice.http().postJson(BASE + "/sources", new JsonObject().put("source_name", "bucket").put("source_type", "s3_bucket")
        .put("connection_config", config(SECRET)));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json().getJsonObject("connection_config").getString("secret_access_key")).isEqualTo("********");
    String id = created.json().getString("source_id");
    JsonObject done = run(alice, job(id, new JsonObject().put("prefix", "12/"), new JsonArray(), "json_lines"));
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    assertThat(done.getLong("records_out")).isEqualTo(502);
    String result = TohungaNode.result(alice, done);
    assertThat(result.lines().findFirst().orElseThrow()).contains("\"id\":0");
    assertThat(result.lines().reduce((a, b) -> b).orElseThrow()).isEqualTo("{\"id\":\"501\",\"name\":\"five hundred one\"}");
    assertThat(run(alice, job(id, new JsonObject(), new JsonArray(), "json_lines")).getLong("records_out")).isEqualTo(503);
    assertThat(alice.http().postJson(BASE + "/sources/" + id + "/test", new JsonObject()).json().getBoolean("ok")).isTrue();
    assertThat(alice.http().get(BASE + "/jobs/" + done.getString("job_id") + "/provenance").json().getJsonObject("source")
        .getString("location")).startsWith("s3://events/2026/");
  }

  @Test
  void wrongCredentialsAMissingBucketAndTheGuard() {
    String wrong = source(alice, "s3_bucket", config("not-the-secret"));
    JsonObject refused = run(alice, job(wrong, new JsonObject(), new JsonArray(), "json_lines"));
    assertThat(refused.getJsonObject("error").getString("code")).isEqualTo("SOURCE_AUTH_FAILED");
    assertThat(refused.encode()).doesNotContain("not-the-secret");
    assertThat(alice.http().postJson(BASE + "/sources/" + wrong + "/test", new JsonObject()).json().getJsonObject("error").getString("code"))
        .isEqualTo("SOURCE_AUTH_FAILED");
    String missing = source(alice, "s3_bucket", config(SECRET).put("bucket", "no-such-bucket"));
    assertThat(run(alice, job(missing, new JsonObject(), new JsonArray(), "json_lines")).getJsonObject("error").getString("code"))
        .isEqualTo("SOURCE_ERROR");
    for (String[] bad : new String[][] {{"bucket", "UPPER"}, {"region", "Mars 1"}, {"endpoint", "ftp://x"}}) {
      Http.Response response = alice.http().postJson(BASE + "/sources", new JsonObject().put("source_name", "b").put("source_type", "s3_bucket")
          .put("connection_config", config(SECRET).put(bad[0], bad[1])));
      assertThat(response.status()).isEqualTo(422);
      assertThat(response.json().getString("field")).isEqualTo("connection_config." + bad[0]);
    }
    try (TestNode guarded = TestNode.start(Map.of("verticles.deploy", "tohunga"))) {
      Accounts.Session owner = guarded.user("gus", "editor");
      JsonObject job = run(owner, job(source(owner, "s3_bucket", config(SECRET)), new JsonObject(), new JsonArray(), "json_lines"));
      assertThat(job.getJsonObject("error").getString("code")).isEqualTo("SOURCE_UNREACHABLE");
      assertThat(job.getJsonObject("error").getString("message")).contains("outbound.allow");
    }
  }

  @Test
  void aResultIsPutToABucket() throws Exception {
    String from = source(alice, "s3_bucket", config(SECRET));
    String to = source(alice, "s3_bucket", config(SECRET).put("prefix", "out/"));
    JsonObject job = job(from, new JsonObject().put("prefix", "12/"), new JsonArray(), "csv");
    job.getJsonObject("output_config").put("destination", new JsonObject().put("type", "s3").put("source_id", to)
        .put("key", "exports/{date}/{job_id}.{ext}"));
    JsonObject done = run(alice, job);
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    String key = "out/exports/" + java.time.LocalDate.now(java.time.ZoneOffset.UTC) + "/" + done.getString("job_id") + ".csv";
    assertThat(done.getString("result_uri")).isEqualTo("s3://events/" + key);
    String object;
    try (var in = store.getBlob("events", key).getPayload().openStream()) {
      object = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(object).isEqualTo(TohungaNode.result(alice, new JsonObject().put("result_uri", "kos://x/assets/"
        + alice.http().get(BASE + "/assets?job_id=" + done.getString("job_id")).json().getJsonArray("assets").getJsonObject(0).getString("asset_id"))));
    assertThat(object.lines().count()).isEqualTo(503);
    for (Object[] bad : new Object[][] {{new JsonObject().put("type", "s3").put("source_id", to).put("key", "../x"), "output_config.destination.key"},
        {new JsonObject().put("type", "s3").put("source_id", from).put("key", "{user}"), "output_config.destination.key"},
        {new JsonObject().put("type", "s3").put("source_id", java.util.UUID.randomUUID().toString()), "output_config.destination.source_id"}}) {
      JsonObject refused = job(from, new JsonObject(), new JsonArray(), "csv");
      refused.getJsonObject("output_config").put("destination", bad[0]);
      Http.Response response = alice.http().postJson(BASE + "/jobs", refused);
      assertThat(response.status()).isEqualTo(422);
      assertThat(response.json().getString("field")).isEqualTo(bad[1]);
    }
    String wrong = source(alice, "s3_bucket", config("not-the-secret"));
    JsonObject failing = job(from, new JsonObject().put("prefix", "12/c"), new JsonArray(), "csv");
    failing.getJsonObject("output_config").put("destination", new JsonObject().put("type", "s3").put("source_id", wrong));
    JsonObject failed = run(alice, failing);
    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("OUTPUT_WRITE_ERROR");
    assertThat(alice.http().get(BASE + "/assets?job_id=" + failed.getString("job_id")).json().getJsonArray("assets")).isEmpty();
  }

  @Test
  void theSecretIsSealedAtRest() throws Exception {
    String id = source(alice, "s3_bucket", config(SECRET));
    try (Connection db = node.jdbc(); Statement sql = db.createStatement();
         ResultSet rows = sql.executeQuery("SELECT connection_config::text FROM tohunga.data_sources WHERE source_id = '" + id + "'")) {
      rows.next();
      assertThat(rows.getString(1)).doesNotContain(SECRET).contains("sealed");
    }
  }
}
