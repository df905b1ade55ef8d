package io.kos.hakim;

import io.kos.node.klf.KlfMessage;
import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.KlfPeer;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Maintenance between two node processes, each on its own database: a Hakim asks, the request is
 * pending on both sides, neither the target's editor nor a forger decides, the target's admin
 * approves, the probe verticle really restarts and both records end Completed; a rejection and an
 * expiry. Then the Hakim is killed (SIGKILL) while a request waits: the target's admin approves
 * into the void; runs of that approval with other parameters or another task, signed with the
 * Hakim's own key, are refused; once the Hakim runs again (same data dir, same database) the target
 * sends the decision again, so the job runs to its end without anybody asking twice; a job it left
 * Running is followed again, and one it left Approved (its run not sent) is run.
 */
class MaintenanceProcessTest {

  private static final String HAKIM = "/api/hakim/v1";
  private static final String NODE = "/api/node/v1";
  private static final Map<String, String> ENV = Map.of("KOS_LOGGING_LEVEL", "WARN", "KOS_OUTBOUND_ALLOW", "127.0.0.0/8");

  @Test
  void anApprovalReachesAHakimThatWasDownWhenItWasMade() throws Exception {
    Path targetDir = TestNode.tempDir();
    Path hakimDir = TestNode.tempDir();
    String hakimDatabase = TestDatabase.freshDatabaseUrl();
    String targetDatabase = TestDatabase.freshDatabaseUrl();
    int hakimPort = NodeProcess.freePort();
    List<String> hakimArgs = List.of("--http-port", Integer.toString(hakimPort), "--data-dir", hakimDir.toString(), "--db-url", hakimDatabase,
        "--verticles", "hakim", "--config", TestNode.configFile("""
            verticles:
              config:
                hakim:
                  public_url: "http://127.0.0.1:%d"
            """.formatted(hakimPort)).toString());
    CompletableFuture<NodeProcess> startingTarget = CompletableFuture.supplyAsync(() -> NodeProcess.start(List.of("--http-port", "0",
        "--data-dir", targetDir.toString(), "--db-url", targetDatabase, "--verticles", "probe"), ENV, Duration.ofSeconds(120)));
    NodeProcess hakim = NodeProcess.start(hakimArgs, ENV, Duration.ofSeconds(120));
    try (NodeProcess target = startingTarget.get()) {
      String targetDid = target.http().get("/klf/v1/identity").json().getString("nodeId");
      String hakimDid = hakim.http().get("/klf/v1/identity").json().getString("nodeId");
      Accounts.Session targetAdmin = Accounts.bootstrapAdmin(target.http(), targetDir);
      Accounts.Session hakimAdmin = Accounts.bootstrapAdmin(hakim.http(), hakimDir);
      // each trusts the other as a peer: the Hakim may ask, the target's decisions are heard
      assertThat(targetAdmin.http().postJson("/api/auth/v1/peers", new JsonObject().put("did", hakimDid).put("role", "viewer")).status())
          .isIn(200, 201);
      assertThat(hakimAdmin.http().postJson("/api/auth/v1/peers", new JsonObject().put("did", targetDid).put("role", "viewer")).status())
          .isIn(200, 201);
      assertThat(hakimAdmin.http().postJson(HAKIM + "/nodes", new JsonObject().put("endpoint", target.url())).status()).isEqualTo(201);

      String restart = ask(hakimAdmin, targetDid, "restart_verticle", new JsonObject().put("name", "probe"));
      assertThat(hakimAdmin.http().get(HAKIM + "/maintenance/" + restart).json().getString("status")).isEqualTo("PendingApproval");
      assertThat(targetAdmin.http().get(NODE + "/maintenance/" + restart).json().getString("status")).isEqualTo("PendingApproval");
      // neither an editor of the target nor a node other than the target decides
      Accounts.Session editor = Accounts.register(targetAdmin.http(), target.http(), "eddie", "editor");
      assertThat(editor.http().postJson(NODE + "/maintenance/" + restart + "/approve", new JsonObject()).status()).isEqualTo(403);
      KlfPeer stranger = KlfPeer.create("tohunga");
      assertThat(hakimAdmin.http().postJson("/api/auth/v1/peers", new JsonObject().put("did", stranger.did()).put("role", "admin")).status())
          .isIn(200, 201);
      JsonObject forged = KlfPeer.send(hakim.http(), stranger.call(hakimDid, KlfMessage.CONTROL_COMMAND, "approve_maintenance_job",
          new JsonObject().put("job_id", restart))).json().getJsonObject("payload");
      assertThat(forged.getJsonObject("error").getString("code")).isEqualTo("not_the_target");
      assertThat(hakimAdmin.http().get(HAKIM + "/maintenance/" + restart).json().getString("status")).isEqualTo("PendingApproval");

      Http.Response approved = targetAdmin.http().postJson(NODE + "/maintenance/" + restart + "/approve", new JsonObject());
      assertThat(approved.status()).as(approved.toString()).isEqualTo(200);
      assertThat(approved.json().getBoolean("hakim_notified")).as(approved.toString()).isTrue();
      JsonObject done = ended(hakimAdmin, restart);
      assertThat(done.getString("status")).as(done.encode()).isEqualTo("Completed");
      assertThat(statuses(done)).containsExactly("PendingApproval", "Approved", "Running", "Completed");
      assertThat(done.getJsonObject("result").getString("verticle")).isEqualTo("probe");
      assertThat(done.getJsonObject("result").getJsonArray("deployed")).isNotEmpty()
          .doesNotContainAnyElementsOf(done.getJsonObject("result").getJsonArray("undeployed"));
      assertThat(statuses(targetAdmin.http().get(NODE + "/maintenance/" + restart).json()))
          .containsExactly("PendingApproval", "Approved", "Running", "Completed");
      assertThat(targetAdmin.http().get("/api/probe/v1/ping").status()).isEqualTo(200);

      String rejected = ask(hakimAdmin, targetDid, "reload_peers", new JsonObject());
      assertThat(targetAdmin.http().postJson(NODE + "/maintenance/" + rejected + "/reject", new JsonObject()).json().getBoolean("hakim_notified"))
          .isTrue();
      assertThat(statuses(ended(hakimAdmin, rejected))).containsExactly("PendingApproval", "Rejected");
      String late = ask(hakimAdmin, targetDid, "reload_peers", new JsonObject());
      try (var sql = TestDatabase.connect(targetDatabase); var statement = sql.createStatement()) {
        statement.execute("UPDATE node.maintenance_requests SET expires_at = now() - interval '1 second' WHERE job_id = '" + late + "'");
      }
      assertThat(targetAdmin.http().postJson(NODE + "/maintenance/" + late + "/approve", new JsonObject()).status()).isEqualTo(409);
      assertThat(statuses(targetAdmin.http().get(NODE + "/maintenance/" + late).json())).containsExactly("PendingApproval", "Expired");

      // the Hakim dies while two requests wait for the target's admin, and its first job is Running
      String vacuum = ask(hakimAdmin, targetDid, "vacuum_analyze", new JsonObject().put("schema", "node"));
      String sent = ask(hakimAdmin, targetDid, "vacuum_analyze", new JsonObject().put("schema", "probe"));
      hakim.kill();
      for (String id : List.of(vacuum, sent)) {
        Http.Response unheard = targetAdmin.http().postJson(NODE + "/maintenance/" + id + "/approve", new JsonObject());
        assertThat(unheard.status()).as(unheard.toString()).isEqualTo(200);
        assertThat(unheard.json().getBoolean("hakim_notified")).as(unheard.toString()).isFalse();
        assertThat(unheard.json().getValue("hakim_notified_at")).isNull();
      }
      // while it is down, its own key (read from its data dir) asks the target to run the approved vacuum with other
      // parameters, or another task under its job id: refused, and nothing runs
      KlfPeer asHakim = KlfPeer.ofDataDir(hakimDir, hakimDid);
      for (JsonObject forgedRun : List.of(run(sent, "vacuum_analyze", new JsonObject().put("schema", "node")),
          run(sent, "restart_verticle", new JsonObject().put("name", "probe")))) {
        JsonObject status = asHakim.awaitTask(target.http(), targetDid,
            KlfPeer.send(target.http(), asHakim.call(targetDid, KlfMessage.TASK_REQUEST, "run_maintenance", forgedRun)).json());
        assertThat(status.getString("status")).as(status.encode()).isEqualTo("failed");
        assertThat(status.getJsonObject("error").getString("code")).as(status.encode()).isEqualTo("maintenance_not_approved");
      }
      assertThat(targetAdmin.http().get(NODE + "/maintenance/" + sent).json().getString("status")).isEqualTo("Approved");
      // what a Hakim killed mid-way leaves: the restart still Running (it was following the target's task), and the
      // second vacuum Approved, its decision taken but its run not sent
      try (var sql = TestDatabase.connect(hakimDatabase); var statement = sql.createStatement()) {
        assertThat(statement.executeUpdate("UPDATE hakim.maintenance_jobs SET status = 'Running', completed_at = NULL, "
            + "status_history = status_history - (jsonb_array_length(status_history) - 1) WHERE job_id = '" + restart + "'")).isOne();
        assertThat(statement.executeUpdate("UPDATE hakim.maintenance_jobs SET status = 'Approved', updated_at = now() - interval '1 hour', "
            + "status_history = status_history || '[{\"status\": \"Approved\", \"message\": \"approved before the crash\"}]' "
            + "WHERE job_id = '" + sent + "'")).isOne();
      }
      try (var sql = TestDatabase.connect(targetDatabase); var statement = sql.createStatement()) {
        assertThat(statement.executeUpdate("UPDATE node.maintenance_requests SET hakim_notified_at = now() WHERE job_id = '" + sent + "'")).isOne();
      }
      hakim = NodeProcess.start(hakimArgs, ENV, Duration.ofSeconds(120));
      Accounts.Session again = Accounts.login(hakim.http(), "admin");
      // the decision it did not hear is sent again by the target
      JsonObject resent = ended(again, vacuum);
      assertThat(resent.getString("status")).as(resent.encode()).isEqualTo("Completed");
      assertThat(statuses(resent)).containsExactly("PendingApproval", "Approved", "Running", "Completed");
      JsonObject onTarget = targetAdmin.http().get(NODE + "/maintenance/" + vacuum).json();
      assertThat(onTarget.getString("status")).isEqualTo("Completed");
      assertThat(onTarget.getString("hakim_notified_at")).isNotNull();
      assertThat(onTarget.getInteger("notify_attempts")).isPositive();
      // the Running job is followed again to its end, the Approved one is run
      JsonObject followed = ended(again, restart);
      assertThat(followed.getString("status")).as(followed.encode()).isEqualTo("Completed");
      assertThat(statuses(followed)).containsExactly("PendingApproval", "Approved", "Running", "Completed");
      JsonObject run = ended(again, sent);
      assertThat(run.getString("status")).as(run.encode()).isEqualTo("Completed");
      assertThat(statuses(run)).containsExactly("PendingApproval", "Approved", "Running", "Completed");
      assertThat(statuses(targetAdmin.http().get(NODE + "/maintenance/" + sent).json()))
          .containsExactly("PendingApproval", "Approved", "Running", "Completed");
    } finally {
      hakim.close();
    }
  }

  private static String ask(Accounts.Session who, String targetDid, String task, JsonObject params) {
    Http.Response created = who.http().postJson(HAKIM + "/maintenance", new JsonObject().put("target_node_did", targetDid)
        .put("maintenance_task", task).put("task_params", params));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().getString("job_id");
  }

  private static JsonObject run(String jobId, String task, JsonObject params) {
    return new JsonObject().put("job_id", jobId).put("maintenance_task", task).put("task_params", params);
  }

  private static JsonObject ended(Accounts.Session who, String jobId) {
    return who.http().await(HAKIM + "/maintenance/" + jobId, r -> r.status() == 200
        && List.of("Completed", "Failed", "Rejected", "Expired").contains(r.json().getString("status")), Duration.ofSeconds(60)).json();
  }

  private static List<String> statuses(JsonObject job) {
    return job.getJsonArray("status_history").stream().map(step -> ((JsonObject) step).getString("status")).toList();
  }
}
