package io.kos.hakim;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.KlfPeer;
import io.kos.node.testkit.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One hakim node watching, on loopback: a real node from its config, and fake nodes (keys of
 * their own, health documents the test sets) that users add; the diagnosis of each figure with
 * its hysteresis, every way a document can be wrong, what each caller sees, and every route with
 * its parameters, valid and not.
 */
class HakimTest {

  private static final String BASE = "/api/hakim/v1";
  private static final KlfPeer PEER = KlfPeer.create("allinone");
  private static Vertx vertx;
  private static TestNode watched;
  private static TestNode hakim;
  private static FakeNode fake;
  private static ApiContract contract;
  private static Accounts.Session admin;
  private static Accounts.Session alice;
  private static Accounts.Session bob;
  private static Accounts.Session viewer;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    watched = TestNode.start(Map.of("verticles.deploy", ""));
    fake = new FakeNode(vertx, "tohunga");
    hakim = TestNode.start(Map.of("verticles.deploy", "hakim", "outbound.allow", "127.0.0.0/8", "klf.peers",
        new JsonArray().add(new JsonObject().put("did", PEER.did()).put("role", "editor")).encode()), TestNode.configFile("""
        verticles:
          config:
            hakim:
              interval_ms: 200
              request_timeout_ms: 2000
              max_document_age_seconds: 60
              watch: ["%s"]
        """.formatted("http://127.0.0.1:" + watched.port())));
    contract = ApiContract.served(hakim, HakimModule.NAME);
    admin = hakim.admin();
    alice = hakim.user("alice", "editor");
    bob = hakim.user("bob", "editor");
    viewer = hakim.user("vic", "viewer");
  }

  @AfterAll
  static void stop() {
    hakim.close();
    watched.close();
    fake.close();
    vertx.close().await();
  }

  @Test
  void theOpenApiDocumentCoversEveryRouteAndCode() {
    contract.coversExactly(new HakimModule().routes());
    contract.listsErrorCodes(new HakimModule().errorCodes());
  }

  @Test
  void aNodeFromConfigIsPolledVerifiedAndReportedHealthy() {
    String did = watched.node().identity().did();
    // the admin sees every owner's watch of it (another test's peer watches it too): the node's own, from config
    admin.http().await(BASE + "/nodes/" + did, r -> r.status() == 200 && r.json().getString("status") != null, Duration.ofSeconds(30));
    JsonObject node = admin.http().get(BASE + "/nodes").json().getJsonArray("nodes").stream().map(JsonObject.class::cast)
        .filter(n -> n.getString("did").equals(did) && n.getString("source").equals("config")).findFirst().orElseThrow();
    assertThat(node.getString("owner_id")).isEqualTo(io.kos.verticle.Caller.nodeOwnerId(hakim.node().identity().did()).toString());
    assertThat(node.getString("endpoint")).isEqualTo("http://127.0.0.1:" + watched.port());
    Http.Response latest = admin.http().get(BASE + "/reports/latest?target=" + did);
    contract.conforms("reports.latest", latest, 200);
    JsonObject report = latest.json();
    assertMachineOnly(report);
    assertThat(report.getJsonObject("metrics").getDouble("memory_usage_mb")).isPositive();
    assertThat(report.getJsonArray("dependencies").getJsonObject(0).getString("name")).isEqualTo("database");
    Http.Response one = admin.http().get(BASE + "/reports/" + report.getString("report_id"));
    contract.conforms("reports.get", one, 200);
    assertThat(io.kos.verticle.IdentityDocuments.problem(one.json().getJsonObject("raw_report"))).isNull();
    Http.Response nodes = admin.http().get(BASE + "/nodes");
    contract.conforms("nodes.list", nodes, 200);
    assertThat(nodes.json().getJsonArray("nodes").stream().map(n -> ((JsonObject) n).getString("did"))).contains(did);

    // paging, and each filter
    admin.http().await(BASE + "/reports?target=" + did, r -> r.json().getJsonArray("reports").size() >= 3, Duration.ofSeconds(30));
    Http.Response first = admin.http().get(BASE + "/reports?target=" + did + "&limit=1");
    contract.conforms("reports.list", first, 200);
    String cursor = first.json().getString("next_cursor");
    assertThat(cursor).isNotNull();
    JsonObject second = admin.http().get(BASE + "/reports?target=" + did + "&limit=1&after=" + cursor).json().getJsonArray("reports").getJsonObject(0);
    assertThat(second.getString("report_id")).isNotEqualTo(first.json().getJsonArray("reports").getJsonObject(0).getString("report_id"));
    assertThat(Instant.parse(second.getString("timestamp"))).isBeforeOrEqualTo(Instant.parse(first.json().getJsonArray("reports")
        .getJsonObject(0).getString("timestamp")));
    long now = Instant.now().getEpochSecond();
    String seen = report.getString("status");
    assertThat(admin.http().get(BASE + "/reports?target=" + did + "&status=" + seen).json().getJsonArray("reports")).isNotEmpty();
    assertThat(admin.http().get(BASE + "/reports?target=" + did + "&status=Error").json().getJsonArray("reports")).isEmpty();
    assertThat(admin.http().get(BASE + "/reports?target=" + did + "&from=" + (now - 600) + "&to=" + (now + 60)).json()
        .getJsonArray("reports")).isNotEmpty();
    assertThat(admin.http().get(BASE + "/reports?target=" + did + "&from=" + (now + 60)).json().getJsonArray("reports")).isEmpty();
    assertThat(admin.http().get(BASE + "/reports?target=" + did + "&to=" + (now - 3600)).json().getJsonArray("reports")).isEmpty();
    // a user sees only the nodes it watches: the node's own config watch is not alice's
    assertThat(alice.http().get(BASE + "/reports/latest?target=" + did).status()).isEqualTo(404);
    assertThat(alice.http().get(BASE + "/reports?target=" + did).json().getJsonArray("reports")).isEmpty();
    assertThat(alice.http().get(BASE + "/nodes/" + did).status()).isEqualTo(404);
    assertThat(alice.http().get(BASE + "/reports/" + report.getString("report_id")).status()).isEqualTo(404);
  }

  @Test
  void eachFigureIsDiagnosedWithHysteresisAndEveryBadDocumentIsNamed() {
    Http.Response added = alice.http().postJson(BASE + "/nodes", new JsonObject().put("endpoint", fake.url() + "/"));
    assertThat(added.status()).as(added.toString()).isEqualTo(201);
    contract.conforms("nodes.create", added, 201);
    assertThat(added.json().getString("did")).isEqualTo(fake.did());
    assertThat(added.json().getString("endpoint")).isEqualTo(fake.url());
    assertThat(added.json().getString("source")).isEqualTo("api");
    assertThat(next(alice, Instant.now()).getString("status")).isEqualTo("Healthy");

    // 95 % raises HIGH_CPU_LOAD; 80 % (between clear 75 and high 90) keeps it; 70 % clears it
    fake.metric("cpu_usage_percent", 95);
    JsonObject high = next(alice, Instant.now());
    assertThat(high.getString("status")).isEqualTo("Warning");
    assertThat(code(high)).isEqualTo("HIGH_CPU_LOAD");
    fake.metric("cpu_usage_percent", 80);
    assertThat(code(next(alice, Instant.now()))).isEqualTo("HIGH_CPU_LOAD");
    fake.metric("cpu_usage_percent", 70);
    assertThat(code(next(alice, Instant.now()))).isEqualTo("NONE");
    // 80 % from below does not raise it
    fake.metric("cpu_usage_percent", 80);
    assertThat(code(next(alice, Instant.now()))).isEqualTo("NONE");
    fake.metric("cpu_usage_percent", 10);

    Object[][] figures = {
        {"memory_usage_percent", 95.0, "MEMORY_PRESSURE"},
        {"disk_usage_percent", 92.0, "DISK_NEARING_CAPACITY"},
    };
    for (Object[] figure : figures) {
      fake.metric((String) figure[0], (Double) figure[1]);
      assertThat(code(next(alice, Instant.now()))).as((String) figure[0]).isEqualTo(figure[2]);
      fake.metric((String) figure[0], 10);
      assertThat(code(next(alice, Instant.now()))).isEqualTo("NONE");
    }
    fake.errors(25);
    assertThat(code(next(alice, Instant.now()))).isEqualTo("ERROR_LOG_SPIKE");
    fake.errors(0);
    fake.dependencies(FakeNode.database("Unreachable"));
    JsonObject database = next(alice, Instant.now());
    assertThat(database.getString("status")).isEqualTo("Error");
    assertThat(code(database)).isEqualTo("DATABASE_UNAVAILABLE");
    fake.dependencies(FakeNode.database("Healthy").add(new JsonObject().put("name", "chain").put("chain_id", 31337).put("status", "Halted")
        .put("error", "reorg deeper than the checkpoint")));
    JsonObject halted = next(alice, Instant.now());
    assertThat(code(halted)).isEqualTo("CHAIN_HALTED");
    assertThat(halted.getString("status")).isEqualTo("Error");
    fake.dependencies(FakeNode.database("Healthy").add(new JsonObject().put("name", "cluster_member").put("dependency_did", "did:kos:ronin:"
        + "e".repeat(32)).put("status", "Unreachable")));
    JsonObject member = next(alice, Instant.now());
    assertThat(code(member)).isEqualTo("DEPENDENCY_UNREACHABLE");
    assertThat(member.getString("status")).isEqualTo("Warning");
    fake.dependencies(FakeNode.database("Healthy"));

    // what a forger, a replayer or a broken node serves
    fake.spoil(doc -> doc.put("metrics", new JsonObject().put("cpu_usage_percent", 1.0)));
    JsonObject tampered = next(alice, Instant.now());
    assertThat(tampered.getString("status")).isEqualTo("Unknown");
    assertThat(code(tampered)).isEqualTo("SIGNATURE_INVALID");
    assertThat(tampered.getValue("metrics")).isNull();
    fake.spoil(doc -> fake.health(Instant.now().minusSeconds(3600)));
    assertThat(code(next(alice, Instant.now()))).isEqualTo("STALE_DOCUMENT");
    KlfPeer other = KlfPeer.create("tohunga");
    fake.spoil(doc -> {
      JsonObject resigned = doc.copy();
      resigned.remove("signature");
      return other.identity().sign(resigned.put("nodeId", other.did()));
    });
    JsonObject foreign = next(alice, Instant.now());
    assertThat(code(foreign)).isEqualTo("SIGNATURE_INVALID");
    assertThat(foreign.getJsonObject("diagnosis").getString("recommendation")).contains("signed by " + other.did());
    fake.spoil(doc -> new JsonObject().put("not", "a document"));
    assertThat(code(next(alice, Instant.now()))).isEqualTo("SIGNATURE_INVALID");
    fake.spoil(java.util.function.UnaryOperator.identity()).status(503);
    JsonObject down = next(alice, Instant.now());
    assertThat(down.getString("status")).isEqualTo("Error");
    assertThat(code(down)).isEqualTo("NODE_UNREACHABLE");
    fake.status(200);
    assertThat(next(alice, Instant.now()).getString("status")).isEqualTo("Healthy");

    // bob does not see alice's node; the admin does
    assertThat(bob.http().get(BASE + "/reports/latest?target=" + fake.did()).status()).isEqualTo(404);
    assertThat(bob.http().get(BASE + "/nodes").json().getJsonArray("nodes")).isEmpty();
    assertThat(admin.http().get(BASE + "/reports/latest?target=" + fake.did()).status()).isEqualTo(200);
    Http.Response node = alice.http().get(BASE + "/nodes/" + fake.did());
    contract.conforms("nodes.get", node, 200);
    assertThat(node.json().getString("last_ok_at")).isNotNull();
  }

  @Test
  void aBandWithDwellsChangesOnlyOnceItsFigureStaysPastTheMark() throws Exception {
    FakeNode busy = new FakeNode(vertx, "tohunga");
    try (TestNode dwelling = TestNode.start(Map.of("verticles.deploy", "hakim", "outbound.allow", "127.0.0.0/8"), TestNode.configFile("""
        verticles:
          config:
            hakim:
              interval_ms: 200
              raise_after_seconds: 2
              clear_after_seconds: 2
              watch: ["%s"]
        """.formatted(busy.url())))) {
      Accounts.Session operator = dwelling.admin();
      busy.metric("cpu_usage_percent", 95);
      JsonObject first = after(operator, busy.did(), Instant.now(), report -> true);
      assertThat(code(first)).as("the first busy poll waits for the dwell").isEqualTo("NONE");
      try (var sql = dwelling.jdbc(); var statement = sql.createStatement();
           var row = statement.executeQuery("SELECT band_pending->>'HIGH_CPU_LOAD' FROM hakim.node_status WHERE did = '" + busy.did() + "'")) {
        assertThat(row.next()).isTrue();
        assertThat(row.getString(1)).as("since when the figure is past its mark, kept with the target").isNotNull();
      }
      JsonObject raised = after(operator, busy.did(), Instant.parse(first.getString("timestamp")),
          report -> "HIGH_CPU_LOAD".equals(code(report)));
      assertThat(Duration.between(Instant.parse(first.getString("timestamp")), Instant.parse(raised.getString("timestamp"))))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(2));

      busy.metric("cpu_usage_percent", 10);
      JsonObject calm = after(operator, busy.did(), Instant.now(), report -> true);
      assertThat(code(calm)).as("the first calm poll waits for the dwell too").isEqualTo("HIGH_CPU_LOAD");
      JsonObject cleared = after(operator, busy.did(), Instant.parse(calm.getString("timestamp")),
          report -> "NONE".equals(code(report)));
      assertThat(Duration.between(Instant.parse(calm.getString("timestamp")), Instant.parse(cleared.getString("timestamp"))))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    } finally {
      busy.close();
    }
  }

  @Test
  void everyBadParameterAndBodyIsRefusedNamingIt() {
    Object[][] bodies = {
        {new JsonObject(), 422, "endpoint"},
        {new JsonObject().put("endpoint", fake.url()).put("did", fake.did()), 422, "did"},
        {new JsonObject().put("endpoint", "ftp://127.0.0.1:1"), 422, "endpoint"},
        {new JsonObject().put("endpoint", "http://127.0.0.1:1/klf/v1/identity"), 422, "endpoint"},
        {new JsonObject().put("endpoint", "not a url"), 422, "endpoint"},
        {new JsonObject().put("endpoint", 5), 422, "endpoint"},
        {new JsonObject().put("did", "did:web:example.com"), 422, "did"},
        {new JsonObject().put("endpoint", fake.url()).put("extra", 1), 422, "extra"},
    };
    for (Object[] bad : bodies) {
      Http.Response response = alice.http().postJson(BASE + "/nodes", bad[0]);
      assertThat(response.status()).as(response.toString()).isEqualTo(bad[1]);
      assertThat(response.json().getString("field")).as(response.toString()).isEqualTo(bad[2]);
      contract.conforms("nodes.create", response, 422);
    }
    Http.Response closed = alice.http().postJson(BASE + "/nodes", new JsonObject().put("endpoint", "http://127.0.0.1:1"));
    assertThat(closed.json().getString("error")).as(closed.toString()).isEqualTo("identity_unavailable");
    Http.Response noRonin = alice.http().postJson(BASE + "/nodes", new JsonObject().put("did", "did:kos:tohunga:" + "a".repeat(32)));
    assertThat(noRonin.json().getString("error")).as(noRonin.toString()).isEqualTo("ronin_unavailable");
    assertThat(viewer.http().postJson(BASE + "/nodes", new JsonObject().put("endpoint", fake.url())).status()).isEqualTo(403);
    assertThat(viewer.http().delete(BASE + "/nodes/" + fake.did()).status()).isEqualTo(403);
    assertThat(alice.http().delete(BASE + "/nodes/did:kos:hakim:" + "0".repeat(32)).status()).isEqualTo(404);
    assertThat(alice.http().get(BASE + "/reports/not-a-uuid").status()).isEqualTo(404);
    assertThat(alice.http().get(BASE + "/reports/" + java.util.UUID.randomUUID()).status()).isEqualTo(404);

    String target = "&target=" + fake.did();
    String[][] queries = {
        {"/reports?status=Fine", "status"}, {"/reports?from=x", "from"}, {"/reports?from=20&to=10", "from"}, {"/reports?limit=0", "limit"},
        {"/reports?limit=501", "limit"}, {"/reports?after=garbage", "after"}, {"/reports/latest", "target"},
        {"/reports/trends?metric=cpu_usage_percent", "target"}, {"/reports/trends?x=1" + target, "metric"},
        {"/reports/trends?metric=CPU%20load" + target, "metric"}, {"/reports/trends?metric=cpu_usage_percent&bucket=2m" + target, "bucket"},
        {"/reports/trends?metric=cpu_usage_percent&bucket=5m&from=0&to=100000000" + target, "bucket"},
        {"/reports/trends?metric=cpu_usage_percent&from=200&to=100" + target, "from"}, {"/nodes?limit=0", "limit"},
    };
    for (String[] bad : queries) {
      Http.Response response = alice.http().get(BASE + bad[0]);
      assertThat(response.status()).as(bad[0] + " " + response).isEqualTo(400);
      assertThat(response.json().getString("parameter")).as(bad[0]).isEqualTo(bad[1]);
    }
    contract.conforms("reports.list", alice.http().get(BASE + "/reports?limit=0"), 400);
    contract.conforms("reports.trends", alice.http().get(BASE + "/reports/trends?metric=cpu_usage_percent&bucket=2m" + target), 400);
  }

  @Test
  void aMonthOfReportsGivesItsTrendsFromTheRollup() throws Exception {
    String target = "did:kos:tohunga:" + "f".repeat(32);
    Instant end = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS);
    Instant start = end.minus(Duration.ofDays(30));
    try (var sql = hakim.jdbc(); var statement = sql.createStatement()) {
      statement.execute("SELECT hakim.ensure_report_partitions('" + start + "', '" + end + "')");
      // every five minutes for 30 days: cpu is the hour of the day, so each day spans 0 to 23
      statement.execute("INSERT INTO hakim.health_reports (target_node_did, endpoint, timestamp, status, metrics, raw_report) "
          + "SELECT '" + target + "', 'http://127.0.0.1:1', t, 'Healthy', jsonb_build_object('cpu_usage_percent', "
          + "extract(hour FROM t AT TIME ZONE 'UTC')::int, 'note', 'not a number'), '{}' "
          + "FROM generate_series(timestamptz '" + start + "', timestamptz '" + end + "' - interval '5 minutes', interval '5 minutes') t");
    }
    String range = "&from=" + start.getEpochSecond() + "&to=" + end.getEpochSecond();
    Http.Response daily = admin.http().get(BASE + "/reports/trends?target=" + target + "&metric=cpu_usage_percent&bucket=1d" + range);
    contract.conforms("reports.trends", daily, 200);
    JsonArray days = daily.json().getJsonArray("points");
    assertThat(days).hasSize(30);
    for (Object day : days) {
      assertThat((JsonObject) day).isEqualTo(((JsonObject) day).copy().put("samples", 288).put("min", 0.0).put("avg", 11.5).put("max", 23.0));
    }
    assertThat(days.getJsonObject(0).getString("at")).isEqualTo(start.atOffset(java.time.ZoneOffset.UTC).toString());
    JsonArray hours = admin.http().get(BASE + "/reports/trends?target=" + target + "&metric=cpu_usage_percent" + range).json().getJsonArray("points");
    assertThat(hours).hasSize(720);
    assertThat(hours.getJsonObject(13)).isEqualTo(hours.getJsonObject(13).copy().put("samples", 12).put("min", 13.0).put("max", 13.0));
    JsonArray fiveMinutes = admin.http().get(BASE + "/reports/trends?target=" + target + "&metric=cpu_usage_percent&bucket=5m" + range)
        .json().getJsonArray("points");
    assertThat(fiveMinutes).hasSize(8640);
    // a field that is not a number has no trend; a caller that does not watch the target sees none
    assertThat(admin.http().get(BASE + "/reports/trends?target=" + target + "&metric=note" + range).json().getJsonArray("points")).isEmpty();
    assertThat(alice.http().get(BASE + "/reports/trends?target=" + target + "&metric=cpu_usage_percent" + range).json()
        .getJsonArray("points")).isEmpty();
  }

  @Test
  void retentionDropsWholeOldMonthsAndTheirRollup() throws Exception {
    String target = "did:kos:hakim:" + "d".repeat(32);
    try (var sql = hakim.jdbc(); var statement = sql.createStatement()) {
      // made as hakim's own role makes its partitions, so that hakim may drop it
      var owner = statement.executeQuery("SELECT tableowner FROM pg_tables WHERE schemaname = 'hakim' AND tablename = 'health_rollup'");
      owner.next();
      statement.execute("SET ROLE " + owner.getString(1) + "; SET search_path TO hakim; "
          + "SELECT ensure_report_partitions(now() - interval '400 days', now() - interval '400 days')");
      statement.execute("INSERT INTO hakim.health_reports (target_node_did, endpoint, timestamp, status, metrics, raw_report) VALUES ('"
          + target + "', 'http://127.0.0.1:1', now() - interval '400 days', 'Healthy', '{\"cpu_usage_percent\": 5}', '{}')");
    }
    // what the maintenance task drop_expired_partitions asks of hakim on this node (retention_days 90 by default)
    JsonObject answer = hakim.node().vertx().eventBus().<JsonObject>request(io.kos.verticle.Addresses.retention(HakimModule.NAME), null)
        .await().body();
    assertThat(answer.getJsonArray("dropped")).hasSize(1).allMatch(name -> ((String) name).startsWith("health_reports_"));
    try (var sql = hakim.jdbc(); var statement = sql.createStatement()) {
      var left = statement.executeQuery("SELECT (SELECT count(*) FROM hakim.health_reports WHERE target_node_did = '" + target + "'), "
          + "(SELECT count(*) FROM hakim.health_rollup WHERE target_node_did = '" + target + "'), (SELECT count(*) FROM hakim.health_reports)");
      left.next();
      assertThat(left.getLong(1)).isZero();
      assertThat(left.getLong(2)).isZero();
      assertThat(left.getLong(3)).isPositive();
    }
    assertThat(hakim.node().vertx().eventBus().<JsonObject>request(io.kos.verticle.Addresses.retention(HakimModule.NAME), null).await().body()
        .getJsonArray("dropped")).isEmpty();
  }

  @Test
  void anotherNodeWatchesAndAsksForAReportOverKlf() {
    String hakimDid = hakim.node().identity().did();
    String did = watched.node().identity().did();
    JsonObject notWatched = KlfPeer.send(hakim.http(), PEER.call(hakimDid, io.kos.node.klf.KlfMessage.DATA_QUERY, "get_health_report",
        new JsonObject().put("target_node_did", did))).json().getJsonObject("payload");
    assertThat(notWatched.getString("status")).isEqualTo("error");
    assertThat(notWatched.getJsonObject("error").getString("code")).isEqualTo("DIAGNOSTIC_FAILED");
    assertThat(notWatched.getJsonObject("error").getString("reason")).isEqualTo("NOT_WATCHED");
    JsonObject watching = KlfPeer.send(hakim.http(), PEER.call(hakimDid, io.kos.node.klf.KlfMessage.CONTROL_COMMAND, "watch_node",
        new JsonObject().put("endpoint", "http://127.0.0.1:" + watched.port()))).json().getJsonObject("payload");
    assertThat(watching.getJsonObject("result").getString("did")).as(watching.encode()).isEqualTo(did);
    Instant asked = Instant.now();
    JsonObject report = KlfPeer.send(hakim.http(), PEER.call(hakimDid, io.kos.node.klf.KlfMessage.DATA_QUERY, "get_health_report",
        new JsonObject().put("target_node_did", did))).json().getJsonObject("payload").getJsonObject("result");
    assertThat(report.getString("target_node_did")).isEqualTo(did);
    assertMachineOnly(report);
    // polled for the question, not an old report
    assertThat(Instant.parse(report.getString("timestamp"))).isAfterOrEqualTo(asked.minusMillis(5));
    JsonObject listed = KlfPeer.send(hakim.http(), PEER.call(hakimDid, io.kos.node.klf.KlfMessage.DATA_QUERY, "list_watched_nodes",
        new JsonObject())).json().getJsonObject("payload").getJsonObject("result");
    assertThat(listed.getJsonArray("nodes").stream().map(n -> ((JsonObject) n).getString("did"))).containsExactly(did);
  }

  /**
   * A real node's report: verified and fresh, its database up. The machine's own figures (this
   * 2-core machine under a full build is often above 90 % CPU) may raise their codes, nothing else.
   */
  private static void assertMachineOnly(JsonObject report) {
    assertThat(report.getString("status")).as(report.encode()).isIn("Healthy", "Warning");
    assertThat(report.getJsonObject("diagnosis").getJsonArray("findings").stream().map(f -> ((JsonObject) f).getString("code")))
        .as(report.encode()).allMatch(Diagnosis::isBanded);
  }

  private static String code(JsonObject report) {
    return report.getJsonObject("diagnosis").getString("code");
  }

  /** The fake node's first report whose poll began after {@code since} (so it read what the test set before). */
  private static JsonObject next(Accounts.Session who, Instant since) {
    return after(who, fake.did(), since, report -> true);
  }

  /** The first latest report of {@code target} (on the session's node) whose poll began after {@code since} and that matches. */
  private static JsonObject after(Accounts.Session who, String target, Instant since, java.util.function.Predicate<JsonObject> matching) {
    return who.http().await(BASE + "/reports/latest?target=" + target, r -> r.status() == 200
        && Instant.parse(r.json().getString("timestamp")).isAfter(since) && matching.test(r.json()), Duration.ofSeconds(20)).json();
  }
}
