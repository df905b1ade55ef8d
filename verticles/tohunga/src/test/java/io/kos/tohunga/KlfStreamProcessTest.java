package io.kos.tohunga;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.kos.tohunga.TohungaNode.BASE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A klf_stream output between two node processes over HTTP, the target killed with kill -9 in the
 * middle of the stream and started again: the sending job waits, sends the unacknowledged batch
 * again, and completes; the target holds every record once, in order.
 */
class KlfStreamProcessTest {

  private static final Duration START = Duration.ofSeconds(120);
  private static final int RECORDS = 20_000;

  @Test
  void aStreamSurvivesItsTargetKilledMidStreamEveryRecordOnceInOrder() throws Exception {
    try (SourceServer server = SourceServer.start(RECORDS)) {
      Path senderDir = TestNode.tempDir();
      Path targetDir = TestNode.tempDir();
      List<String> senderArgs = TohungaNode.processArgs(senderDir,
          "stream_batch_bytes: 2048\nstream_retry_seconds: 180\nbackoff_base_ms: 50\nbackoff_cap_ms: 500");
      List<String> targetArgs = onPort(TohungaNode.processArgs(targetDir, ""), NodeProcess.freePort());
      try (NodeProcess sender = NodeProcess.start(senderArgs, TohungaNode.PROCESS_ENV, START)) {
        Accounts.Session admin = Accounts.bootstrapAdmin(sender.http(), senderDir);
        String senderDid = sender.http().get("/klf/v1/identity").json().getString("nodeId");
        Map<String, String> targetEnv = new HashMap<>(TohungaNode.PROCESS_ENV);
        targetEnv.put("KOS_KLF_PEERS", new JsonArray().add(new JsonObject().put("did", senderDid).put("role", "editor")).encode());

        String jobId;
        String targetDid;
        String targetUrl;
        try (NodeProcess target = NodeProcess.start(targetArgs, targetEnv, START)) {
          Accounts.Session targetAdmin = Accounts.bootstrapAdmin(target.http(), targetDir);
          targetDid = target.http().get("/klf/v1/identity").json().getString("nodeId");
          targetUrl = target.url();
          String source = TohungaNode.source(admin, "http_api", new JsonObject().put("base_url", server.url())
              .put("pagination", new JsonObject().put("type", "offset").put("limit", 100)));
          JsonObject job = TohungaNode.job(source, new JsonObject().put("path", "/offset"), new JsonArray(), "json_lines");
          job.getJsonObject("output_config").put("destination", new JsonObject().put("type", "klf_stream").put("target_did", targetDid)
              .put("target_url", targetUrl));
          jobId = admin.http().postJson(BASE + "/jobs", job).json().getString("job_id");
          targetAdmin.http().await(BASE + "/streams/" + jobId, r -> r.status() == 200 && r.json().getLong("next_seq") >= 20, Duration.ofSeconds(60));
          assertThat(target.kill()).isEqualTo(137);
        }
        assertThat(admin.http().get(BASE + "/jobs/" + jobId).json().getString("status")).isEqualTo("running");

        try (NodeProcess target = NodeProcess.start(targetArgs, targetEnv, START)) {
          assertThat(target.url()).isEqualTo(targetUrl);
          Accounts.Session targetAdmin = Accounts.login(target.http(), "admin");
          JsonObject done = admin.http().await(BASE + "/jobs/" + jobId, r -> !List.of("pending", "running").contains(r.json().getString("status")),
              Duration.ofSeconds(180)).json();
          assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
          assertThat(done.getLong("records_out")).isEqualTo(RECORDS);
          assertThat(done.getString("result_uri")).startsWith("kos://" + targetDid + "/assets/");

          String uri = done.getString("result_uri");
          String file = targetAdmin.http().get(BASE + "/assets/" + uri.substring(uri.lastIndexOf('/') + 1)).text();
          List<Integer> ids = file.lines().map(line -> new JsonObject(line).getInteger("id")).toList();
          assertThat(ids).isEqualTo(IntStream.range(0, RECORDS).boxed().toList());
          JsonObject stream = targetAdmin.http().get(BASE + "/streams/" + jobId).json();
          assertThat(stream.getString("status")).isEqualTo("completed");
          assertThat(stream.getLong("records")).isEqualTo(RECORDS);
          JsonObject output = admin.http().get(BASE + "/jobs/" + jobId + "/provenance").json().getJsonObject("output");
          assertThat(output.getString("sha256")).isEqualTo(stream.getString("sha256"));
          assertThat(target.terminate(Duration.ofSeconds(30))).isZero();
        }
        assertThat(sender.terminate(Duration.ofSeconds(30))).isZero();
      }
    }
  }

  /** The arguments with {@code --http-port} fixed, so the target comes back at the URL the job streams to. */
  private static List<String> onPort(List<String> args, int port) {
    List<String> fixed = new ArrayList<>(args);
    fixed.set(fixed.indexOf("--http-port") + 1, Integer.toString(port));
    return fixed;
  }
}
