package io.kos.tohunga;

import io.kos.node.testkit.Accounts;
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
import java.util.Map;

import static io.kos.tohunga.TohungaNode.BASE;
import static io.kos.tohunga.TohungaNode.job;
import static io.kos.tohunga.TohungaNode.run;
import static io.kos.tohunga.TohungaNode.source;
import static io.kos.tohunga.TohungaNode.step;
import static org.assertj.core.api.Assertions.assertThat;

/** Jobs over a postgresql source: a second database on the tests' PostgreSQL, read with a cursor in a read-only transaction. */
class PostgresAcquisitionTest {

  private static String url;
  private static TestNode node;
  private static Accounts.Session alice;

  @BeforeAll
  static void start() throws Exception {
    url = TestDatabase.freshDatabaseUrl();
    try (Connection db = TestDatabase.connect(url); Statement sql = db.createStatement()) {
      sql.execute("CREATE TABLE readings (id bigint PRIMARY KEY, sensor text, value numeric, taken_at timestamptz, tags jsonb, raw bytea)");
      sql.execute("INSERT INTO readings SELECT i, 's' || (i % 5), i * 1.5, timestamptz '2026-01-01' + i * interval '1 minute', "
          + "jsonb_build_object('n', i), '\\x00ff'::bytea FROM generate_series(1, 2500) i");
    }
    node = TohungaNode.start();
    alice = node.user("alice", "editor");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String pgSource(String user, String password, int fetchSize) {
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    JsonObject config = new JsonObject().put("connection_uri", "postgresql://" + user + "@" + options.getHost() + ":" + options.getPort()
        + "/" + options.getDatabase()).put("password", password).put("fetch_size", fetchSize);
    return source(alice, "postgresql", config);
  }

  private static String ownSource(int fetchSize) {
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    return pgSource(options.getUser(), options.getPassword(), fetchSize);
  }

  @Test
  void aQueryIsStreamedPageByPageWithItsParameters() {
    String id = ownSource(100);
    JsonObject done = run(alice, job(id, new JsonObject().put("query", "SELECT * FROM readings WHERE id > $1 AND sensor <> $2 ORDER BY id")
        .put("params", new JsonArray().add(500).add("s0")), new JsonArray().add(step("map", "transformation", "field_mapping",
        new JsonObject().put("map", new JsonObject().put("id", "id").put("value", "value").put("tags.n", "n").put("taken_at", "at")))), "json_lines"));
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    assertThat(done.getLong("records_out")).isEqualTo(1600);
    JsonObject first = new JsonObject(TohungaNode.result(alice, done).lines().findFirst().orElseThrow());
    assertThat(first.getLong("id")).isEqualTo(501);
    assertThat(first.getValue("value").toString()).isEqualTo("751.5");
    assertThat(first.getInteger("n")).isEqualTo(501);
    assertThat(first.getString("at")).startsWith("2026-01-01T08:21");
    JsonObject provenance = alice.http().get(BASE + "/jobs/" + done.getString("job_id") + "/provenance").json();
    assertThat(provenance.getJsonObject("source").getString("location")).endsWith("/" + PgConnectOptions.fromUri(url).getDatabase())
        .doesNotContain(PgConnectOptions.fromUri(url).getPassword());
  }

  @Test
  void theTransactionIsReadOnly() throws Exception {
    JsonObject done = run(alice, job(ownSource(10), new JsonObject().put("query", "DELETE FROM readings RETURNING id"), new JsonArray(), "json_lines"));
    assertThat(done.getJsonObject("error").getString("code")).isEqualTo("SOURCE_ERROR");
    assertThat(done.getJsonObject("error").getString("message")).contains("read-only");
    try (Connection db = TestDatabase.connect(url); Statement sql = db.createStatement(); var rows = sql.executeQuery("SELECT count(*) FROM readings")) {
      rows.next();
      assertThat(rows.getLong(1)).isEqualTo(2500);
    }
  }

  @Test
  void badCredentialsAQueryErrorAndAClosedPort() {
    // the tests' server trusts loopback connections, so a role it does not know stands for refused credentials
    JsonObject refused = run(alice, job(pgSource("nobody", "wrong-password", 10),
        new JsonObject().put("query", "SELECT 1"), new JsonArray(), "json_lines"));
    assertThat(refused.getJsonObject("error").getString("code")).isEqualTo("SOURCE_AUTH_FAILED");
    JsonObject test = alice.http().postJson(BASE + "/sources/" + pgSource("nobody", "x", 10) + "/test", new JsonObject()).json();
    assertThat(test.getJsonObject("error")).as(test.encode()).isNotNull();
    assertThat(test.getJsonObject("error").getString("code")).isEqualTo("SOURCE_AUTH_FAILED");

    JsonObject broken = run(alice, job(ownSource(10), new JsonObject().put("query", "SELECT * FROM no_such_table"), new JsonArray(), "json_lines"));
    assertThat(broken.getJsonObject("error").getString("code")).isEqualTo("SOURCE_ERROR");
    assertThat(broken.getJsonObject("error").getString("message")).contains("no_such_table").contains("42P01");

    String closed = source(alice, "postgresql", new JsonObject().put("connection_uri", "postgresql://u@127.0.0.1:1/db"));
    JsonObject unreachable = run(alice, job(closed, new JsonObject().put("query", "SELECT 1"), new JsonArray(), "json_lines"));
    assertThat(unreachable.getJsonObject("error").getString("code")).isEqualTo("SOURCE_UNREACHABLE");
    assertThat(alice.http().postJson(BASE + "/sources/" + ownSource(10) + "/test", new JsonObject()).json().getBoolean("ok")).isTrue();
  }

  @Test
  void theOutboundGuardAppliesToDatabasesToo() {
    try (TestNode guarded = TestNode.start(Map.of("verticles.deploy", "tohunga"))) {
      Accounts.Session owner = guarded.user("gus", "editor");
      PgConnectOptions options = PgConnectOptions.fromUri(url);
      String id = source(owner, "postgresql", new JsonObject().put("connection_uri", "postgresql://" + options.getUser() + "@127.0.0.1:"
          + options.getPort() + "/" + options.getDatabase()).put("password", options.getPassword()));
      JsonObject refused = run(owner, job(id, new JsonObject().put("query", "SELECT 1"), new JsonArray(), "json_lines"));
      assertThat(refused.getJsonObject("error").getString("code")).isEqualTo("SOURCE_UNREACHABLE");
      assertThat(refused.getJsonObject("error").getString("message")).contains("outbound.allow");
    }
  }
}
