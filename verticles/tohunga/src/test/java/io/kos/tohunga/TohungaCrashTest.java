package io.kos.tohunga;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.kos.tohunga.TohungaNode.BASE;
import static org.assertj.core.api.Assertions.assertThat;

/** kill -9 of a node process while a job runs: after the restart the job is failed with INTERRUPTED, no partial file is left, and the source runs again. */
class TohungaCrashTest {

  private static final Duration START = Duration.ofSeconds(120);

  @Test
  void aJobRunningWhenTheNodeDiesIsInterruptedNeverLeftRunning() throws Exception {
    try (SourceServer server = SourceServer.start(20)) {
      Path dataDir = TestNode.tempDir();
      List<String> args = TohungaNode.processArgs(dataDir, "");
      Map<String, String> env = TohungaNode.PROCESS_ENV;
      String jobId;
      String sourceId;
      Accounts.Session admin;
      try (NodeProcess node = NodeProcess.start(args, env, START)) {
        admin = Accounts.bootstrapAdmin(node.http(), dataDir);
        sourceId = TohungaNode.source(admin, "http_api", new JsonObject().put("base_url", server.url()));
        jobId = admin.http().postJson(BASE + "/jobs", TohungaNode.job(sourceId,
            new JsonObject().put("path", "/slow"), new JsonArray(), "json_lines")).json().getString("job_id");
        admin.http().await(BASE + "/jobs/" + jobId, r -> r.json().getString("status").equals("running"),
            Duration.ofSeconds(20));
        // running comes before the first bytes: on a loaded machine the part file may not be there yet
        long deadline = System.currentTimeMillis() + 20_000;
        while (!partFileIn(dataDir.resolve("assets")) && System.currentTimeMillis() < deadline) {
          NodeProcess.sleep(50);
        }
        assertThat(partFileIn(dataDir.resolve("assets"))).isTrue();
        assertThat(node.kill()).isEqualTo(137);
      }
      try (NodeProcess node = NodeProcess.start(args, env, START)) {
        Accounts.Session again = Accounts.login(node.http(), "admin");
        JsonObject job = again.http().get(BASE + "/jobs/" + jobId).json();
        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getJsonObject("error").getString("code")).isEqualTo("INTERRUPTED");
        assertThat(job.getString("completed_at")).isNotNull();
        try (var files = Files.list(dataDir.resolve("assets"))) {
          assertThat(files.toList()).isEmpty();
        }
        JsonObject rerun = TohungaNode.run(again, TohungaNode.job(sourceId, new JsonObject().put("path", "/offset"), new JsonArray(), "json_lines"));
        assertThat(rerun.getString("status")).isEqualTo("completed");
        assertThat(node.terminate(Duration.ofSeconds(30))).isZero();
      }
    }
  }

  @Test
  void aScheduledRunWhenTheNodeDiesIsInterruptedItsCursorKeptAndTheScheduleGoesOn() throws Exception {
    try (SourceServer server = SourceServer.start(20)) {
      Path dataDir = TestNode.tempDir();
      List<String> args = TohungaNode.processArgs(dataDir, "scheduler_poll_ms: 100");
      Map<String, String> env = TohungaNode.PROCESS_ENV;
      String pipeline;
      String killed;
      try (NodeProcess node = NodeProcess.start(args, env, START)) {
        Accounts.Session admin = Accounts.bootstrapAdmin(node.http(), dataDir);
        String source = TohungaNode.source(admin, "http_api", new JsonObject().put("base_url", server.url()));
        pipeline = admin.http().postJson(BASE + "/pipelines", new JsonObject().put("name", "slow every second").put("schedule", "* * * * * ?")
            .put("incremental", new JsonObject().put("field", "id").put("param", "since").put("initial", 0))
            .put("definition", TohungaNode.job(source, new JsonObject().put("path", "/slow"), new JsonArray(), "json_lines"))).json()
            .getString("pipeline_id");
        JsonObject running = admin.http().await(BASE + "/pipelines/" + pipeline + "/runs", r -> r.json().getJsonArray("runs").stream()
            .anyMatch(run -> ((JsonObject) run).getString("status").equals("running")), Duration.ofSeconds(20)).json();
        killed = running.getJsonArray("runs").getJsonObject(0).getString("job_id");
        assertThat(node.kill()).isEqualTo(137);
      }
      try (NodeProcess node = NodeProcess.start(args, env, START)) {
        Accounts.Session admin = Accounts.login(node.http(), "admin");
        JsonObject run = admin.http().get(BASE + "/jobs/" + killed).json();
        assertThat(run.getString("status")).isEqualTo("failed");
        assertThat(run.getJsonObject("error").getString("code")).isEqualTo("INTERRUPTED");
        assertThat(admin.http().get(BASE + "/pipelines/" + pipeline).json().getString("cursor")).isNull();
        // the schedule goes on: a later run completes and moves the cursor
        admin.http().await(BASE + "/pipelines/" + pipeline, r -> r.json().getString("cursor") != null, Duration.ofSeconds(30));
        assertThat(admin.http().get(BASE + "/pipelines/" + pipeline).json().getString("cursor")).isEqualTo("9");
        admin.http().patchJson(BASE + "/pipelines/" + pipeline, new JsonObject().put("is_active", false));
        assertThat(node.terminate(Duration.ofSeconds(30))).isZero();
      }
    }
  }

  private static boolean partFileIn(Path assets) throws java.io.IOException {
    if (!Files.isDirectory(assets)) {
      return false;
    }
    try (var files = Files.list(assets)) {
      return files.anyMatch(p -> p.toString().endsWith(".part"));
    }
  }
}
