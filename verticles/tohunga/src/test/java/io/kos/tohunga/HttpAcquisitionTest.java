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

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static io.kos.tohunga.TohungaNode.BASE;
import static io.kos.tohunga.TohungaNode.job;
import static io.kos.tohunga.TohungaNode.run;
import static io.kos.tohunga.TohungaNode.source;
import static io.kos.tohunga.TohungaNode.step;
import static org.assertj.core.api.Assertions.assertThat;

/** Jobs over an http_api source the test serves: every pagination style, every failure the source can answer, the steps' policies, both formats. */
class HttpAcquisitionTest {

  private static SourceServer server;
  private static TestNode node;
  private static ApiContract contract;
  private static Accounts.Session alice;

  @BeforeAll
  static void start() {
    server = SourceServer.start(95);
    node = TohungaNode.start();
    contract = ApiContract.served(node, TohungaModule.NAME);
    alice = node.user("alice", "editor");
  }

  @AfterAll
  static void stop() {
    node.close();
    server.close();
  }

  private static String httpSource(JsonObject pagination, String recordsPath) {
    JsonObject config = new JsonObject().put("base_url", server.url()).put("pagination", pagination);
    if (recordsPath != null) {
      config.put("records_path", recordsPath);
    }
    return source(alice, "http_api", config);
  }

  private static JsonObject runPath(String sourceId, String path, JsonArray steps, String format) {
    return run(alice, job(sourceId, new JsonObject().put("path", path), steps, format));
  }

  private static List<Integer> ids(String jsonLines) {
    return jsonLines.lines().map(line -> new JsonObject(line).getInteger("id")).toList();
  }

  private static List<Integer> all() {
    return java.util.stream.IntStream.range(0, server.total).boxed().toList();
  }

  @Test
  void everyPaginationStyleReadsEveryRecordOnce() {
    String offset = httpSource(new JsonObject().put("type", "offset").put("limit", 10), null);
    JsonObject done = runPath(offset, "/offset", new JsonArray(), "json_lines");
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    assertThat(done.getLong("records_in")).isEqualTo(95);
    assertThat(ids(TohungaNode.result(alice, done))).isEqualTo(all());
    contract.conforms("jobs.get", alice.http().get(BASE + "/jobs/" + done.getString("job_id")), 200);

    String page = httpSource(new JsonObject().put("type", "page").put("limit", 20), "items");
    assertThat(ids(TohungaNode.result(alice, runPath(page, "/page", new JsonArray(), "json_lines")))).isEqualTo(all());

    String cursor = httpSource(new JsonObject().put("type", "cursor").put("limit", 30).put("cursor_path", "meta.next")
        .put("total_path", "meta.total"), "data");
    JsonObject cursorJob = runPath(cursor, "/cursor", new JsonArray(), "json_lines");
    assertThat(ids(TohungaNode.result(alice, cursorJob))).isEqualTo(all());
    assertThat(cursorJob.getInteger("progress")).isEqualTo(100);

    String next = httpSource(new JsonObject().put("type", "next_url").put("next_url_path", "next"), "results");
    assertThat(ids(TohungaNode.result(alice, runPath(next, "/next", new JsonArray(), "json_lines")))).isEqualTo(all());

    String link = httpSource(new JsonObject().put("type", "link_header"), null);
    assertThat(ids(TohungaNode.result(alice, runPath(link, "/link", new JsonArray(), "json_lines")))).isEqualTo(all());

    // a next URL on another origin would carry the source's credentials elsewhere: refused
    JsonObject offsite = runPath(next, "/offsite", new JsonArray(), "json_lines");
    assertThat(offsite.getString("status")).isEqualTo("failed");
    assertThat(offsite.getJsonObject("error").getString("code")).isEqualTo("SOURCE_ERROR");
    assertThat(offsite.getJsonObject("error").getString("message")).contains("leaves the source's origin");
  }

  @Test
  void retriesHonourRetryAfterAndOutlastA500() {
    String plain = httpSource(new JsonObject(), null);
    long start = System.nanoTime();
    JsonObject limited = runPath(plain, "/limited", new JsonArray(), "json_lines");
    assertThat(limited.getString("status")).as(limited.encode()).isEqualTo("completed");
    assertThat((System.nanoTime() - start) / 1_000_000).as("Retry-After: 1 was waited out").isGreaterThanOrEqualTo(900);
    assertThat(server.hits.get("/limited").get()).isEqualTo(2);

    JsonObject flaky = runPath(plain, "/flaky", new JsonArray(), "json_lines");
    assertThat(flaky.getString("status")).isEqualTo("completed");
    assertThat(flaky.getLong("records_out")).isEqualTo(10);

    JsonObject down = runPath(source(alice, "http_api", new JsonObject().put("base_url", server.url()).put("max_attempts", 3)), "/down",
        new JsonArray(), "json_lines");
    assertThat(down.getJsonObject("error").getString("code")).isEqualTo("SOURCE_UNREACHABLE");
    assertThat(down.getJsonObject("error").getString("message")).contains("503 3 times");

    JsonObject missing = runPath(plain, "/missing", new JsonArray(), "json_lines");
    assertThat(missing.getJsonObject("error").getString("code")).isEqualTo("SOURCE_ERROR");

    JsonObject notJson = runPath(plain, "/notjson", new JsonArray(), "json_lines");
    assertThat(notJson.getJsonObject("error").getString("code")).isEqualTo("SOURCE_ERROR");
    assertThat(notJson.getJsonObject("error").getString("message")).contains("not valid json");

    JsonObject closed = runPath(source(alice, "http_api", new JsonObject().put("base_url", "http://127.0.0.1:1").put("max_attempts", 2)), "",
        new JsonArray(), "json_lines");
    assertThat(closed.getJsonObject("error").getString("code")).isEqualTo("SOURCE_UNREACHABLE");
    // nothing half-written is left as an asset
    assertThat(alice.http().get(BASE + "/assets?job_id=" + closed.getString("job_id")).json().getJsonArray("assets")).isEmpty();
  }

  @Test
  void credentialsAreSentAndARefusalIsAnAuthFailure() {
    for (JsonObject auth : List.of(new JsonObject().put("type", "bearer").put("token", "s3cret-token"),
        new JsonObject().put("type", "api_key").put("header", "X-Api-Key").put("value", "k3y-value"),
        new JsonObject().put("type", "basic").put("username", "ann").put("password", "pa55word"))) {
      String id = source(alice, "http_api", new JsonObject().put("base_url", server.url()).put("auth", auth));
      assertThat(runPath(id, "/secure", new JsonArray(), "json_lines").getString("status")).as(auth.getString("type")).isEqualTo("completed");
      assertThat(alice.http().postJson(BASE + "/sources/" + id + "/test", new JsonObject().put("path", "/secure")).json().getBoolean("ok")).isTrue();
    }
    String wrong = source(alice, "http_api", new JsonObject().put("base_url", server.url())
        .put("auth", new JsonObject().put("type", "bearer").put("token", "wrong")));
    JsonObject refused = runPath(wrong, "/secure", new JsonArray(), "json_lines");
    JsonObject test = alice.http().postJson(BASE + "/sources/" + wrong + "/test", new JsonObject().put("path", "/secure")).json();
    assertThat(test.getBoolean("ok")).isFalse();
    assertThat(test.getJsonObject("error").getString("code")).isEqualTo("SOURCE_AUTH_FAILED");
    assertThat(refused.getJsonObject("error").getString("code")).isEqualTo("SOURCE_AUTH_FAILED");
    assertThat(refused.encode()).doesNotContain("wrong");
  }

  @Test
  void aSlowSourcePastItsTimeoutIsATimeout() {
    String slow = source(alice, "http_api", new JsonObject().put("base_url", server.url()).put("timeout_ms", 300).put("max_attempts", 2));
    long start = System.nanoTime();
    JsonObject job = runPath(slow, "/slow", new JsonArray(), "json_lines");
    assertThat(job.getJsonObject("error").getString("code")).isEqualTo("TIMEOUT");
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2900);
    Http.Response test = alice.http().postJson(BASE + "/sources/" + slow + "/test", new JsonObject());
    contract.conforms("sources.test", test, 200);
  }

  @Test
  void stepsValidateMapFilterAndRedact() {
    String id = httpSource(new JsonObject().put("type", "offset").put("limit", 50), null);
    JsonObject schema = new JsonObject().put("type", "object").put("required", new JsonArray().add("id").add("score"))
        .put("properties", new JsonObject().put("score", new JsonObject().put("type", "integer").put("maximum", 49)));
    JsonArray steps = new JsonArray()
        .add(step("valid", "validation", "json_schema", new JsonObject().put("schema", schema)).put("on_invalid", "dead_letter"))
        .add(step("keep-even", "transformation", "filter", new JsonObject().put("conditions", new JsonArray()
            .add(new JsonObject().put("field", "id").put("operator", "matches").put("value", "[02468]$")))))
        .add(step("hide", "transformation", "redact", new JsonObject().put("fields", new JsonObject().put("email", "hash").put("name", "mask"))))
        .add(step("map", "transformation", "field_mapping", new JsonObject().put("map", new JsonObject().put("id", "item_id")
            .put("actor.login", "user_login").put("email", "email_hash").put("name", "name").put("score", "score"))
            .put("casts", new JsonObject().put("item_id", "string"))));
    JsonObject done = runPath(id, "/offset", steps, "json_lines");
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    // scores 50..99 fail the schema (ids 50-94: 45 records), half of the rest are odd
    assertThat(done.getLong("records_in")).isEqualTo(95);
    assertThat(done.getLong("records_rejected")).isEqualTo(45);
    assertThat(done.getLong("records_out")).isEqualTo(25);
    List<JsonObject> rows = TohungaNode.result(alice, done).lines().map(JsonObject::new).toList();
    assertThat(rows.get(0).fieldNames()).containsExactlyInAnyOrder("item_id", "user_login", "email_hash", "name", "score");
    assertThat(rows.get(1).getString("item_id")).isEqualTo("2");
    assertThat(rows.get(1).getString("name")).isEqualTo("****");
    assertThat(rows.get(1).getString("email_hash")).startsWith("sha256:").doesNotContain("@");

    JsonArray assets = alice.http().get(BASE + "/assets?job_id=" + done.getString("job_id")).json().getJsonArray("assets");
    assertThat(assets).hasSize(2);
    JsonObject letters = assets.stream().map(JsonObject.class::cast).filter(a -> a.getString("kind").equals("dead_letter")).findFirst().orElseThrow();
    assertThat(letters.getLong("records")).isEqualTo(45);
    String deadLetters = alice.http().get(BASE + "/assets/" + letters.getString("asset_id")).text();
    JsonObject first = new JsonObject(deadLetters.lines().findFirst().orElseThrow());
    assertThat(first.getString("step_id")).isEqualTo("valid");
    assertThat(first.getJsonObject("record").getInteger("id")).isEqualTo(50);
    assertThat(first.getJsonArray("errors").getString(0)).contains("score");

    // skip_row: counted, nowhere written; fail_job: the job fails naming the record and step
    steps.getJsonObject(0).put("on_invalid", "skip_row");
    JsonObject skipped = runPath(id, "/offset", steps, "json_lines");
    assertThat(skipped.getLong("records_rejected")).isEqualTo(45);
    assertThat(alice.http().get(BASE + "/assets?job_id=" + skipped.getString("job_id")).json().getJsonArray("assets")).hasSize(1);
    steps.getJsonObject(0).put("on_invalid", "fail_job");
    JsonObject failed = runPath(id, "/offset", steps, "json_lines");
    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("VALIDATION_FAILED");
    assertThat(failed.getJsonObject("error").getString("message")).contains("record 50").contains("step valid");
    assertThat(alice.http().get(BASE + "/assets?job_id=" + failed.getString("job_id")).json().getJsonArray("assets")).isEmpty();
  }

  @Test
  void csvOutputAndFormatConversionIn() throws Exception {
    String plain = httpSource(new JsonObject(), null);
    JsonObject csvIn = runPath(plain, "/csv", new JsonArray().add(step("in", "transformation", "format_conversion",
        new JsonObject().put("from", "csv"))), "json_lines");
    assertThat(TohungaNode.result(alice, csvIn).lines().map(JsonObject::new).toList())
        .extracting(row -> row.getString("name")).containsExactly("one", "two, too", "three");

    JsonObject xmlIn = runPath(plain, "/xml", new JsonArray().add(step("in", "transformation", "format_conversion",
        new JsonObject().put("from", "xml"))), "csv");
    // XML: <feed><item>..</item><item>..</item></feed> is one document whose item is a list
    String xmlSource = source(alice, "http_api", new JsonObject().put("base_url", server.url()).put("records_path", "item"));
    JsonObject xml = runPath(xmlSource, "/xml", new JsonArray().add(step("in", "transformation", "format_conversion",
        new JsonObject().put("from", "xml"))), "csv");
    assertThat(xmlIn.getString("status")).isEqualTo("completed");
    assertThat(TohungaNode.result(alice, xml)).isEqualTo("id,name\n1,one\n2,two\n");

    JsonObject lines = runPath(plain, "/jsonl", new JsonArray().add(step("in", "transformation", "format_conversion",
        new JsonObject().put("from", "json_lines"))), "csv");
    String csv = TohungaNode.result(alice, lines);
    assertThat(csv).isEqualTo("id\n1\n2\n");

    Http.Response provenance = alice.http().get(BASE + "/jobs/" + lines.getString("job_id") + "/provenance");
    contract.conforms("jobs.provenance", provenance, 200);
    JsonObject output = provenance.json().getJsonObject("output");
    assertThat(output.getString("sha256")).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(csv.getBytes(StandardCharsets.UTF_8))));
    assertThat(output.getLong("bytes")).isEqualTo(csv.length());
    assertThat(provenance.json().getJsonObject("source").getString("location")).isEqualTo(server.url());
    assertThat(provenance.json().getJsonObject("counts").getLong("in")).isEqualTo(2);
  }
}
