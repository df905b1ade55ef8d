package io.kos.tohunga;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static io.kos.tohunga.TohungaNode.BASE;
import static io.kos.tohunga.TohungaNode.job;
import static io.kos.tohunga.TohungaNode.source;
import static io.kos.tohunga.TohungaNode.step;
import static org.assertj.core.api.Assertions.assertThat;

/** Pipelines: schedules, versions (list, compare, restore), runs and run now, no overlap, a missed run once, incremental cursors. */
class PipelinesTest {

  private static SourceServer server;
  private static TestNode node;
  private static ApiContract contract;
  private static Accounts.Session alice;
  private static Accounts.Session bob;
  private static String sourceUrl;

  @BeforeAll
  static void start() throws Exception {
    server = SourceServer.start(30);
    node = TohungaNode.start();
    contract = ApiContract.served(node, TohungaModule.NAME);
    alice = node.user("alice", "editor");
    bob = node.user("bob", "editor");
    sourceUrl = TestDatabase.freshDatabaseUrl();
    try (Connection db = TestDatabase.connect(sourceUrl); Statement sql = db.createStatement()) {
      sql.execute("CREATE TABLE changes (id int PRIMARY KEY, note text, updated_at timestamptz NOT NULL)");
      sql.execute("INSERT INTO changes SELECT i, 'n' || i, timestamptz '2026-01-01' + i * interval '1 second' FROM generate_series(1, 100) i");
    }
  }

  @AfterAll
  static void stop() {
    node.close();
    server.close();
  }

  private static JsonObject definition(String sourceId, String path) {
    return job(sourceId, new JsonObject().put("path", path), new JsonArray(), "json_lines");
  }

  private static JsonObject create(Accounts.Session owner, JsonObject body) {
    Http.Response created = owner.http().postJson(BASE + "/pipelines", body);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json();
  }

  private static JsonArray runs(Accounts.Session owner, String pipeline) {
    return owner.http().get(BASE + "/pipelines/" + pipeline + "/runs").json().getJsonArray("runs");
  }

  private static void refused(Http.Response response, int status, String error, String field) {
    assertThat(response.status()).as(response.toString()).isEqualTo(status);
    assertThat(response.json().getString("error")).isEqualTo(error);
    if (field != null) {
      assertThat(response.json().getString(response.json().containsKey("field") ? "field" : "parameter")).as(response.toString()).isEqualTo(field);
    }
  }

  @Test
  void aScheduleRunsThePipelineAndRunsNeverOverlap() {
    String id = source(alice, "http_api", new JsonObject().put("base_url", server.url()));
    JsonObject pipeline = create(alice, new JsonObject().put("name", "every second").put("definition", definition(id, "/offset"))
        .put("schedule", "* * * * * ?").put("time_zone", "Europe/Berlin"));
    contract.conforms("pipelines.get", alice.http().get(BASE + "/pipelines/" + pipeline.getString("pipeline_id")), 200);
    assertThat(pipeline.getString("next_run_at")).isNotNull();
    String pid = pipeline.getString("pipeline_id");
    alice.http().await(BASE + "/pipelines/" + pid + "/runs", r -> r.json().getJsonArray("runs").stream()
        .filter(run -> ((JsonObject) run).getString("status").equals("completed")).count() >= 2, Duration.ofSeconds(20));
    Http.Response page = alice.http().get(BASE + "/pipelines/" + pid + "/runs");
    contract.conforms("pipelines.runs", page, 200);
    JsonObject run = page.json().getJsonArray("runs").getJsonObject(0);
    assertThat(run.getString("run_trigger")).isEqualTo("schedule");
    assertThat(run.getInteger("pipeline_version")).isEqualTo(1);
    assertThat(run.getString("pipeline_id")).isEqualTo(pid);
    // deactivated: no more runs
    Http.Response off = alice.http().patchJson(BASE + "/pipelines/" + pid, new JsonObject().put("is_active", false));
    contract.conforms("pipelines.update", off, 200);
    assertThat(off.json().getString("next_run_at")).isNull();
    io.kos.node.testkit.NodeProcess.sleep(300);
    int count = runs(alice, pid).size();
    io.kos.node.testkit.NodeProcess.sleep(1500);
    assertThat(runs(alice, pid).size()).isEqualTo(count);

    // a slow source: while a run goes on, run now is refused and scheduled times are skipped, never overlapped
    String slow = source(alice, "http_api", new JsonObject().put("base_url", server.url()));
    String slowPipeline = create(alice, new JsonObject().put("name", "slow").put("definition", definition(slow, "/slow"))
        .put("schedule", "* * * * * ?")).getString("pipeline_id");
    alice.http().await(BASE + "/pipelines/" + slowPipeline + "/runs", r -> r.json().getJsonArray("runs").size() >= 1, Duration.ofSeconds(10));
    Http.Response busy = alice.http().postJson(BASE + "/pipelines/" + slowPipeline + "/run", new JsonObject());
    refused(busy, 409, "pipeline_running", null);
    contract.conforms("pipelines.run", busy, 409);
    refused(alice.http().delete(BASE + "/pipelines/" + slowPipeline), 409, "pipeline_running", null);
    io.kos.node.testkit.NodeProcess.sleep(2500);
    alice.http().patchJson(BASE + "/pipelines/" + slowPipeline, new JsonObject().put("is_active", false));
    List<JsonObject> all = runs(alice, slowPipeline).stream().map(JsonObject.class::cast).toList();
    assertThat(all.stream().filter(r -> List.of("pending", "running").contains(r.getString("status"))).count()).isLessThanOrEqualTo(1);
    for (JsonObject a : all) {
      for (JsonObject b : all) {
        if (a != b && a.getString("completed_at") != null && b.getString("started_at") != null
            && a.getString("started_at").compareTo(b.getString("started_at")) < 0) {
          assertThat(a.getString("completed_at").compareTo(b.getString("started_at"))).as("runs overlap").isLessThanOrEqualTo(0);
        }
      }
    }
  }

  @Test
  void everyChangeIsAVersionToCompareAndRestore() {
    String id = source(alice, "http_api", new JsonObject().put("base_url", server.url()));
    String pid = create(alice, new JsonObject().put("name", "first").put("definition", definition(id, "/offset"))).getString("pipeline_id");
    alice.http().patchJson(BASE + "/pipelines/" + pid, new JsonObject().put("name", "second").put("change_description", "renamed"));
    JsonObject third = alice.http().patchJson(BASE + "/pipelines/" + pid, new JsonObject().put("schedule", "0 3 * * *")
        .put("definition", definition(id, "/page"))).json();
    assertThat(third.getInteger("version")).isEqualTo(3);
    Http.Response versions = alice.http().get(BASE + "/pipelines/" + pid + "/versions");
    contract.conforms("pipelines.versions", versions, 200);
    assertThat(versions.json().getJsonArray("versions")).extracting(v -> ((JsonObject) v).getInteger("version_number")).containsExactly(3, 2, 1);
    assertThat(versions.json().getJsonArray("versions").getJsonObject(1).getString("change_description")).isEqualTo("renamed");
    assertThat(alice.http().get(BASE + "/pipelines/" + pid + "/versions?limit=2").json().getInteger("next_before")).isEqualTo(2);
    assertThat(alice.http().get(BASE + "/pipelines/" + pid + "/versions?before=2").json().getJsonArray("versions")).hasSize(1);

    Http.Response compared = alice.http().get(BASE + "/pipelines/" + pid + "/versions/compare?from=1&to=3");
    contract.conforms("pipelines.versions.compare", compared, 200);
    assertThat(compared.json().getJsonArray("changes")).extracting(c -> ((JsonObject) c).getString("field"))
        .containsExactly("name", "definition.request_params", "schedule");
    Http.Response v1 = alice.http().get(BASE + "/pipelines/" + pid + "/versions/1");
    contract.conforms("pipelines.versions.get", v1, 200);
    assertThat(v1.json().getJsonObject("snapshot").getString("name")).isEqualTo("first");

    Http.Response restored = alice.http().postJson(BASE + "/pipelines/" + pid + "/versions/1/restore", new JsonObject());
    contract.conforms("pipelines.versions.restore", restored, 200);
    assertThat(restored.json().getInteger("version")).isEqualTo(4);
    assertThat(restored.json().getString("name")).isEqualTo("first");
    assertThat(restored.json().getString("schedule")).isNull();
    assertThat(alice.http().get(BASE + "/pipelines/" + pid + "/versions/4").json().getString("change_description")).isEqualTo("restored version 1");

    refused(alice.http().get(BASE + "/pipelines/" + pid + "/versions/9"), 404, "not_found", null);
    refused(alice.http().get(BASE + "/pipelines/" + pid + "/versions/x"), 400, "invalid_parameter", "version_number");
    refused(alice.http().get(BASE + "/pipelines/" + pid + "/versions/compare?from=1"), 400, "invalid_parameter", "to");
    refused(alice.http().get(BASE + "/pipelines/" + pid + "/versions/compare?from=a&to=1"), 400, "invalid_parameter", "from");
    refused(alice.http().get(BASE + "/pipelines/" + pid + "/versions?before=0"), 400, "invalid_parameter", "before");
    refused(bob.http().get(BASE + "/pipelines/" + pid + "/versions"), 404, "not_found", null);
    refused(bob.http().postJson(BASE + "/pipelines/" + pid + "/versions/1/restore", new JsonObject()), 404, "not_found", null);
    refused(bob.http().postJson(BASE + "/pipelines/" + pid + "/run", new JsonObject()), 404, "not_found", null);

    Http.Response manual = alice.http().postJson(BASE + "/pipelines/" + pid + "/run", new JsonObject());
    contract.conforms("pipelines.run", manual, 201);
    assertThat(manual.json().getString("run_trigger")).isEqualTo("manual");
    assertThat(manual.json().getInteger("pipeline_version")).isEqualTo(4);
    assertThat(TohungaNode.awaitEnd(alice, manual.json().getString("job_id")).getString("status")).isEqualTo("completed");
    assertThat(alice.http().delete(BASE + "/pipelines/" + pid).status()).isEqualTo(204);
    // the run stays, without its pipeline
    assertThat(alice.http().get(BASE + "/jobs/" + manual.json().getString("job_id")).json().getString("pipeline_id")).isNull();
  }

  @Test
  void pipelinesAreCheckedWhenWritten() {
    String id = source(alice, "http_api", new JsonObject().put("base_url", server.url()));
    String pg = source(alice, "postgresql", new JsonObject().put("connection_uri", "postgresql://u@127.0.0.1/db"));
    JsonObject good = new JsonObject().put("name", "p").put("definition", definition(id, "/offset"));
    Object[][] bad = {
        {good.copy().put("schedule", "every day"), "schedule"},
        {good.copy().put("schedule", "61 * * * *"), "schedule"},
        {good.copy().put("time_zone", "Mars/Olympus"), "time_zone"},
        {good.copy().put("name", " "), "name"},
        {new JsonObject().put("name", "p"), "definition"},
        {good.copy().put("definition", definition("nope", "/x")), "definition.source_id"},
        {good.copy().put("definition", definition(id, "x")), "definition.request_params.path"},
        {good.copy().put("definition", job(id, new JsonObject(), new JsonArray().add(step("s", "validation", "xslt", new JsonObject())), "csv")),
            "definition.pipeline_steps[0].step_module"},
        {good.copy().put("definition", definition(id, "/offset").put("output_config", new JsonObject().put("format", "xls"))),
            "definition.output_config.format"},
        {good.copy().put("incremental", new JsonObject().put("field", "id").put("initial", 0)), "incremental.param"},
        {good.copy().put("incremental", new JsonObject().put("field", "id").put("param", "since")), "incremental.initial"},
        {good.copy().put("incremental", new JsonObject().put("field", "").put("param", "since").put("initial", 0)), "incremental.field"},
        {good.copy().put("definition", job(pg, new JsonObject().put("query", "SELECT * FROM t"), new JsonArray(), "csv"))
            .put("incremental", new JsonObject().put("field", "updated_at").put("initial", "2026-01-01T00:00:00Z")), "definition.request_params.query"},
        {good.copy().put("definition", job(pg, new JsonObject().put("query", "SELECT * FROM t WHERE u > $1"), new JsonArray(), "csv"))
            .put("incremental", new JsonObject().put("field", "u").put("param", "p").put("initial", 1)), "incremental.param"},
        {good.copy().put("cursor", "x"), "cursor"},
    };
    for (Object[] body : bad) {
      refused(alice.http().postJson(BASE + "/pipelines", body[0]), 422, "invalid_field", (String) body[1]);
    }
    contract.conforms("pipelines.create", alice.http().postJson(BASE + "/pipelines", bad[0][0]), 422);
    refused(alice.http().postJson(BASE + "/pipelines", good.copy().put("definition", job(id, new JsonObject(), new JsonArray()
        .add(step("p", "validation", "rego_policy", new JsonObject())), "csv"))), 422, "unsupported_step", "definition.pipeline_steps[0].step_module");
    refused(bob.http().postJson(BASE + "/pipelines", good), 422, "invalid_field", "definition.source_id");
    refused(node.user("vic", "viewer").http().postJson(BASE + "/pipelines", good), 403, "read_only", null);
    String pid = create(alice, good).getString("pipeline_id");
    refused(alice.http().patchJson(BASE + "/pipelines/" + pid, new JsonObject().put("schedule", "nope")), 422, "invalid_field", "schedule");
    refused(alice.http().patchJson(BASE + "/pipelines/" + pid, new JsonObject().put("pipeline_id", id)), 422, "invalid_field", "pipeline_id");
    refused(bob.http().patchJson(BASE + "/pipelines/" + pid, new JsonObject().put("name", "mine")), 404, "not_found", null);
    refused(bob.http().get(BASE + "/pipelines/" + pid), 404, "not_found", null);
    assertThat(bob.http().get(BASE + "/pipelines").json().getJsonArray("pipelines")).isEmpty();
    Http.Response listed = alice.http().get(BASE + "/pipelines?is_active=true&limit=1");
    contract.conforms("pipelines.list", listed, 200);
    assertThat(listed.json().getJsonArray("pipelines")).hasSize(1);
    refused(alice.http().get(BASE + "/pipelines?is_active=maybe"), 400, "invalid_parameter", "is_active");
    refused(alice.http().get(BASE + "/pipelines/" + pid + "/runs?limit=0"), 400, "invalid_parameter", "limit");
  }

  @Test
  void aRunMissedWhileNoSchedulerRanRunsOnce() throws Exception {
    String id = source(alice, "http_api", new JsonObject().put("base_url", server.url()));
    // once a year: its next run is far away, until the test moves it three hours into the past
    String pid = create(alice, new JsonObject().put("name", "yearly").put("definition", definition(id, "/offset"))
        .put("schedule", "0 0 1 1 *")).getString("pipeline_id");
    try (Connection db = node.jdbc(); Statement sql = db.createStatement()) {
      sql.execute("UPDATE tohunga.pipelines SET next_run_at = now() - interval '3 hours' WHERE pipeline_id = '" + pid + "'");
    }
    alice.http().await(BASE + "/pipelines/" + pid + "/runs", r -> r.json().getJsonArray("runs").size() == 1, Duration.ofSeconds(10));
    io.kos.node.testkit.NodeProcess.sleep(1000);
    assertThat(runs(alice, pid)).hasSize(1);
    assertThat(alice.http().get(BASE + "/pipelines/" + pid).json().getString("next_run_at")).startsWith(Integer.toString(
        java.time.Year.now().getValue() + 1) + "-01-01");
  }

  @Test
  void anIncrementalPipelineReadsOnlyWhatIsNewAndMovesItsCursorOnlyWhenARunCompletes() throws Exception {
    PgConnectOptions options = PgConnectOptions.fromUri(sourceUrl);
    String pg = source(alice, "postgresql", new JsonObject().put("connection_uri", "postgresql://" + options.getUser() + "@127.0.0.1:"
        + options.getPort() + "/" + options.getDatabase()).put("password", options.getPassword()));
    JsonObject definition = job(pg, new JsonObject().put("query", "SELECT id, note, updated_at FROM changes WHERE updated_at > $1 ORDER BY updated_at"),
        new JsonArray().add(step("check", "validation", "json_schema", new JsonObject().put("schema", new JsonObject()
            .put("properties", new JsonObject().put("note", new JsonObject().put("type", "string").put("pattern", "^n"))))))
        , "json_lines");
    String pid = create(alice, new JsonObject().put("name", "changes").put("definition", definition)
        .put("incremental", new JsonObject().put("field", "updated_at").put("initial", "1970-01-01T00:00:00Z"))).getString("pipeline_id");
    JsonObject first = TohungaNode.awaitEnd(alice, alice.http().postJson(BASE + "/pipelines/" + pid + "/run", new JsonObject()).json().getString("job_id"));
    assertThat(first.getString("status")).as(first.encode()).isEqualTo("completed");
    assertThat(first.getLong("records_out")).isEqualTo(100);
    String cursor = alice.http().get(BASE + "/pipelines/" + pid).json().getString("cursor");
    assertThat(cursor).isEqualTo("2026-01-01T00:01:40.000000Z");
    assertThat(first.getString("cursor_to")).isEqualTo(cursor);

    try (Connection db = TestDatabase.connect(sourceUrl); Statement sql = db.createStatement()) {
      sql.execute("INSERT INTO changes SELECT i, 'n' || i, timestamptz '2026-01-01' + i * interval '1 second' FROM generate_series(101, 120) i");
    }
    JsonObject second = TohungaNode.awaitEnd(alice, alice.http().postJson(BASE + "/pipelines/" + pid + "/run", new JsonObject()).json().getString("job_id"));
    assertThat(second.getLong("records_out")).isEqualTo(20);
    assertThat(second.getJsonObject("incremental").getString("from")).isEqualTo(cursor);
    String afterSecond = alice.http().get(BASE + "/pipelines/" + pid).json().getString("cursor");
    assertThat(afterSecond).isEqualTo("2026-01-01T00:02:00.000000Z");

    // a run that fails leaves the cursor where it was: the next run reads the same records again
    try (Connection db = TestDatabase.connect(sourceUrl); Statement sql = db.createStatement()) {
      sql.execute("INSERT INTO changes VALUES (121, 'n-ok', timestamptz '2026-01-01 00:02:01+00'), (122, 'bad', timestamptz '2026-01-01 00:02:02+00')");
    }
    JsonObject failed = TohungaNode.awaitEnd(alice, alice.http().postJson(BASE + "/pipelines/" + pid + "/run", new JsonObject()).json().getString("job_id"));
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getJsonObject("error").getString("message")).contains("record 1 ");
    assertThat(alice.http().get(BASE + "/pipelines/" + pid).json().getString("cursor")).isEqualTo(afterSecond);
    // changing the incremental settings starts the cursor again
    JsonObject reset = alice.http().patchJson(BASE + "/pipelines/" + pid, new JsonObject().put("incremental", new JsonObject()
        .put("field", "updated_at").put("initial", "2026-01-01T00:01:50Z"))).json();
    assertThat(reset.getString("cursor")).isNull();
    try (Connection db = TestDatabase.connect(sourceUrl); Statement sql = db.createStatement()) {
      sql.execute("DELETE FROM changes WHERE id = 122");
    }
    JsonObject again = TohungaNode.awaitEnd(alice, alice.http().postJson(BASE + "/pipelines/" + pid + "/run", new JsonObject()).json().getString("job_id"));
    assertThat(again.getString("status")).isEqualTo("completed");
    assertThat(again.getLong("records_out")).isEqualTo(11);
  }
}
