package io.kos.hakim;

import io.kos.node.klf.KlfMessage;
import io.kos.node.maintenance.MaintenanceModule;
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

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Maintenance with the target owner's consent, between a hakim node and a target node: the request
 * pending on both sides, the target's admin approving there (not an editor), the task really run
 * on the target (a verticle restarted), the reject path, expiry, and forgeries — an approval from
 * another DID, a run from another DID, a run of other parameters, a run never approved — refused
 * with nothing run.
 */
class MaintenanceTest {

  private static final String HAKIM = "/api/hakim/v1";
  private static final String NODE = "/api/node/v1";
  private static final KlfPeer STRANGER = KlfPeer.create("hakim");
  private static TestNode target;
  private static TestNode hakim;
  /** A third node that asks the Hakim for maintenance over KLF and hears each step of its job. */
  private static TestNode requester;
  private static final List<JsonObject> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
  private static ApiContract contract;
  private static ApiContract nodeContract;
  private static Accounts.Session alice;
  private static Accounts.Session targetAdmin;
  private static Accounts.Session targetEditor;

  @BeforeAll
  static void start() {
    target = TestNode.start(Map.of("verticles.deploy", "probe,ingest", "outbound.allow", "127.0.0.0/8", "klf.peers",
        new JsonArray().add(new JsonObject().put("did", STRANGER.did()).put("role", "admin")).encode()));
    requester = TestNode.start(Map.of("verticles.deploy", "probe"));
    requester.node().vertx().eventBus().<JsonObject>consumer(io.kos.node.klf.KlfService.INBOUND_ADDRESS, message -> heard.add(message.body()));
    int port = NodeProcess.freePort();
    hakim = TestNode.start(Map.of("verticles.deploy", "hakim", "outbound.allow", "127.0.0.0/8", "http.port", Integer.toString(port),
        "klf.peers", new JsonArray().add(new JsonObject().put("did", target.node().identity().did()).put("role", "viewer"))
            .add(new JsonObject().put("did", STRANGER.did()).put("role", "admin"))
            .add(new JsonObject().put("did", requester.node().identity().did()).put("role", "editor")).encode()), TestNode.configFile("""
        verticles:
          config:
            hakim:
              public_url: "http://127.0.0.1:%d"
        """.formatted(port)));
    targetAdmin = target.admin();
    // the target trusts the hakim node as a peer: it may ask, never decide
    assertThat(targetAdmin.http().postJson("/api/auth/v1/peers", new JsonObject().put("did", hakim.node().identity().did())
        .put("role", "viewer")).status()).isIn(200, 201);
    // the requester takes the Hakim's messages about its jobs
    assertThat(requester.admin().http().postJson("/api/auth/v1/peers", new JsonObject().put("did", hakim.node().identity().did())
        .put("role", "viewer")).status()).isIn(200, 201);
    targetEditor = target.user("eddie", "editor");
    contract = ApiContract.served(hakim, HakimModule.NAME);
    nodeContract = ApiContract.served(target, MaintenanceModule.NAME);
    alice = hakim.user("alice", "editor");
    assertThat(alice.http().postJson(HAKIM + "/nodes", new JsonObject().put("endpoint", "http://127.0.0.1:" + target.port())).status())
        .isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    hakim.close();
    target.close();
    requester.close();
  }

  @Test
  void theNodesMaintenanceDocumentCoversItsRoutesAndCodes() {
    nodeContract.coversExactly(new MaintenanceModule().routes());
    nodeContract.listsErrorCodes(MaintenanceModule.ERRORS);
  }

  @Test
  void anApprovedRestartRunsOnTheTargetAndIsCompletedOnBothSides() {
    JsonObject job = ask("restart_verticle", new JsonObject().put("name", "probe"));
    String id = job.getString("job_id");
    assertThat(job.getString("status")).isEqualTo("PendingApproval");
    Http.Response read = targetAdmin.http().get(NODE + "/maintenance/" + id);
    nodeContract.conforms("maintenance.get", read, 200);
    JsonObject pending = read.json();
    assertThat(pending.getString("status")).isEqualTo("PendingApproval");
    assertThat(pending.getString("hakim_did")).isEqualTo(hakim.node().identity().did());
    Http.Response listed = targetAdmin.http().get(NODE + "/maintenance?status=PendingApproval");
    nodeContract.conforms("maintenance.list", listed, 200);
    assertThat(listed.json().getJsonArray("requests").stream().map(r -> ((JsonObject) r).getString("job_id"))).contains(id);
    // only the target's admin decides
    nodeContract.conforms("maintenance.approve", targetEditor.http().postJson(NODE + "/maintenance/" + id + "/approve", new JsonObject()), 403);
    nodeContract.conforms("maintenance.reject", targetEditor.http().postJson(NODE + "/maintenance/" + id + "/reject", new JsonObject()), 403);
    nodeContract.conforms("maintenance.list", targetEditor.http().get(NODE + "/maintenance"), 403);
    nodeContract.conforms("maintenance.get", targetEditor.http().get(NODE + "/maintenance/" + id), 403);
    nodeContract.conforms("maintenance.list", target.http().get(NODE + "/maintenance"), 401);

    Http.Response approved = targetAdmin.http().postJson(NODE + "/maintenance/" + id + "/approve", new JsonObject());
    nodeContract.conforms("maintenance.approve", approved, 200);
    assertThat(approved.json().getBoolean("hakim_notified")).as(approved.toString()).isTrue();
    JsonObject done = alice.http().await(HAKIM + "/maintenance/" + id, r -> List.of("Completed", "Failed").contains(r.json().getString("status")),
        Duration.ofSeconds(30)).json();
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("Completed");
    JsonObject result = done.getJsonObject("result");
    assertThat(result.getString("verticle")).isEqualTo("probe");
    assertThat(result.getJsonArray("deployed")).isNotEmpty().doesNotContainAnyElementsOf(result.getJsonArray("undeployed"));
    assertThat(statuses(done)).containsExactly("PendingApproval", "Approved", "Running", "Completed");
    JsonObject onTarget = targetAdmin.http().get(NODE + "/maintenance/" + id).json();
    assertThat(statuses(onTarget)).containsExactly("PendingApproval", "Approved", "Running", "Completed");
    // the probe verticle answers again after its restart
    assertThat(targetAdmin.http().get("/api/probe/v1/ping").status()).isEqualTo(200);
    contract.conforms("maintenance.get", alice.http().get(HAKIM + "/maintenance/" + id), 200);
  }

  @Test
  void aNodeThatAsksOverKlfHearsEachStepOfItsJobUntilItEnds() {
    KlfPeer asRequester = KlfPeer.of(requester.node().identity());
    String hakimDid = hakim.node().identity().did();
    String targetUrl = "http://127.0.0.1:" + target.port();
    JsonObject replyTo = new JsonObject().put("reply_to", "http://127.0.0.1:" + requester.port() + "/klf/v1/message");
    JsonObject watched = KlfPeer.send(hakim.http(), asRequester.call(hakimDid, KlfMessage.CONTROL_COMMAND, "watch_node",
        new JsonObject().put("endpoint", targetUrl))).json().getJsonObject("payload");
    assertThat(watched.getString("status")).as(watched.encode()).isEqualTo("ok");
    List<String> jobs = new java.util.ArrayList<>();
    for (String decision : List.of("approve", "reject")) {
      JsonObject accepted = KlfPeer.send(hakim.http(), asRequester.call(hakimDid, KlfMessage.TASK_REQUEST, "request_maintenance",
          new JsonObject().put("target_node_did", target.node().identity().did()).put("maintenance_task", "vacuum_analyze")
              .put("task_params", new JsonObject().put("schema", "probe")), replyTo)).json();
      assertThat(accepted.getJsonObject("payload").getString("status")).as(accepted.encode()).isEqualTo("pending");
      // the task's own answer: the job, PendingApproval
      JsonObject answer = awaitHeard(m -> m.getString("type").equals(KlfMessage.TASK_RESPONSE)
          && accepted.getJsonObject("payload").getString("job_id").equals(m.getJsonObject("payload").getString("job_id")));
      JsonObject result = answer.getJsonObject("payload").getJsonObject("result");
      assertThat(result.getString("job_status")).isEqualTo("PendingApproval");
      String id = result.getString("job_id");
      jobs.add(id);
      assertThat(targetAdmin.http().get(NODE + "/maintenance/" + id).json().getString("status")).isEqualTo("PendingApproval");
      assertThat(targetAdmin.http().postJson(NODE + "/maintenance/" + id + "/" + decision, new JsonObject()).status()).isEqualTo(200);
      awaitHeard(m -> m.getString("type").equals(KlfMessage.TASK_RESPONSE) && id.equals(m.getJsonObject("payload").getString("job_id")));
    }
    // approved: each step, in order, signed by the Hakim and addressed to the requester; then the result
    List<JsonObject> approved = heardOf(jobs.get(0));
    assertThat(approved.stream().map(m -> m.getJsonObject("payload").getString("job_status"))).containsExactly("Approved", "Running", "Completed");
    assertThat(approved.stream().map(m -> m.getString("type"))).containsExactly(KlfMessage.TASK_PROGRESS, KlfMessage.TASK_PROGRESS,
        KlfMessage.TASK_RESPONSE);
    assertThat(approved).allSatisfy(m -> {
      assertThat(m.getString("from")).isEqualTo(hakimDid);
      assertThat(m.getString("to")).isEqualTo(requester.node().identity().did());
      assertThat(m.getJsonObject("payload").getString("task_name")).isEqualTo("request_maintenance");
    });
    assertThat(approved.get(0).getJsonObject("payload").getInteger("progress")).isLessThan(approved.get(1).getJsonObject("payload").getInteger("progress"));
    JsonObject completed = approved.get(2).getJsonObject("payload");
    assertThat(completed.getString("status")).isEqualTo("completed");
    assertThat(completed.getJsonObject("result").getJsonObject("result").getString("schema")).isEqualTo("probe");
    // rejected: the end only, failed with the job's status as its code
    List<JsonObject> rejected = heardOf(jobs.get(1));
    assertThat(rejected).hasSize(1);
    assertThat(rejected.get(0).getJsonObject("payload").getString("status")).isEqualTo("failed");
    assertThat(rejected.get(0).getJsonObject("payload").getJsonObject("error").getString("code")).isEqualTo("Rejected");
    // the record, over KLF
    JsonObject record = KlfPeer.send(hakim.http(), asRequester.call(hakimDid, KlfMessage.DATA_QUERY, "get_maintenance_job",
        new JsonObject().put("job_id", jobs.get(0)))).json().getJsonObject("payload").getJsonObject("result");
    assertThat(record.getString("status")).isEqualTo("Completed");
    assertThat(record.getString("reply_to")).isEqualTo(replyTo.getString("reply_to"));
    assertThat(record.getString("requester_did")).isEqualTo(requester.node().identity().did());
  }

  @Test
  void aJobLeftUndecidedPastItsExpiryIsExpiredAndItsRequesterHearsIt() {
    // a Hakim of its own, whose jobs expire after 2 s (the sweep then runs every second)
    int port = NodeProcess.freePort();
    try (TestNode hasty = TestNode.start(Map.of("verticles.deploy", "hakim", "outbound.allow", "127.0.0.0/8", "http.port", Integer.toString(port),
        "klf.peers", new JsonArray().add(new JsonObject().put("did", target.node().identity().did()).put("role", "viewer"))
            .add(new JsonObject().put("did", requester.node().identity().did()).put("role", "editor")).encode()), TestNode.configFile("""
        verticles:
          config:
            hakim:
              public_url: "http://127.0.0.1:%d"
              maintenance_expiry_seconds: 2
        """.formatted(port)))) {
      String hastyDid = hasty.node().identity().did();
      for (TestNode trusting : List.of(target, requester)) {
        assertThat(trusting.admin().http().postJson("/api/auth/v1/peers", new JsonObject().put("did", hastyDid).put("role", "viewer")).status())
            .isIn(200, 201);
      }
      KlfPeer asRequester = KlfPeer.of(requester.node().identity());
      JsonObject watched = KlfPeer.send(hasty.http(), asRequester.call(hastyDid, KlfMessage.CONTROL_COMMAND, "watch_node",
          new JsonObject().put("endpoint", "http://127.0.0.1:" + target.port()))).json().getJsonObject("payload");
      assertThat(watched.getString("status")).as(watched.encode()).isEqualTo("ok");
      JsonObject accepted = KlfPeer.send(hasty.http(), asRequester.call(hastyDid, KlfMessage.TASK_REQUEST, "request_maintenance",
          new JsonObject().put("target_node_did", target.node().identity().did()).put("maintenance_task", "vacuum_analyze")
              .put("task_params", new JsonObject().put("schema", "probe")),
          new JsonObject().put("reply_to", "http://127.0.0.1:" + requester.port() + "/klf/v1/message"))).json();
      String task = accepted.getJsonObject("payload").getString("job_id");
      String id = awaitHeard(m -> m.getString("type").equals(KlfMessage.TASK_RESPONSE) && task.equals(m.getJsonObject("payload").getString("job_id")))
          .getJsonObject("payload").getJsonObject("result").getString("job_id");
      // nobody decides: the end the requester hears is the expiry
      JsonObject end = awaitHeard(m -> id.equals(m.getJsonObject("payload").getString("job_id"))
          && "failed".equals(m.getJsonObject("payload").getString("status"))).getJsonObject("payload");
      assertThat(end.getJsonObject("error").getString("code")).as(end.encode()).isEqualTo("Expired");
      assertThat(heardOf(id)).as("no step but the end").hasSize(1);
      JsonObject record = KlfPeer.send(hasty.http(), asRequester.call(hastyDid, KlfMessage.DATA_QUERY, "get_maintenance_job",
          new JsonObject().put("job_id", id))).json().getJsonObject("payload").getJsonObject("result");
      assertThat(statuses(record)).containsExactly("PendingApproval", "Expired");
      assertThat(record.getString("completed_at")).isNotNull();
      // the target's admin approves too late for that Hakim: the decision is recorded, the Hakim says it is not pending, nothing runs
      Http.Response late = targetAdmin.http().postJson(NODE + "/maintenance/" + id + "/approve", new JsonObject());
      assertThat(late.status()).as(late.toString()).isEqualTo(200);
      assertThat(late.json().getBoolean("hakim_notified")).isFalse();
      assertThat(late.json().getString("hakim_answer")).as(late.toString()).contains("job_not_pending");
      assertThat(late.json().getString("hakim_notified_at")).as("settled: not sent again").isNotNull();
      NodeProcess.sleep(500);
      assertThat(targetAdmin.http().get(NODE + "/maintenance/" + id).json().getString("status")).isEqualTo("Approved");
      assertThat(statuses(KlfPeer.send(hasty.http(), asRequester.call(hastyDid, KlfMessage.DATA_QUERY, "get_maintenance_job",
          new JsonObject().put("job_id", id))).json().getJsonObject("payload").getJsonObject("result"))).containsExactly("PendingApproval", "Expired");
    }
  }

  private static List<JsonObject> heardOf(String jobId) {
    return heard.stream().filter(m -> jobId.equals(m.getJsonObject("payload").getString("job_id"))).toList();
  }

  private static JsonObject awaitHeard(java.util.function.Predicate<JsonObject> wanted) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      for (JsonObject message : heard) {
        if (wanted.test(message)) {
          return message;
        }
      }
      NodeProcess.sleep(50);
    }
    throw new AssertionError("not heard; heard " + heard);
  }

  @Test
  void reloadPeersAndVacuumAnalyzeRunWhenApproved() {
    for (Object[] task : new Object[][] {{"reload_peers", new JsonObject(), "cached_lookups_dropped"},
        {"vacuum_analyze", new JsonObject().put("schema", "node"), "tables"}}) {
      String id = ask((String) task[0], (JsonObject) task[1]).getString("job_id");
      assertThat(targetAdmin.http().postJson(NODE + "/maintenance/" + id + "/approve", new JsonObject()).status()).isEqualTo(200);
      JsonObject done = alice.http().await(HAKIM + "/maintenance/" + id, r -> List.of("Completed", "Failed").contains(r.json().getString("status")),
          Duration.ofSeconds(30)).json();
      assertThat(done.getString("status")).as(done.encode()).isEqualTo("Completed");
      assertThat(done.getJsonObject("result").containsKey((String) task[2])).as(done.encode()).isTrue();
    }
    Http.Response refused = alice.http().postJson(HAKIM + "/maintenance", new JsonObject().put("target_node_did", target.node().identity().did())
        .put("maintenance_task", "reload_peers").put("task_params", new JsonObject().put("all", true)));
    assertThat(refused.json().getString("error")).isEqualTo("maintenance_refused");
  }

  @Test
  void dropExpiredPartitionsDropsWhatEachVerticlesRetentionSaysHasExpired() throws Exception {
    // a partition of January 2000 (ingest keeps 365 days), made as ingest's own role makes them
    String old;
    try (var sql = target.jdbc(); var statement = sql.createStatement()) {
      var owner = statement.executeQuery("SELECT tableowner FROM pg_tables WHERE schemaname = 'ingest' AND tablename = 'events'");
      owner.next();
      statement.execute("SET ROLE " + owner.getString(1) + "; SET search_path TO ingest; SELECT ensure_event_partitions(946684800, 946684800)");
      var made = statement.executeQuery("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
          + "JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = 'ingest' "
          + "AND p.relname = 'events' ORDER BY c.relname LIMIT 1");
      made.next();
      old = made.getString(1);
    }
    String id = ask("drop_expired_partitions", new JsonObject()).getString("job_id");
    assertThat(targetAdmin.http().postJson(NODE + "/maintenance/" + id + "/approve", new JsonObject()).status()).isEqualTo(200);
    JsonObject done = alice.http().await(HAKIM + "/maintenance/" + id, r -> List.of("Completed", "Failed").contains(r.json().getString("status")),
        Duration.ofSeconds(30)).json();
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("Completed");
    JsonObject dropped = done.getJsonObject("result").getJsonObject("dropped");
    // the probe keeps nothing by retention, so it is not in the answer
    assertThat(dropped.fieldNames()).containsExactly("ingest");
    assertThat(dropped.getJsonArray("ingest")).contains(old);
    try (var sql = target.jdbc(); var statement = sql.createStatement()) {
      var left = statement.executeQuery("SELECT count(*) FROM pg_tables WHERE schemaname = 'ingest' AND tablename = '" + old + "'");
      left.next();
      assertThat(left.getInt(1)).isZero();
    }
    Http.Response refused = alice.http().postJson(HAKIM + "/maintenance", new JsonObject().put("target_node_did", target.node().identity().did())
        .put("maintenance_task", "drop_expired_partitions").put("task_params", new JsonObject().put("verticle", "ingest")));
    assertThat(refused.json().getString("error")).isEqualTo("maintenance_refused");
  }

  @Test
  void aRejectionIsFinalOnBothSides() {
    String id = ask("vacuum_analyze", new JsonObject().put("schema", "probe")).getString("job_id");
    Http.Response rejected = targetAdmin.http().postJson(NODE + "/maintenance/" + id + "/reject", new JsonObject());
    nodeContract.conforms("maintenance.reject", rejected, 200);
    assertThat(rejected.json().getString("status")).isEqualTo("Rejected");
    assertThat(alice.http().await(HAKIM + "/maintenance/" + id, r -> "Rejected".equals(r.json().getString("status")), Duration.ofSeconds(10))
        .json().getString("completed_at")).isNotNull();
    Http.Response late = targetAdmin.http().postJson(NODE + "/maintenance/" + id + "/approve", new JsonObject());
    nodeContract.conforms("maintenance.approve", late, 409);
    assertThat(late.json().getString("error")).isEqualTo("maintenance_decided");
    nodeContract.conforms("maintenance.reject", targetAdmin.http().postJson(NODE + "/maintenance/" + id + "/reject", new JsonObject()), 409);
  }

  @Test
  void aRequestNotDecidedInTimeExpires() throws Exception {
    String id = ask("vacuum_analyze", new JsonObject().put("schema", "node")).getString("job_id");
    try (var sql = target.jdbc(); var statement = sql.createStatement()) {
      statement.execute("UPDATE node.maintenance_requests SET expires_at = now() - interval '1 second' WHERE job_id = '" + id + "'");
    }
    Http.Response late = targetAdmin.http().postJson(NODE + "/maintenance/" + id + "/approve", new JsonObject());
    assertThat(late.status()).isEqualTo(409);
    JsonObject expired = targetAdmin.http().get(NODE + "/maintenance/" + id).json();
    assertThat(expired.getString("status")).isEqualTo("Expired");
    assertThat(statuses(expired)).containsExactly("PendingApproval", "Expired");
  }

  @Test
  void forgedApprovalsAndRunsGetNothingDone() {
    String hakimDid = hakim.node().identity().did();
    String targetDid = target.node().identity().did();
    String id = ask("restart_verticle", new JsonObject().put("name", "probe")).getString("job_id");
    // an approval signed by another DID than the target's
    JsonObject forged = KlfPeer.send(hakim.http(), STRANGER.call(hakimDid, KlfMessage.CONTROL_COMMAND, "approve_maintenance_job",
        new JsonObject().put("job_id", id))).json().getJsonObject("payload");
    assertThat(forged.getJsonObject("error").getString("code")).isEqualTo("not_the_target");
    assertThat(alice.http().get(HAKIM + "/maintenance/" + id).json().getString("status")).isEqualTo("PendingApproval");
    // a run of a request the target's admin never approved, by anyone
    JsonObject params = new JsonObject().put("job_id", id).put("maintenance_task", "restart_verticle").put("task_params",
        new JsonObject().put("name", "probe"));
    for (KlfPeer sender : List.of(STRANGER, KlfPeer.of(hakim.node().identity()))) {
      JsonObject refused = KlfPeer.send(target.http(), sender.call(targetDid, KlfMessage.TASK_REQUEST, "run_maintenance", params)).json();
      JsonObject status = sender.awaitTask(target.http(), targetDid, refused);
      assertThat(status.getString("status")).as(status.encode()).isEqualTo("failed");
      assertThat(status.getJsonObject("error").getString("code")).isEqualTo("maintenance_not_approved");
    }
    assertThat(targetAdmin.http().get(NODE + "/maintenance/" + id).json().getString("status")).isEqualTo("PendingApproval");

    // a request the target approved, signed as the hakim node but never recorded by its Hakim: approved, not yet run
    KlfPeer asHakim = KlfPeer.of(hakim.node().identity());
    String direct = UUID.randomUUID().toString();
    JsonObject requested = KlfPeer.send(target.http(), asHakim.call(targetDid, KlfMessage.CONTROL_COMMAND, "maintenance_requested",
        new JsonObject().put("job_id", direct).put("maintenance_task", "vacuum_analyze").put("task_params", new JsonObject().put("schema", "probe"))))
        .json().getJsonObject("payload");
    assertThat(requested.getString("status")).as(requested.encode()).isEqualTo("ok");
    Http.Response approved = targetAdmin.http().postJson(NODE + "/maintenance/" + direct + "/approve", new JsonObject());
    assertThat(approved.json().getString("status")).isEqualTo("Approved");
    // other parameters than the approved ones, and the approved ones from another DID: refused
    JsonObject other = new JsonObject().put("job_id", direct).put("maintenance_task", "vacuum_analyze").put("task_params",
        new JsonObject().put("schema", "node"));
    JsonObject otherTask = new JsonObject().put("job_id", direct).put("maintenance_task", "restart_verticle").put("task_params",
        new JsonObject().put("name", "probe"));
    JsonObject right = new JsonObject().put("job_id", direct).put("maintenance_task", "vacuum_analyze").put("task_params",
        new JsonObject().put("schema", "probe"));
    for (Object[] attempt : new Object[][] {{asHakim, other}, {asHakim, otherTask}, {STRANGER, right}}) {
      KlfPeer sender = (KlfPeer) attempt[0];
      JsonObject status = sender.awaitTask(target.http(), targetDid, KlfPeer.send(target.http(), sender.call(targetDid, KlfMessage.TASK_REQUEST, "run_maintenance",
          (JsonObject) attempt[1])).json());
      assertThat(status.getJsonObject("error").getString("code")).as(attempt[1].toString()).isEqualTo("maintenance_not_approved");
    }
    assertThat(targetAdmin.http().get(NODE + "/maintenance/" + direct).json().getString("status")).isEqualTo("Approved");
    // exactly what was approved, from the Hakim that asked: it runs
    JsonObject ran = asHakim.awaitTask(target.http(), targetDid, KlfPeer.send(target.http(), asHakim.call(targetDid, KlfMessage.TASK_REQUEST, "run_maintenance", right)).json());
    assertThat(ran.getString("status")).as(ran.encode()).isEqualTo("completed");
    assertThat(ran.getJsonObject("result").getJsonArray("status_history")).isNotEmpty();
    assertThat(targetAdmin.http().get(NODE + "/maintenance/" + direct).json().getString("status")).isEqualTo("Completed");
  }

  @Test
  void badRequestsAreRefusedNamingWhatIsWrong() {
    Object[][] bodies = {
        {new JsonObject(), "target_node_did"},
        {new JsonObject().put("target_node_did", "did:kos:hakim:" + "0".repeat(32)).put("maintenance_task", "vacuum_analyze"), "target_node_did"},
        {new JsonObject().put("target_node_did", target.node().identity().did()), "maintenance_task"},
        {new JsonObject().put("target_node_did", target.node().identity().did()).put("maintenance_task", "x").put("task_params", 3), "task_params"},
        {new JsonObject().put("target_node_did", target.node().identity().did()).put("maintenance_task", "x").put("extra", 1), "extra"},
    };
    for (Object[] bad : bodies) {
      Http.Response response = alice.http().postJson(HAKIM + "/maintenance", bad[0]);
      assertThat(response.status()).as(response.toString()).isEqualTo(422);
      assertThat(response.json().getString("field")).as(response.toString()).isEqualTo(bad[1]);
      contract.conforms("maintenance.create", response, 422);
    }
    // what the target does not run is refused by the target, and the job is Failed
    for (JsonObject refusedByTarget : List.of(
        new JsonObject().put("maintenance_task", "format_disk"),
        new JsonObject().put("maintenance_task", "restart_verticle").put("task_params", new JsonObject().put("name", "ghost")),
        new JsonObject().put("maintenance_task", "vacuum_analyze").put("task_params", new JsonObject().put("schema", "pg_catalog")))) {
      Http.Response response = alice.http().postJson(HAKIM + "/maintenance", refusedByTarget.put("target_node_did", target.node().identity().did()));
      assertThat(response.status()).as(response.toString()).isEqualTo(422);
      assertThat(response.json().getString("error")).isEqualTo("maintenance_refused");
      assertThat(alice.http().get(HAKIM + "/maintenance/" + response.json().getString("job_id")).json().getString("status")).isEqualTo("Failed");
    }
    assertThat(alice.http().get(HAKIM + "/maintenance?status=Done").status()).isEqualTo(400);
    assertThat(alice.http().get(HAKIM + "/maintenance/not-a-uuid").status()).isEqualTo(404);
    Http.Response listed = alice.http().get(HAKIM + "/maintenance?status=Failed&target=" + target.node().identity().did());
    contract.conforms("maintenance.list", listed, 200);
    assertThat(listed.json().getJsonArray("jobs")).hasSizeGreaterThanOrEqualTo(3);

    // the target's own routes: each parameter, valid and not
    String unknown = UUID.randomUUID().toString();
    for (String operation : List.of("approve", "reject")) {
      nodeContract.conforms("maintenance." + operation, targetAdmin.http().postJson(NODE + "/maintenance/" + unknown + "/" + operation,
          new JsonObject()), 404);
      nodeContract.conforms("maintenance." + operation, targetAdmin.http().postJson(NODE + "/maintenance/not-a-uuid/" + operation,
          new JsonObject()), 404);
    }
    nodeContract.conforms("maintenance.get", targetAdmin.http().get(NODE + "/maintenance/" + unknown), 404);
    nodeContract.conforms("maintenance.get", targetAdmin.http().get(NODE + "/maintenance/not-a-uuid"), 404);
    for (String[] bad : new String[][] {{"status=Maybe", "status"}, {"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=ten", "limit"},
        {"after=garbage", "after"}}) {
      Http.Response refused = targetAdmin.http().get(NODE + "/maintenance?" + bad[0]);
      nodeContract.conforms("maintenance.list", refused, 400);
      assertThat(refused.json().getString("parameter")).as(bad[0]).isEqualTo(bad[1]);
    }
    for (String status : List.of("PendingApproval", "Approved", "Rejected", "Expired", "Running", "Completed", "Failed")) {
      Http.Response page = targetAdmin.http().get(NODE + "/maintenance?status=" + status);
      nodeContract.conforms("maintenance.list", page, 200);
      assertThat(page.json().getJsonArray("requests").stream().map(r -> ((JsonObject) r).getString("status"))).as(status).allMatch(status::equals);
    }
    // a page at a time, newest first, until next_cursor is null: every request once
    for (int i = 0; i < 3; i++) {
      ask("vacuum_analyze", new JsonObject().put("schema", "probe"));
    }
    List<String> all = targetAdmin.http().get(NODE + "/maintenance?limit=500").json().getJsonArray("requests").stream()
        .map(r -> ((JsonObject) r).getString("job_id")).toList();
    assertThat(all).hasSizeGreaterThanOrEqualTo(3);
    List<String> paged = new java.util.ArrayList<>();
    String after = null;
    do {
      Http.Response page = targetAdmin.http().get(NODE + "/maintenance?limit=2" + (after == null ? "" : "&after=" + after));
      nodeContract.conforms("maintenance.list", page, 200);
      page.json().getJsonArray("requests").forEach(r -> paged.add(((JsonObject) r).getString("job_id")));
      after = page.json().getString("next_cursor");
    } while (after != null && paged.size() < all.size() + 2);
    assertThat(paged).isEqualTo(all);
  }

  private static JsonObject ask(String task, JsonObject params) {
    Http.Response created = alice.http().postJson(HAKIM + "/maintenance", new JsonObject().put("target_node_did", target.node().identity().did())
        .put("maintenance_task", task).put("task_params", params));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    contract.conforms("maintenance.create", created, 201);
    return created.json();
  }

  /** The end of a KLF task the test sent to the target (task_status until it has ended). */
  private static List<String> statuses(JsonObject job) {
    return job.getJsonArray("status_history").stream().map(s -> ((JsonObject) s).getString("status")).toList();
  }
}
