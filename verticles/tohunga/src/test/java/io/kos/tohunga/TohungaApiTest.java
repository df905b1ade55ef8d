package io.kos.tohunga;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static io.kos.tohunga.TohungaNode.BASE;
import static io.kos.tohunga.TohungaNode.job;
import static io.kos.tohunga.TohungaNode.run;
import static io.kos.tohunga.TohungaNode.source;
import static io.kos.tohunga.TohungaNode.step;
import static org.assertj.core.api.Assertions.assertThat;

/** Every route with each of its parameters, valid and not; secrets sealed, masked and never logged; owner isolation; the OpenAPI document. */
class TohungaApiTest {

  private static final String SECRET = "tok-" + "9f8e7d6c5b4a";
  private static SourceServer server;
  private static TestNode node;
  private static ApiContract contract;
  private static Accounts.Session alice;
  private static Accounts.Session bob;
  private static Accounts.Session viewer;
  private static final ListAppender<ILoggingEvent> LOG = new ListAppender<>();

  @BeforeAll
  static void start() {
    LOG.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(LOG);
    server = SourceServer.start(30);
    node = TohungaNode.start();
    contract = ApiContract.served(node, TohungaModule.NAME);
    alice = node.user("alice", "editor");
    bob = node.user("bob", "editor");
    viewer = node.user("vic", "viewer");
  }

  @AfterAll
  static void stop() {
    node.close();
    server.close();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOG);
  }

  private static JsonObject secretConfig() {
    return new JsonObject().put("base_url", server.url()).put("auth", new JsonObject().put("type", "bearer").put("token", SECRET))
        .put("headers", new JsonObject().put("X-Session-Key", SECRET + "-h").put("Accept-Language", "en"));
  }

  private static void refused(Http.Response response, int status, String error, String field) {
    assertThat(response.status()).as(response.toString()).isEqualTo(status);
    assertThat(response.json().getString("error")).as(response.toString()).isEqualTo(error);
    if (field != null) {
      assertThat(response.json().getString(response.json().containsKey("field") ? "field" : "parameter")).as(response.toString()).isEqualTo(field);
    }
  }

  @Test
  void theDocumentCoversEveryRouteAndErrorCode() {
    contract.coversExactly(new TohungaModule().routes());
    contract.listsErrorCodes(TohungaErrors.ALL);
  }

  @Test
  void secretsAreSealedMaskedKeptAndNeverShown() throws Exception {
    Http.Response created = alice.http().postJson(BASE + "/sources", new JsonObject().put("source_name", "api").put("source_type", "http_api")
        .put("connection_config", secretConfig()));
    contract.conforms("sources.register", created, 201);
    String id = created.json().getString("source_id");
    JsonObject shown = created.json().getJsonObject("connection_config");
    assertThat(shown.getJsonObject("auth").getString("token")).isEqualTo("********");
    assertThat(shown.getJsonObject("headers").getString("X-Session-Key")).isEqualTo("********");
    assertThat(shown.getJsonObject("headers").getString("Accept-Language")).isEqualTo("en");
    try (Connection db = node.jdbc(); Statement sql = db.createStatement();
         ResultSet rows = sql.executeQuery("SELECT connection_config::text FROM tohunga.data_sources WHERE source_id = '" + id + "'")) {
      rows.next();
      assertThat(rows.getString(1)).doesNotContain(SECRET).contains("\"sealed\": \"v1.");
    }
    // the sealed secret works: the job's request carries it
    JsonObject done = run(alice, job(id, new JsonObject().put("path", "/offset"), new JsonArray(), "json_lines"));
    assertThat(done.getString("status")).isEqualTo("completed");
    assertThat(server.requests.stream().anyMatch(r -> ("Bearer " + SECRET).equals(r.get("authorization")) && (SECRET + "-h").equals(r.get("x-session-key")))).isTrue();

    // an update sending the mask keeps the secret; a new value replaces it
    JsonObject masked = alice.http().get(BASE + "/sources/" + id).json().getJsonObject("connection_config").put("timeout_ms", 5000);
    Http.Response kept = alice.http().patchJson(BASE + "/sources/" + id, new JsonObject().put("connection_config", masked).put("source_name", "renamed"));
    contract.conforms("sources.update", kept, 200);
    assertThat(kept.json().getString("source_name")).isEqualTo("renamed");
    server.requests.clear();
    run(alice, job(id, new JsonObject().put("path", "/offset"), new JsonArray(), "json_lines"));
    assertThat(server.requests.get(0).get("authorization")).isEqualTo("Bearer " + SECRET);
    // the mask where nothing is stored, and a forged sealed value, are refused
    refused(alice.http().postJson(BASE + "/sources", new JsonObject().put("source_name", "x").put("source_type", "http_api")
        .put("connection_config", new JsonObject().put("base_url", server.url()).put("auth", new JsonObject().put("type", "bearer")
            .put("token", "********")))), 422, "invalid_field", "connection_config.auth.token");
    refused(alice.http().postJson(BASE + "/sources", new JsonObject().put("source_name", "x").put("source_type", "http_api")
        .put("connection_config", new JsonObject().put("base_url", server.url()).put("records_path", new JsonObject().put("sealed", "v1.AAAA")))),
        422, "invalid_field", "connection_config.records_path");

    String everything = alice.http().get(BASE + "/sources").text() + alice.http().get(BASE + "/jobs").text()
        + alice.http().get(BASE + "/jobs/" + done.getString("job_id") + "/provenance").text();
    assertThat(everything).doesNotContain(SECRET);
    assertThat(LOG.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(SECRET)).toList()).isEmpty();
  }

  @Test
  void sourceFieldsAreCheckedByType() {
    String[][] bad = {
        {"{\"source_name\":\"\",\"source_type\":\"http_api\",\"connection_config\":{\"base_url\":\"http://a\"}}", "source_name"},
        {"{\"source_name\":\"x\",\"source_type\":\"ftp\",\"connection_config\":{}}", "source_type"},
        {"{\"source_name\":\"x\",\"source_type\":\"s3_bucket\",\"connection_config\":{}}", "connection_config.region"},
        {"{\"source_name\":\"x\",\"source_type\":\"http_api\",\"connection_config\":{}}", "connection_config.base_url"},
        {"{\"source_name\":\"x\",\"source_type\":\"http_api\",\"connection_config\":{\"base_url\":\"ftp://a\"}}", "connection_config.base_url"},
        {"{\"source_name\":\"x\",\"source_type\":\"http_api\",\"connection_config\":{\"base_url\":\"http://a\",\"bogus\":1}}", "connection_config.bogus"},
        {"{\"source_name\":\"x\",\"source_type\":\"http_api\",\"connection_config\":{\"base_url\":\"http://a\",\"auth\":{\"type\":\"magic\"}}}", "connection_config.auth.type"},
        {"{\"source_name\":\"x\",\"source_type\":\"http_api\",\"connection_config\":{\"base_url\":\"http://a\",\"pagination\":{\"type\":\"cursor\"}}}", "connection_config.pagination.cursor_path"},
        {"{\"source_name\":\"x\",\"source_type\":\"http_api\",\"connection_config\":{\"base_url\":\"http://a\",\"rate_limit\":{\"requests_per_second\":0}}}", "connection_config.rate_limit.requests_per_second"},
        {"{\"source_name\":\"x\",\"source_type\":\"http_api\",\"connection_config\":{\"base_url\":\"http://a\",\"timeout_ms\":1.5}}", "connection_config.timeout_ms"},
        {"{\"source_name\":\"x\",\"source_type\":\"postgresql\",\"connection_config\":{\"connection_uri\":\"mysql://a/b\"}}", "connection_config.connection_uri"},
        {"{\"source_name\":\"x\",\"source_type\":\"postgresql\",\"connection_config\":{\"connection_uri\":\"postgresql://u:p@h/d\",\"password\":\"q\"}}", "connection_config.password"},
        {"{\"source_name\":\"x\",\"source_type\":\"http_api\",\"connection_config\":{\"base_url\":\"http://a\"},\"owner_id\":\"x\"}", "owner_id"},
    };
    for (String[] body : bad) {
      refused(alice.http().post(BASE + "/sources", "application/json", body[0]), 422, "invalid_field", body[1]);
    }
    contract.conforms("sources.register", alice.http().post(BASE + "/sources", "application/json", bad[0][0]), 422);
    refused(viewer.http().postJson(BASE + "/sources", new JsonObject().put("source_name", "x").put("source_type", "http_api")
        .put("connection_config", new JsonObject().put("base_url", server.url()))), 403, "read_only", null);
    refused(node.http().get(BASE + "/sources"), 401, "unauthorized", null);
    // a password in the URI moves out of it and is sealed
    Http.Response pg = alice.http().postJson(BASE + "/sources", new JsonObject().put("source_name", "db").put("source_type", "postgresql")
        .put("connection_config", new JsonObject().put("connection_uri", "postgresql://reader:hunter2@127.0.0.1:5432/app")));
    assertThat(pg.status()).isEqualTo(201);
    assertThat(pg.json().getJsonObject("connection_config").getString("connection_uri")).isEqualTo("postgresql://reader@127.0.0.1:5432/app");
    assertThat(pg.json().getJsonObject("connection_config").getString("password")).isEqualTo("********");
  }

  @Test
  void listingSourcesWithEachFilterAndPage() {
    Accounts.Session carol = node.user("carol", "editor");
    for (int i = 0; i < 3; i++) {
      source(carol, "http_api", new JsonObject().put("base_url", server.url()));
    }
    String pg = source(carol, "postgresql", new JsonObject().put("connection_uri", "postgresql://u@127.0.0.1/db"));
    carol.http().patchJson(BASE + "/sources/" + pg, new JsonObject().put("is_active", false));
    Http.Response all = carol.http().get(BASE + "/sources");
    contract.conforms("sources.list", all, 200);
    assertThat(all.json().getJsonArray("sources")).hasSize(4);
    assertThat(carol.http().get(BASE + "/sources?source_type=postgresql").json().getJsonArray("sources")).hasSize(1);
    assertThat(carol.http().get(BASE + "/sources?source_type=upload").json().getJsonArray("sources")).isEmpty();
    assertThat(carol.http().get(BASE + "/sources?is_active=false").json().getJsonArray("sources")).hasSize(1);
    assertThat(carol.http().get(BASE + "/sources?is_active=true").json().getJsonArray("sources")).hasSize(3);
    Http.Response first = carol.http().get(BASE + "/sources?limit=3");
    assertThat(first.json().getJsonArray("sources")).hasSize(3);
    Http.Response second = carol.http().get(BASE + "/sources?limit=3&after=" + first.json().getString("next_cursor"));
    assertThat(second.json().getJsonArray("sources")).hasSize(1);
    assertThat(second.json().getString("next_cursor")).isNull();
    refused(carol.http().get(BASE + "/sources?limit=0"), 400, "invalid_parameter", "limit");
    refused(carol.http().get(BASE + "/sources?limit=501"), 400, "invalid_parameter", "limit");
    refused(carol.http().get(BASE + "/sources?after=garbage"), 400, "invalid_parameter", "after");
    refused(carol.http().get(BASE + "/sources?source_type=ftp"), 400, "invalid_parameter", "source_type");
    refused(carol.http().get(BASE + "/sources?is_active=yes"), 400, "invalid_parameter", "is_active");
    contract.conforms("sources.list", carol.http().get(BASE + "/sources?is_active=yes"), 400);
    // a job on a deactivated source is refused
    refused(carol.http().postJson(BASE + "/jobs", job(pg, new JsonObject().put("query", "SELECT 1"), new JsonArray(), "json_lines")),
        409, "source_inactive", null);
  }

  @Test
  void jobsAreCheckedWholeWhenWritten() {
    String id = source(alice, "http_api", new JsonObject().put("base_url", server.url()));
    String pg = source(alice, "postgresql", new JsonObject().put("connection_uri", "postgresql://u@127.0.0.1/db"));
    Object[][] bad = {
        {job("not-a-uuid", new JsonObject(), new JsonArray(), "json_lines"), "source_id"},
        {job(java.util.UUID.randomUUID().toString(), new JsonObject(), new JsonArray(), "json_lines"), "source_id"},
        {job(id, new JsonObject(), new JsonArray(), "parquet"), "output_config.format"},
        {job(id, new JsonObject(), new JsonArray(), "csv").put("output_config", new JsonObject().put("format", "csv")
            .put("destination", new JsonObject().put("type", "klf_stream"))), "output_config.destination.target_did"},
        {job(id, new JsonObject().put("path", "no-slash"), new JsonArray(), "csv"), "request_params.path"},
        {job(id, new JsonObject().put("method", "DELETE"), new JsonArray(), "csv"), "request_params.method"},
        {job(id, new JsonObject().put("body", new JsonObject()), new JsonArray(), "csv"), "request_params.body"},
        {job(pg, new JsonObject(), new JsonArray(), "csv"), "request_params.query"},
        {job(pg, new JsonObject().put("query", "SELECT $1").put("params", new JsonArray().add(new JsonObject())), new JsonArray(), "csv"),
            "request_params.params[0]"},
        {job(id, new JsonObject(), new JsonArray().add(step("s", "validation", "xslt", new JsonObject())), "csv"), "pipeline_steps[0].step_module"},
        {job(id, new JsonObject(), new JsonArray().add(step("s", "transformation", "json_schema", new JsonObject())), "csv"),
            "pipeline_steps[0].step_type"},
        {job(id, new JsonObject(), new JsonArray().add(step("s", "validation", "json_schema", new JsonObject().put("schema",
            new JsonObject().put("type", 5)))), "csv"), "pipeline_steps[0].definition.schema"},
        {job(id, new JsonObject(), new JsonArray().add(step("s", "transformation", "filter", new JsonObject())), "csv"),
            "pipeline_steps[0].definition.conditions"},
        {job(id, new JsonObject(), new JsonArray().add(step("a", "transformation", "redact", new JsonObject().put("fields", new JsonObject().put("x", "drop"))))
            .add(step("b", "transformation", "format_conversion", new JsonObject().put("from", "csv"))), "csv"), "pipeline_steps[1].step_module"},
        {job(pg, new JsonObject().put("query", "SELECT 1"), new JsonArray().add(step("a", "transformation", "format_conversion",
            new JsonObject().put("from", "csv"))), "csv"), "pipeline_steps[0].step_module"},
        {job(id, new JsonObject(), new JsonArray().add(new JsonObject().put("transformation_id", java.util.UUID.randomUUID().toString())), "csv"),
            "pipeline_steps[0].transformation_id"},
        {job(id, new JsonObject(), new JsonArray(), "csv").put("extra", 1), "extra"},
    };
    for (Object[] body : bad) {
      refused(alice.http().postJson(BASE + "/jobs", body[0]), 422, "invalid_field", (String) body[1]);
    }
    Http.Response rego = alice.http().postJson(BASE + "/jobs", job(id, new JsonObject(), new JsonArray().add(step("policy", "validation",
        "rego_policy", new JsonObject().put("policy", "package x"))), "csv"));
    refused(rego, 422, "unsupported_step", "pipeline_steps[0].step_module");
    contract.conforms("jobs.create", rego, 422);
    // another owner's source is not there
    refused(bob.http().postJson(BASE + "/jobs", job(id, new JsonObject(), new JsonArray(), "csv")), 422, "invalid_field", "source_id");
    refused(viewer.http().postJson(BASE + "/jobs", job(id, new JsonObject(), new JsonArray(), "csv")), 403, "read_only", null);
  }

  @Test
  void jobsListCancelDeleteAndTheirAssets() {
    String id = source(alice, "http_api", new JsonObject().put("base_url", server.url()).put("pagination",
        new JsonObject().put("type", "offset").put("limit", 10)));
    JsonObject done = run(alice, job(id, new JsonObject().put("path", "/offset"), new JsonArray(), "csv"));
    // a slow job, cancelled while it runs
    String slow = source(alice, "http_api", new JsonObject().put("base_url", server.url()).put("timeout_ms", 10_000));
    Http.Response created = alice.http().postJson(BASE + "/jobs", job(slow, new JsonObject().put("path", "/slow"), new JsonArray(), "json_lines"));
    contract.conforms("jobs.create", created, 201);
    String slowId = created.json().getString("job_id");
    alice.http().await(BASE + "/jobs/" + slowId, r -> r.json().getString("status").equals("running"), java.time.Duration.ofSeconds(10));
    refused(alice.http().delete(BASE + "/jobs/" + slowId), 409, "job_unfinished", null);
    refused(alice.http().delete(BASE + "/sources/" + slow), 409, "source_in_use", null);
    refused(bob.http().postJson(BASE + "/jobs/" + slowId + "/cancel", new JsonObject()), 404, "not_found", null);
    refused(viewer.http().postJson(BASE + "/jobs/" + slowId + "/cancel", new JsonObject()), 403, "read_only", null);
    Http.Response cancel = alice.http().postJson(BASE + "/jobs/" + slowId + "/cancel", new JsonObject());
    contract.conforms("jobs.cancel", cancel, 200);
    JsonObject cancelled = TohungaNode.awaitEnd(alice, slowId);
    assertThat(cancelled.getString("status")).isEqualTo("cancelled");
    assertThat(cancelled.getJsonObject("error").getString("code")).isEqualTo("CANCELLED");
    Http.Response again = alice.http().postJson(BASE + "/jobs/" + slowId + "/cancel", new JsonObject());
    refused(again, 409, "job_finished", null);
    contract.conforms("jobs.cancel", again, 409);
    refused(alice.http().postJson(BASE + "/jobs/" + slowId + "/cancel", new JsonObject().put("job_id", done.getString("job_id"))), 422,
        "invalid_field", "job_id");

    Http.Response list = alice.http().get(BASE + "/jobs?source_id=" + id);
    contract.conforms("jobs.list", list, 200);
    assertThat(list.json().getJsonArray("jobs")).hasSize(1);
    assertThat(alice.http().get(BASE + "/jobs?status=cancelled").json().getJsonArray("jobs")).extracting(j -> ((JsonObject) j).getString("job_id"))
        .containsExactly(slowId);
    assertThat(alice.http().get(BASE + "/jobs?status=completed&limit=1").json().getJsonArray("jobs")).hasSize(1);
    refused(alice.http().get(BASE + "/jobs?status=done"), 400, "invalid_parameter", "status");
    refused(alice.http().get(BASE + "/jobs?source_id=nope"), 400, "invalid_parameter", "source_id");
    refused(alice.http().get(BASE + "/jobs?after=%00"), 400, "invalid_parameter", "after");
    refused(alice.http().get(BASE + "/jobs/nope"), 404, "not_found", null);
    contract.conforms("jobs.get", alice.http().get(BASE + "/jobs/" + java.util.UUID.randomUUID()), 404);
    refused(alice.http().get(BASE + "/jobs/" + slowId + "/provenance"), 404, "not_found", null);

    Http.Response assets = alice.http().get(BASE + "/assets");
    contract.conforms("assets.list", assets, 200);
    JsonObject asset = alice.http().get(BASE + "/assets?job_id=" + done.getString("job_id")).json().getJsonArray("assets").getJsonObject(0);
    assertThat(asset.getString("format")).isEqualTo("csv");
    Http.Response file = alice.http().get(BASE + "/assets/" + asset.getString("asset_id"));
    assertThat(file.status()).isEqualTo(200);
    assertThat(file.header("content-type")).isEqualTo("text/csv; charset=utf-8");
    assertThat(file.header("content-length")).isEqualTo(Long.toString(asset.getLong("bytes")));
    assertThat(file.text().lines().count()).isEqualTo(31);
    assertThat(file.text()).startsWith("id,name,actor,score,email\n0,item-0,\"{\"\"login\"\":\"\"user0\"\"}\",0,u0@example.org\n");
    Http.Response head = alice.http().send("HEAD", BASE + "/assets/" + asset.getString("asset_id"), null, null);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("content-length")).isEqualTo(Long.toString(asset.getLong("bytes")));
    assertThat(head.text()).isEmpty();
    refused(bob.http().get(BASE + "/assets/" + asset.getString("asset_id")), 404, "not_found", null);
    refused(alice.http().get(BASE + "/assets?job_id=x"), 400, "invalid_parameter", "job_id");
    refused(alice.http().get(BASE + "/assets/not-an-id"), 404, "not_found", null);
    refused(viewer.http().delete(BASE + "/assets/" + asset.getString("asset_id")), 403, "read_only", null);

    // deleting the job deletes its assets (rows and file); the source can go once no job runs
    assertThat(alice.http().delete(BASE + "/jobs/" + done.getString("job_id")).status()).isEqualTo(204);
    refused(alice.http().get(BASE + "/assets/" + asset.getString("asset_id")), 404, "not_found", null);
    java.nio.file.Path file0 = node.node().config().dataDir().resolve("assets").resolve(asset.getString("asset_id") + ".csv");
    node.http().await("/health/live", r -> !java.nio.file.Files.exists(file0), java.time.Duration.ofSeconds(5));
    assertThat(alice.http().delete(BASE + "/sources/" + slow).status()).isEqualTo(204);
    refused(alice.http().get(BASE + "/sources/" + slow), 404, "not_found", null);
    refused(alice.http().delete(BASE + "/jobs/" + done.getString("job_id")), 404, "not_found", null);
  }

  @Test
  void jobEventsStreamUntilTheEnd() {
    String id = source(alice, "http_api", new JsonObject().put("base_url", server.url()));
    JsonObject done = run(alice, job(id, new JsonObject().put("path", "/offset"), new JsonArray(), "json_lines"));
    Http.Response ended = alice.http().get(BASE + "/jobs/" + done.getString("job_id") + "/events");
    assertThat(ended.status()).isEqualTo(200);
    assertThat(ended.header("content-type")).isEqualTo("text/event-stream");
    assertThat(ended.text()).startsWith("event: job\ndata: {").contains("\"status\":\"completed\"");

    String slow = source(alice, "http_api", new JsonObject().put("base_url", server.url()));
    String running = alice.http().postJson(BASE + "/jobs", job(slow, new JsonObject().put("path", "/slow"), new JsonArray(), "json_lines"))
        .json().getString("job_id");
    Http.Response events = alice.http().get(BASE + "/jobs/" + running + "/events");
    assertThat(events.text()).contains("event: progress").contains("\"status\":\"completed\"");
    refused(bob.http().get(BASE + "/jobs/" + running + "/events"), 404, "not_found", null);
  }

  @Test
  void savedTransformationsAreStepsJobsReference() {
    JsonArray steps = new JsonArray().add(step("only-even", "transformation", "filter", new JsonObject().put("conditions",
        new JsonArray().add(new JsonObject().put("field", "score").put("operator", "in").put("value", new JsonArray().add(0).add(2).add(4))))));
    Http.Response created = alice.http().postJson(BASE + "/transformations", new JsonObject().put("name", "evens").put("steps", steps));
    contract.conforms("transformations.create", created, 201);
    String tid = created.json().getString("transformation_id");
    contract.conforms("transformations.get", alice.http().get(BASE + "/transformations/" + tid), 200);
    contract.conforms("transformations.list", alice.http().get(BASE + "/transformations"), 200);
    refused(bob.http().get(BASE + "/transformations/" + tid), 404, "not_found", null);
    refused(alice.http().postJson(BASE + "/transformations", new JsonObject().put("name", "bad").put("steps", new JsonArray()
        .add(step("x", "transformation", "filter", new JsonObject().put("conditions", new JsonArray().add(new JsonObject()
            .put("field", "a").put("operator", "like"))))))), 422, "invalid_field", "steps[0].definition.conditions[0].operator");
    refused(alice.http().postJson(BASE + "/transformations", new JsonObject().put("name", "nested").put("steps", new JsonArray()
        .add(new JsonObject().put("transformation_id", tid)))), 422, "invalid_field", "steps[0].transformation_id");
    refused(alice.http().get(BASE + "/transformations?limit=x"), 400, "invalid_parameter", "limit");
    refused(alice.http().postJson(BASE + "/transformations", new JsonObject().put("name", "policy").put("steps", new JsonArray()
        .add(step("p", "validation", "rego_policy", new JsonObject())))), 422, "unsupported_step", "steps[0].step_module");

    String id = source(alice, "http_api", new JsonObject().put("base_url", server.url()).put("pagination",
        new JsonObject().put("type", "offset").put("limit", 10)));
    JsonObject done = run(alice, job(id, new JsonObject().put("path", "/offset"), new JsonArray().add(new JsonObject()
        .put("step_id", "saved").put("transformation_id", tid)), "json_lines"));
    assertThat(done.getLong("records_out")).isEqualTo(3);
    assertThat(done.getJsonArray("pipeline_steps").getJsonObject(0).getString("step_id")).isEqualTo("saved.only-even");
    refused(bob.http().postJson(BASE + "/jobs", job(source(bob, "http_api", new JsonObject().put("base_url", server.url())),
        new JsonObject(), new JsonArray().add(new JsonObject().put("transformation_id", tid)), "csv")), 422, "invalid_field",
        "pipeline_steps[0].transformation_id");

    Http.Response updated = alice.http().putJson(BASE + "/transformations/" + tid, new JsonObject().put("name", "renamed").put("steps", steps));
    contract.conforms("transformations.update", updated, 200);
    assertThat(updated.json().getString("name")).isEqualTo("renamed");
    refused(viewer.http().delete(BASE + "/transformations/" + tid), 403, "read_only", null);
    assertThat(alice.http().delete(BASE + "/transformations/" + tid).status()).isEqualTo(204);
    refused(alice.http().delete(BASE + "/transformations/" + tid), 404, "not_found", null);
  }

  @Test
  void eachOwnerSeesOnlyTheirOwnAndAnAdminAll() {
    String aliceSource = source(alice, "http_api", new JsonObject().put("base_url", server.url()));
    JsonObject aliceJob = run(alice, job(aliceSource, new JsonObject().put("path", "/offset"), new JsonArray(), "json_lines"));
    String asset = alice.http().get(BASE + "/assets?job_id=" + aliceJob.getString("job_id")).json().getJsonArray("assets")
        .getJsonObject(0).getString("asset_id");
    for (String path : List.of("/sources/" + aliceSource, "/jobs/" + aliceJob.getString("job_id"), "/jobs/" + aliceJob.getString("job_id")
        + "/provenance", "/assets/" + asset)) {
      refused(bob.http().get(BASE + path), 404, "not_found", null);
      assertThat(node.admin().http().get(BASE + path).status()).as(path).isEqualTo(200);
    }
    refused(bob.http().patchJson(BASE + "/sources/" + aliceSource, new JsonObject().put("source_name", "mine")), 404, "not_found", null);
    refused(bob.http().delete(BASE + "/sources/" + aliceSource), 404, "not_found", null);
    refused(bob.http().postJson(BASE + "/sources/" + aliceSource + "/test", new JsonObject()), 404, "not_found", null);
    refused(bob.http().delete(BASE + "/jobs/" + aliceJob.getString("job_id")), 404, "not_found", null);
    refused(bob.http().delete(BASE + "/assets/" + asset), 404, "not_found", null);
    assertThat(bob.http().get(BASE + "/sources").json().getJsonArray("sources").stream()
        .noneMatch(s -> ((JsonObject) s).getString("source_id").equals(aliceSource))).isTrue();
    assertThat(bob.http().get(BASE + "/assets").json().getJsonArray("assets").stream()
        .noneMatch(a -> ((JsonObject) a).getString("asset_id").equals(asset))).isTrue();
    assertThat(viewer.http().get(BASE + "/jobs").json().getJsonArray("jobs")).isEmpty();
    refused(viewer.http().postJson(BASE + "/sources/" + aliceSource + "/test", new JsonObject()), 403, "read_only", null);
    refused(alice.http().patchJson(BASE + "/sources/" + aliceSource, new JsonObject().put("source_type", "postgresql")), 422, "invalid_field", "source_type");
    refused(alice.http().patchJson(BASE + "/sources/" + aliceSource, new JsonObject().put("source_id", aliceJob.getString("job_id"))), 422,
        "invalid_field", "source_id");
  }
}
