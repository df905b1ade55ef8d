package io.kos.tohunga;

import io.kos.node.klf.KlfMessage;
import io.kos.node.klf.KlfService;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.KlfPeer;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kOS docs' operations over KLF from another node: register_data_source, get_data_source and
 * run_acquisition_job with its progress pushed to the requester; the operations the docs leave out;
 * node callers' isolation.
 */
class TohungaKlfTest {

  private static final KlfPeer STRANGER_PEER = KlfPeer.create("ronin");
  private static SourceServer server;
  private static TestNode node;
  private static TestNode requesterNode;
  private static KlfPeer requester;
  private static String did;
  private static final List<JsonObject> PUSHED = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    server = SourceServer.start(250);
    requesterNode = TestNode.start(Map.of("verticles.deploy", "", "klf.accept_unknown", "viewer"));
    requester = KlfPeer.of(requesterNode.node().identity());
    JsonArray peers = new JsonArray().add(new JsonObject().put("did", requester.did()).put("role", "editor"))
        .add(new JsonObject().put("did", STRANGER_PEER.did()).put("role", "editor"));
    node = TohungaNode.start(Map.of("klf.peers", peers.encode()));
    did = node.node().identity().did();
    requesterNode.node().vertx().eventBus().<JsonObject>consumer(KlfService.INBOUND_ADDRESS, message -> PUSHED.add(message.body()));
  }

  @AfterAll
  static void stop() {
    node.close();
    requesterNode.close();
    server.close();
  }

  private static JsonObject answer(Http.Response response) {
    JsonObject answer = response.json();
    KlfMessage.checkSigned(answer);
    assertThat(answer.getString("from")).isEqualTo(did);
    return answer;
  }

  private static JsonObject query(KlfPeer peer, String name, JsonObject params) {
    return answer(KlfPeer.send(node.http(), peer.call(did, KlfMessage.DATA_QUERY, name, params))).getJsonObject("payload");
  }

  /** Sends a task, waits for its end through task_status; the final status. */
  private static JsonObject task(KlfPeer peer, String name, JsonObject params, JsonObject metadata) {
    Http.Response accepted = KlfPeer.send(node.http(), peer.call(did, KlfMessage.TASK_REQUEST, name, params, metadata));
    assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
    String jobId = answer(accepted).getJsonObject("payload").getString("job_id");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject status = query(peer, KlfService.TASK_STATUS, new JsonObject().put("job_id", jobId)).getJsonObject("result");
      if (!List.of("pending", "running").contains(status.getString("status"))) {
        return status;
      }
      io.kos.node.testkit.NodeProcess.sleep(50);
    }
    throw new AssertionError("task " + jobId + " did not end");
  }

  @Test
  void theThreeOperationsOfTheDocsWithProgress() {
    JsonObject registered = task(requester, "register_data_source", new JsonObject().put("source_name", "feed").put("source_type", "http_api")
        .put("connection_config", new JsonObject().put("base_url", server.url()).put("pagination", new JsonObject().put("type", "cursor")
            .put("limit", 10).put("cursor_path", "meta.next").put("total_path", "meta.total")).put("records_path", "data")
            .put("auth", new JsonObject().put("type", "bearer").put("token", "klf-secret"))), new JsonObject());
    assertThat(registered.getString("status")).as(registered.encode()).isEqualTo("completed");
    String sourceId = registered.getJsonObject("result").getString("source_id");
    assertThat(registered.getJsonObject("result").getString("owner_did")).isEqualTo(requester.did());

    JsonObject got = query(requester, "get_data_source", new JsonObject().put("source_id", sourceId));
    assertThat(got.getString("status")).isEqualTo("ok");
    assertThat(got.getJsonObject("result").getJsonObject("connection_config").getJsonObject("auth").getString("token")).isEqualTo("********");

    String replyTo = requesterNode.node().httpUrl() + "/klf/v1/message";
    JsonObject ran = task(requester, "run_acquisition_job", new JsonObject().put("source_id", sourceId)
        .put("request_params", new JsonObject().put("path", "/cursor"))
        .put("pipeline_steps", new JsonArray().add(TohungaNode.step("v", "validation", "json_schema", new JsonObject().put("schema",
            new JsonObject().put("type", "object").put("required", new JsonArray().add("id"))))))
        .put("output_config", new JsonObject().put("format", "json_lines").put("destination", new JsonObject().put("type", "local"))),
        new JsonObject().put("reply_to", replyTo));
    assertThat(ran.getString("status")).as(ran.encode()).isEqualTo("completed");
    JsonObject result = ran.getJsonObject("result");
    assertThat(result.getString("status")).isEqualTo("completed");
    assertThat(result.getJsonObject("result").getLong("records_processed")).isEqualTo(250);
    assertThat(result.getJsonObject("result").getString("result_uri")).startsWith("kos://" + did + "/assets/");

    // pushed to the requester, signed: progress with percentages (the source tells its total), then the response
    requesterNode.http().await("/health/live", r -> PUSHED.stream().anyMatch(m -> m.getString("type").equals(KlfMessage.TASK_RESPONSE)
        && m.getJsonObject("payload").getString("task_name").equals("run_acquisition_job")), Duration.ofSeconds(20));
    List<JsonObject> progress = PUSHED.stream().filter(m -> m.getString("type").equals(KlfMessage.TASK_PROGRESS)
        && "run_acquisition_job".equals(m.getJsonObject("payload").getString("task_name"))).map(m -> m.getJsonObject("payload")).toList();
    assertThat(progress).extracting(p -> p.getString("message")).contains("running");
    assertThat(progress).anyMatch(p -> p.getInteger("progress") > 0 && p.getInteger("progress") < 100 && p.getString("message").contains("records read"));

    String jobId = result.getString("job_id");
    JsonObject job = query(requester, "get_acquisition_job", new JsonObject().put("job_id", jobId));
    assertThat(job.getJsonObject("result").getString("status")).isEqualTo("completed");
    assertThat(query(requester, "list_acquisition_jobs", new JsonObject()).getJsonObject("result").getJsonArray("jobs")).hasSize(1);
    assertThat(query(requester, "get_job_provenance", new JsonObject().put("job_id", jobId)).getJsonObject("result")
        .getJsonObject("counts").getLong("out")).isEqualTo(250);
    assertThat(query(requester, "list_assets", new JsonObject()).getJsonObject("result").getJsonArray("assets")).hasSize(1);
    assertThat(query(requester, "list_data_sources", new JsonObject()).getJsonObject("result").getJsonArray("sources")).hasSize(1);

    // another node sees none of it
    assertThat(query(STRANGER_PEER, "get_data_source", new JsonObject().put("source_id", sourceId)).getJsonObject("error").getString("code"))
        .isEqualTo("not_found");
    assertThat(query(STRANGER_PEER, "get_acquisition_job", new JsonObject().put("job_id", jobId)).getJsonObject("error").getString("code"))
        .isEqualTo("not_found");
    assertThat(query(STRANGER_PEER, "list_data_sources", new JsonObject()).getJsonObject("result").getJsonArray("sources")).isEmpty();
    JsonObject foreign = task(STRANGER_PEER, "run_acquisition_job", new JsonObject().put("source_id", sourceId)
        .put("output_config", new JsonObject().put("format", "csv")), new JsonObject());
    assertThat(foreign.getString("status")).isEqualTo("failed");
    assertThat(foreign.getJsonObject("error").getString("code")).isEqualTo("invalid_field");

    // what the docs leave out: update, test, cancel (of an ended job), delete
    JsonObject updated = task(requester, "update_data_source", new JsonObject().put("source_id", sourceId).put("source_name", "renamed"), new JsonObject());
    assertThat(updated.getJsonObject("result").getString("source_name")).isEqualTo("renamed");
    assertThat(task(requester, "test_data_source", new JsonObject().put("source_id", sourceId).put("path", "/cursor"), new JsonObject())
        .getJsonObject("result").getBoolean("ok")).isTrue();
    JsonObject cancel = answer(KlfPeer.send(node.http(), requester.call(did, KlfMessage.CONTROL_COMMAND, "cancel_acquisition_job",
        new JsonObject().put("job_id", jobId)))).getJsonObject("payload");
    assertThat(cancel.getJsonObject("error").getString("code")).isEqualTo("job_finished");
    JsonObject deleted = answer(KlfPeer.send(node.http(), requester.call(did, KlfMessage.CONTROL_COMMAND, "delete_acquisition_job",
        new JsonObject().put("job_id", jobId)))).getJsonObject("payload");
    assertThat(deleted.getString("status")).as(deleted.encode()).isEqualTo("ok");
    JsonObject gone = answer(KlfPeer.send(node.http(), requester.call(did, KlfMessage.CONTROL_COMMAND, "delete_data_source",
        new JsonObject().put("source_id", sourceId)))).getJsonObject("payload");
    assertThat(gone.getString("status")).isEqualTo("ok");
  }

  @Test
  void aFailedJobIsAFailedTaskWithTheDocsCode() {
    JsonObject registered = task(requester, "register_data_source", new JsonObject().put("source_name", "down").put("source_type", "http_api")
        .put("connection_config", new JsonObject().put("base_url", "http://127.0.0.1:1").put("max_attempts", 1)), new JsonObject());
    JsonObject ran = task(requester, "run_acquisition_job", new JsonObject().put("source_id", registered.getJsonObject("result").getString("source_id"))
        .put("output_config", new JsonObject().put("format", "json_lines")), new JsonObject());
    assertThat(ran.getString("status")).isEqualTo("failed");
    assertThat(ran.getJsonObject("error").getString("code")).isEqualTo("SOURCE_UNREACHABLE");
    assertThat(ran.getJsonObject("error").getString("job_id")).isNotNull();
  }
}
