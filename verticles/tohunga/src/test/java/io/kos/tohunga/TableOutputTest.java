package io.kos.tohunga;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.kos.tohunga.TohungaNode.BASE;
import static io.kos.tohunga.TohungaNode.run;
import static io.kos.tohunga.TohungaNode.source;
import static io.kos.tohunga.TohungaNode.step;
import static org.assertj.core.api.Assertions.assertThat;

/** Outputs into a PostgreSQL table: made from the first record, one transaction per job, upserted on a key; kill -9 during an incremental run leaves no duplicate. */
class TableOutputTest {

  private static SourceServer server;
  private static TestNode node;
  private static Accounts.Session alice;
  private static String target;

  @BeforeAll
  static void start() {
    server = SourceServer.start(95);
    node = TohungaNode.start();
    alice = node.user("alice", "editor");
    target = TestDatabase.freshDatabaseUrl();
  }

  @AfterAll
  static void stop() {
    node.close();
    server.close();
  }

  private static JsonObject targetConfig() {
    PgConnectOptions options = PgConnectOptions.fromUri(target);
    return new JsonObject().put("connection_uri", "postgresql://" + options.getUser() + "@127.0.0.1:" + options.getPort() + "/"
        + options.getDatabase()).put("password", options.getPassword());
  }

  private static JsonObject tableJob(String from, String to, String path, JsonArray steps, JsonObject destination) {
    return new JsonObject().put("source_id", from).put("request_params", new JsonObject().put("path", path)).put("pipeline_steps", steps)
        .put("output_config", new JsonObject().put("destination", destination.put("type", "postgresql").put("source_id", to)));
  }

  private static long count(String sql) throws Exception {
    try (Connection db = TestDatabase.connect(target); Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  @Test
  void aTableIsMadeFromTheFirstRecordAndUpsertedOnItsKey() throws Exception {
    String from = source(alice, "http_api", new JsonObject().put("base_url", server.url()).put("pagination",
        new JsonObject().put("type", "offset").put("limit", 10)));
    String to = source(alice, "postgresql", targetConfig());
    JsonObject done = run(alice, tableJob(from, to, "/offset", new JsonArray(), new JsonObject().put("table", "items").put("key", new JsonArray().add("id"))));
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    assertThat(done.getString("result_uri")).endsWith("/public.items");
    assertThat(count("SELECT count(*) FROM items")).isEqualTo(95);
    try (Connection db = TestDatabase.connect(target); Statement sql = db.createStatement();
         ResultSet types = sql.executeQuery("SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) FROM "
             + "information_schema.columns WHERE table_name = 'items'")) {
      types.next();
      assertThat(types.getString(1)).isEqualTo("id:bigint,name:text,actor:jsonb,score:bigint,email:text");
    }
    assertThat(count("SELECT count(*) FROM items WHERE actor->>'login' = 'user3'")).isGreaterThan(0);
    // again: upserted, nothing doubled
    run(alice, tableJob(from, to, "/offset", new JsonArray(), new JsonObject().put("table", "items").put("key", new JsonArray().add("id"))));
    assertThat(count("SELECT count(*) FROM items")).isEqualTo(95);
    JsonObject provenance = alice.http().get(BASE + "/jobs/" + done.getString("job_id") + "/provenance").json();
    assertThat(provenance.getJsonObject("output").getLong("rows")).isEqualTo(95);
    assertThat(alice.http().get(BASE + "/assets?job_id=" + done.getString("job_id")).json().getJsonArray("assets")).isEmpty();
  }

  @Test
  void aFailedJobLeavesNothingInTheTable() throws Exception {
    String from = source(alice, "http_api", new JsonObject().put("base_url", server.url()).put("pagination",
        new JsonObject().put("type", "offset").put("limit", 10)));
    String to = source(alice, "postgresql", targetConfig());
    JsonArray failAt50 = new JsonArray().add(step("v", "validation", "json_schema", new JsonObject().put("schema", new JsonObject()
        .put("properties", new JsonObject().put("id", new JsonObject().put("maximum", 49))))));
    JsonObject failed = run(alice, tableJob(from, to, "/offset", failAt50, new JsonObject().put("table", "analytics_failed")));
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(count("SELECT count(*) FROM information_schema.tables WHERE table_name = 'analytics_failed'")).isZero();
    JsonObject missing = run(alice, tableJob(from, to, "/offset", new JsonArray(), new JsonObject().put("table", "absent").put("create", false)));
    assertThat(missing.getJsonObject("error").getString("code")).isEqualTo("OUTPUT_WRITE_ERROR");
    assertThat(missing.getJsonObject("error").getString("message")).contains("does not exist");
  }

  @Test
  void tableOutputsAreCheckedWhenWritten() {
    String from = source(alice, "http_api", new JsonObject().put("base_url", server.url()));
    String to = source(alice, "postgresql", targetConfig());
    Object[][] bad = {
        {tableJob(from, from, "/offset", new JsonArray(), new JsonObject().put("table", "t")), "output_config.destination.source_id"},
        {tableJob(from, "nope", "/offset", new JsonArray(), new JsonObject().put("table", "t")), "output_config.destination.source_id"},
        {tableJob(from, to, "/offset", new JsonArray(), new JsonObject().put("table", "Drop Table")), "output_config.destination.table"},
        {tableJob(from, to, "/offset", new JsonArray(), new JsonObject().put("table", "a.b.c")), "output_config.destination.table"},
        {tableJob(from, to, "/offset", new JsonArray(), new JsonObject().put("table", "t").put("key", new JsonArray().add("x;y"))),
            "output_config.destination.key[0]"},
        {tableJob(from, to, "/offset", new JsonArray(), new JsonObject().put("table", "t").put("if_exists", "drop")), "output_config.destination.if_exists"},
    };
    for (Object[] body : bad) {
      Http.Response refused = alice.http().postJson(BASE + "/jobs", body[0]);
      assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
      assertThat(refused.json().getString("field")).isEqualTo(body[1]);
    }
    JsonObject withFormat = tableJob(from, to, "/offset", new JsonArray(), new JsonObject().put("table", "t"));
    withFormat.getJsonObject("output_config").put("format", "csv");
    assertThat(alice.http().postJson(BASE + "/jobs", withFormat).json().getString("field")).isEqualTo("output_config.format");
    Accounts.Session bob = node.user("bob", "editor");
    String bobs = source(bob, "http_api", new JsonObject().put("base_url", server.url()));
    assertThat(bob.http().postJson(BASE + "/jobs", tableJob(bobs, to, "/offset", new JsonArray(), new JsonObject().put("table", "t")))
        .json().getString("field")).isEqualTo("output_config.destination.source_id");
  }

  @Test
  void killedDuringAnIncrementalRunIntoATableNoRowIsDoubled() throws Exception {
    String table = "killed_items";
    Path dataDir = TestNode.tempDir();
    List<String> args = TohungaNode.processArgs(dataDir, "");
    Map<String, String> env = TohungaNode.PROCESS_ENV;
    String pipeline;
    String killed;
    SourceServer first = SourceServer.start(95);
    SourceServer grown = SourceServer.start(190);
    try (first; grown; NodeProcess process = NodeProcess.start(args, env, Duration.ofSeconds(120))) {
      Accounts.Session admin = Accounts.bootstrapAdmin(process.http(), dataDir);
      String from = source(admin, "http_api", new JsonObject().put("base_url", first.url()).put("pagination",
          new JsonObject().put("type", "offset").put("limit", 5)));
      String to = source(admin, "postgresql", targetConfig());
      JsonObject definition = tableJob(from, to, "/since", new JsonArray(), new JsonObject().put("table", table).put("key", new JsonArray().add("id")));
      definition.getJsonObject("request_params").put("query_params", new JsonObject().put("delay_ms", 150));
      pipeline = admin.http().postJson(BASE + "/pipelines", new JsonObject().put("name", "into a table").put("definition", definition)
          .put("incremental", new JsonObject().put("field", "id").put("param", "since").put("initial", -1))).json().getString("pipeline_id");
      // a first run completes: 95 rows, the cursor at 94
      String firstRun = admin.http().postJson(BASE + "/pipelines/" + pipeline + "/run", new JsonObject()).json().getString("job_id");
      admin.http().await(BASE + "/jobs/" + firstRun, r -> r.json().getString("status").equals("completed"), Duration.ofSeconds(30));
      assertThat(count("SELECT count(*) FROM " + table)).isEqualTo(95);
      // the source grows; the second run is killed half way through
      admin.http().patchJson(BASE + "/sources/" + from, new JsonObject().put("connection_config", new JsonObject().put("base_url", grown.url())
          .put("pagination", new JsonObject().put("type", "offset").put("limit", 5))));
      killed = admin.http().postJson(BASE + "/pipelines/" + pipeline + "/run", new JsonObject()).json().getString("job_id");
      admin.http().await(BASE + "/jobs/" + killed, r -> r.json().getLong("records_out") >= 20, Duration.ofSeconds(30));
      assertThat(process.kill()).isEqualTo(137);
      restartAndFinish(args, env, pipeline, killed, table);
    }
  }

  private static void restartAndFinish(List<String> args, Map<String, String> env, String pipeline, String killed, String table) throws Exception {
    try (NodeProcess process = NodeProcess.start(args, env, Duration.ofSeconds(120))) {
      Accounts.Session admin = Accounts.login(process.http(), "admin");
      assertThat(admin.http().get(BASE + "/jobs/" + killed).json().getJsonObject("error").getString("code")).isEqualTo("INTERRUPTED");
      assertThat(admin.http().get(BASE + "/pipelines/" + pipeline).json().getString("cursor")).isEqualTo("94");
      String again = admin.http().postJson(BASE + "/pipelines/" + pipeline + "/run", new JsonObject()).json().getString("job_id");
      JsonObject done = admin.http().await(BASE + "/jobs/" + again, r -> !List.of("pending", "running").contains(r.json().getString("status")),
          Duration.ofSeconds(60)).json();
      assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
      assertThat(done.getLong("records_out")).isEqualTo(95);
      assertThat(count("SELECT count(*) FROM " + table)).isEqualTo(190);
      assertThat(count("SELECT count(DISTINCT id) FROM " + table)).isEqualTo(190);
      assertThat(admin.http().get(BASE + "/pipelines/" + pipeline).json().getString("cursor")).isEqualTo("189");
      assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
    }
  }
}
