package io.kos.node.klf;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.KlfPeer;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestNode;
import io.kos.verticle.Caller;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * KLF on one node deploying the probe, called by peers the test signs for: every type answered,
 * tasks followed through task_status and pushed to a second node's reply_to, every refusal with
 * its error and nothing run, node callers owning what they create, and the peer list's API.
 */
class KlfTest {

  private static final String NOTES = "/api/probe/v1/notes";
  private static final KlfPeer PEER_A = KlfPeer.create("tohunga");
  private static final KlfPeer PEER_B = KlfPeer.create("ronin");
  private static final KlfPeer ADMIN_PEER = KlfPeer.create("hakim");
  private static final KlfPeer STRANGER = KlfPeer.create("ronin");

  private static TestNode node;
  private static TestNode receiver;
  private static String did;

  @BeforeAll
  static void start() {
    JsonArray peers = new JsonArray()
        .add(new JsonObject().put("did", PEER_A.did()).put("role", "editor").put("name", "a"))
        .add(new JsonObject().put("did", PEER_B.did()).put("role", "editor").put("name", "b"))
        .add(new JsonObject().put("did", ADMIN_PEER.did()).put("role", "admin").put("name", "ops"));
    node = TestNode.start(Map.of("verticles.deploy", "probe", "klf.peers", peers.encode(), "outbound.allow", "127.0.0.0/8"));
    did = node.node().identity().did();
    receiver = TestNode.start(Map.of("verticles.deploy", "", "klf.accept_unknown", "viewer",
        "klf.peers", new JsonArray().add(new JsonObject().put("did", did).put("role", "viewer")).encode()));
  }

  @AfterAll
  static void stop() {
    receiver.close();
    node.close();
  }

  private static Http.Response send(JsonObject message) {
    return KlfPeer.send(node.http(), message);
  }

  /** A signed answer from the node to the peer, about the request. */
  private static JsonObject answer(Http.Response response, int status, String type, KlfPeer to, JsonObject request) {
    assertThat(response.status()).as(response.toString()).isEqualTo(status);
    JsonObject answer = response.json();
    KlfMessage.checkSigned(answer);
    assertThat(answer.getString("type")).isEqualTo(type);
    assertThat(answer.getString("from")).isEqualTo(did);
    assertThat(answer.getString("to")).isEqualTo(to.did());
    assertThat(answer.getJsonObject("metadata").getString("correlation_id")).isEqualTo(request.getString("id"));
    return answer.getJsonObject("payload");
  }

  /** The data_result of a query: 200 with its result, or its error's status. */
  private static JsonObject query(KlfPeer peer, String name, JsonObject params) {
    JsonObject request = peer.call(did, KlfMessage.DATA_QUERY, name, params);
    Http.Response response = send(request);
    JsonObject payload = answer(response, response.status(), KlfMessage.DATA_RESULT, peer, request);
    assertThat(response.status() == 200).isEqualTo(payload.getString("status").equals("ok"));
    return payload;
  }

  @Test
  void aPingIsAnsweredWithASignedPong() {
    JsonObject ping = PEER_A.message(did, KlfMessage.PING, new JsonObject(), new JsonObject().put("trace_id", "t-1"));
    Http.Response response = send(ping);
    assertThat(answer(response, 200, KlfMessage.PONG, PEER_A, ping)).isEmpty();
    assertThat(response.json().getJsonObject("metadata").getString("trace_id")).isEqualTo("t-1");
  }

  @Test
  void aQueryReachesTheVerticleAsANodeCaller() {
    assertThat(query(PEER_A, "probe_ping", new JsonObject())).isEqualTo(new JsonObject().put("query_name", "probe_ping")
        .put("status", "ok").put("result", new JsonObject().put("pong", true).put("node", did)));
    JsonObject whoami = query(PEER_A, "whoami", new JsonObject()).getJsonObject("result");
    assertThat(whoami.getString("did")).isEqualTo(PEER_A.did());
    assertThat(whoami.getString("role")).isEqualTo("editor");
    assertThat(whoami.getString("user_id")).isEqualTo(Caller.nodeOwnerId(PEER_A.did()).toString());
    assertThat(query(ADMIN_PEER, "whoami", new JsonObject()).getJsonObject("result").getString("role")).isEqualTo("admin");
  }

  @Test
  void aCommandIsAnsweredWithItsResult() {
    JsonObject params = new JsonObject().put("say", "hello").put("n", 3);
    JsonObject command = PEER_A.call(did, KlfMessage.CONTROL_COMMAND, "echo", params);
    assertThat(answer(send(command), 200, KlfMessage.DATA_RESULT, PEER_A, command))
        .isEqualTo(new JsonObject().put("command_name", "echo").put("status", "ok").put("result", params));
  }

  @Test
  void anUnknownNameIsASignedUnknownOperation() {
    JsonObject unknownQuery = PEER_A.call(did, KlfMessage.DATA_QUERY, "no_such_query", new JsonObject());
    assertThat(answer(send(unknownQuery), 404, KlfMessage.DATA_RESULT, PEER_A, unknownQuery).getJsonObject("error").getString("code"))
        .isEqualTo("unknown_operation");
    JsonObject unknownCommand = PEER_A.call(did, KlfMessage.CONTROL_COMMAND, "probe_ping", new JsonObject());
    assertThat(answer(send(unknownCommand), 404, KlfMessage.DATA_RESULT, PEER_A, unknownCommand).getJsonObject("error").getString("code"))
        .as("a query's name is not a command").isEqualTo("unknown_operation");
    JsonObject unknownTask = PEER_A.call(did, KlfMessage.TASK_REQUEST, "no_such_task", new JsonObject());
    JsonObject error = answer(send(unknownTask), 404, KlfMessage.TASK_ERROR, PEER_A, unknownTask);
    assertThat(error.getString("task_name")).isEqualTo("no_such_task");
    assertThat(error.getJsonObject("error").getString("code")).isEqualTo("unknown_operation");
  }

  @Test
  void aVerticleRefusalTravelsInTheSignedResult() {
    JsonObject get = PEER_A.call(did, KlfMessage.DATA_QUERY, "notes_get", new JsonObject().put("id", 999_999_999));
    JsonObject payload = answer(send(get), 404, KlfMessage.DATA_RESULT, PEER_A, get);
    assertThat(payload.getString("status")).isEqualTo("error");
    assertThat(payload.getJsonObject("error").getString("code")).isEqualTo("not_found");
    JsonObject badParams = PEER_A.call(did, KlfMessage.TASK_REQUEST, "notes_create", new JsonObject().put("text", ""));
    JsonObject accepted = answer(send(badParams), 202, KlfMessage.TASK_PROGRESS, PEER_A, badParams);
    JsonObject status = awaitTask(PEER_A, accepted.getString("job_id"));
    assertThat(status.getString("status")).isEqualTo("failed");
    assertThat(status.getJsonObject("error").getString("code")).isEqualTo("invalid_field");
    assertThat(status.getJsonObject("error").getString("field")).isEqualTo("text");
  }

  @Test
  void finishedTasksPastTheRetentionArePruned() throws Exception {
    JsonObject request = PEER_B.call(did, KlfMessage.TASK_REQUEST, "work", new JsonObject().put("steps", 1).put("step_ms", 1));
    String jobId = answer(send(request), 202, KlfMessage.TASK_PROGRESS, PEER_B, request).getString("job_id");
    assertThat(awaitTask(PEER_B, jobId).getString("status")).isEqualTo("completed");
    KlfTasks tasks = node.node().state().klf().tasks();
    try (java.sql.Connection db = node.jdbc(); java.sql.Statement sql = db.createStatement()) {
      // past the table's updated_at trigger, which would set it to now
      sql.execute("ALTER TABLE node.klf_tasks DISABLE TRIGGER klf_tasks_set_updated_at");
      sql.execute("UPDATE node.klf_tasks SET updated_at = now() - interval '8 days' WHERE job_id = '" + jobId + "'");
      sql.execute("ALTER TABLE node.klf_tasks ENABLE TRIGGER klf_tasks_set_updated_at");
    }
    assertThat(tasks.prune(Duration.ofDays(7)).await()).isEqualTo(1);
    assertThat(query(PEER_B, KlfService.TASK_STATUS, new JsonObject().put("job_id", jobId)).getJsonObject("error").getString("code"))
        .isEqualTo("not_found");
  }

  @Test
  void aTaskIsAcceptedRunsReportsProgressAndEnds() {
    JsonObject request = PEER_A.call(did, KlfMessage.TASK_REQUEST, "work", new JsonObject().put("steps", 4).put("step_ms", 100));
    JsonObject pending = answer(send(request), 202, KlfMessage.TASK_PROGRESS, PEER_A, request);
    assertThat(pending.getString("task_name")).isEqualTo("work");
    assertThat(pending.getString("status")).isEqualTo("pending");
    assertThat(pending.getInteger("progress")).isZero();
    String jobId = pending.getString("job_id");

    JsonObject status = awaitTask(PEER_A, jobId);
    assertThat(status.getString("status")).isEqualTo("completed");
    assertThat(status.getInteger("progress")).isEqualTo(100);
    assertThat(status.getJsonObject("result")).isEqualTo(new JsonObject().put("steps", 4));
    assertThat(status.getString("requester")).isEqualTo(PEER_A.did());

    // another peer does not see it; an admin peer does
    JsonObject other = query(PEER_B, KlfService.TASK_STATUS, new JsonObject().put("job_id", jobId));
    assertThat(other.getJsonObject("error").getString("code")).isEqualTo("not_found");
    assertThat(query(ADMIN_PEER, KlfService.TASK_STATUS, new JsonObject().put("job_id", jobId)).getJsonObject("result").getString("status"))
        .isEqualTo("completed");
    assertThat(query(PEER_A, KlfService.TASK_STATUS, new JsonObject().put("job_id", "not-a-uuid")).getJsonObject("error").getString("code"))
        .isEqualTo("not_found");

    JsonObject failing = PEER_A.call(did, KlfMessage.TASK_REQUEST, "fail", new JsonObject());
    JsonObject failed = awaitTask(PEER_A, answer(send(failing), 202, KlfMessage.TASK_PROGRESS, PEER_A, failing).getString("job_id"));
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("internal_error");
  }

  @Test
  void progressAndTheResponseArePushedToReplyTo() {
    // the receiver node asks (signed with its own key), and gets the pushes at its own endpoint
    KlfPeer requester = KlfPeer.of(receiver.node().identity());
    Http.Response trusted = node.admin().http().postJson("/api/auth/v1/peers",
        new JsonObject().put("did", requester.did()).put("role", "editor").put("name", "receiver"));
    assertThat(trusted.status()).as(trusted.toString()).isEqualTo(200);
    String replyTo = receiver.node().httpUrl() + "/klf/v1/message";
    JsonObject request = requester.call(did, KlfMessage.TASK_REQUEST, "work", new JsonObject().put("steps", 2).put("step_ms", 50),
        new JsonObject().put("reply_to", replyTo));
    String jobId = answer(send(request), 202, KlfMessage.TASK_PROGRESS, requester, request).getString("job_id");
    assertThat(awaitTask(requester, jobId).getString("status")).isEqualTo("completed");
    // the receiver got, signed and verified: running 0, two steps, the response
    Http.Response metrics = receiver.http().await("/metrics", r -> received(r.text(), "task_response") >= 1, Duration.ofSeconds(20));
    assertThat(received(metrics.text(), "task_progress")).isGreaterThanOrEqualTo(3);

    for (String bad : new String[] {"ftp://127.0.0.1/klf/v1/message", "http://127.0.0.1:1/elsewhere", "not a url"}) {
      JsonObject refused = PEER_A.call(did, KlfMessage.TASK_REQUEST, "work", new JsonObject(), new JsonObject().put("reply_to", bad));
      Http.Response response = send(refused);
      assertThat(response.status()).as(bad).isEqualTo(422);
      assertThat(response.json().getString("error")).isEqualTo("invalid_reply_to");
    }
  }

  @Test
  void aVerticleSendsThroughItsNodeAndGetsTheVerifiedAnswer() {
    String receiverDid = receiver.node().identity().did();
    String url = receiver.node().httpUrl();
    JsonObject pong = sendFromNode(receiverDid, url, KlfMessage.PING, new JsonObject());
    assertThat(pong.getInteger("status")).isEqualTo(200);
    JsonObject message = pong.getJsonObject("message");
    KlfMessage.checkSigned(message);
    assertThat(message.getString("type")).isEqualTo(KlfMessage.PONG);
    assertThat(message.getString("from")).isEqualTo(receiverDid);
    assertThat(message.getString("to")).isEqualTo(did);

    // a signed error result is an answer; the receiver's refusal comes back as it is, unsigned
    JsonObject unknown = sendFromNode(receiverDid, url, KlfMessage.DATA_QUERY, new JsonObject().put("query_name", "nothing_here"));
    assertThat(unknown.getInteger("status")).isEqualTo(404);
    assertThat(unknown.getJsonObject("message").getJsonObject("payload").getJsonObject("error").getString("code")).isEqualTo("unknown_operation");
    JsonObject wrongNode = sendFromNode(PEER_A.did(), url, KlfMessage.PING, new JsonObject());
    assertThat(wrongNode.getInteger("status")).isEqualTo(421);
    assertThat(wrongNode.getJsonObject("refusal").getString("error")).isEqualTo("wrong_recipient");
    assertThat(wrongNode.containsKey("message")).isFalse();

    // nothing answers at that port; no node of the bus has that DID; a bad request
    assertNotDelivered(receiverDid, "http://127.0.0.1:1", 502, "not_delivered");
    assertNotDelivered(PEER_A.did(), null, 502, "not_delivered");
    assertNotDelivered("not-a-did", url, 422, "invalid_field");
  }

  private static JsonObject sendFromNode(String to, String url, String type, JsonObject payload) {
    return node.node().vertx().eventBus().<JsonObject>request("kos.node." + did + ".klf.send",
        new JsonObject().put("to", to).put("url", url).put("type", type).put("payload", payload)).await().body();
  }

  private static void assertNotDelivered(String to, String url, int status, String error) {
    try {
      sendFromNode(to, url, KlfMessage.PING, new JsonObject());
      throw new AssertionError("a send to " + to + " at " + url + " was answered");
    } catch (io.vertx.core.eventbus.ReplyException e) {
      assertThat(e.failureCode()).as(to + " " + url).isEqualTo(status);
      assertThat(new JsonObject(e.getMessage()).getString("error")).isEqualTo(error);
    }
  }

  private static double received(String metrics, String type) {
    return metrics.lines()
        .filter(line -> line.startsWith("klf_messages_total{") && line.contains("direction=\"received\"") && line.contains("type=\"" + type + "\"")
            && line.contains("outcome=\"accepted\""))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
  }

  private static JsonObject awaitTask(KlfPeer peer, String jobId) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject status = query(peer, KlfService.TASK_STATUS, new JsonObject().put("job_id", jobId)).getJsonObject("result");
      if (status.getString("status").equals("completed") || status.getString("status").equals("failed")) {
        return status;
      }
      NodeProcess.sleep(50);
    }
    throw new AssertionError("task " + jobId + " did not end");
  }

  @Test
  void everyBadMessageIsRefusedWithItsErrorAndNothingRuns() {
    String marker = "must never be written " + UUID.randomUUID();
    JsonObject task = PEER_A.call(did, KlfMessage.TASK_REQUEST, "notes_create", new JsonObject().put("text", marker));

    JsonObject tampered = task.copy();
    tampered.getJsonObject("payload").getJsonObject("params").put("text", marker + "!");
    refused(send(tampered), 401, "bad_signature");

    JsonObject otherKey = PEER_B.resign(task.copy().put("sender_key", PEER_B.identity().publicKeyBase64()));
    refused(send(otherKey), 401, "bad_sender_key");
    refused(send(PEER_A.resign(task.copy().put("sender_key", "bm90IGEga2V5"))), 401, "bad_sender_key");
    refused(send(task.copy().put("signature", "not base64url!")), 401, "bad_signature");

    refused(send(PEER_A.resign(task.copy().put("to", PEER_B.did()))), 421, "wrong_recipient");
    refused(send(PEER_A.resign(task.copy().put("timestamp", Instant.now().minusSeconds(600).toString()))), 401, "stale_message");
    refused(send(PEER_A.resign(task.copy().put("timestamp", Instant.now().plusSeconds(600).toString()))), 401, "stale_message");
    JsonObject expired = task.copy().put("timestamp", Instant.now().minusSeconds(30).toString());
    expired.getJsonObject("metadata").put("ttl_seconds", 10);
    refused(send(PEER_A.resign(expired)), 401, "stale_message");
    refused(send(STRANGER.call(did, KlfMessage.TASK_REQUEST, "notes_create", new JsonObject().put("text", marker))), 403, "unknown_node");

    refused(node.http().post("/klf/v1/message", "application/json", "{\"id\": "), 400, "malformed_json");
    refused(node.http().post("/klf/v1/message", "application/json", "[1, 2]"), 400, "malformed_json");
    refused(node.http().post("/klf/v1/message", "text/plain", task.encode()), 415, "unsupported_media_type");
    refused(send(PEER_A.resign(task.copy().put("type", "task_requested"))), 400, "unsupported_type");
    Http.Response missing = send(PEER_A.resign(without(task, "timestamp")));
    refused(missing, 400, "invalid_message");
    assertThat(missing.json().getString("field")).isEqualTo("timestamp");
    refused(send(PEER_A.resign(task.copy().put("version", "2.0"))), 400, "invalid_message");
    refused(send(PEER_A.resign(task.copy().put("extra", true))), 400, "invalid_message");
    refused(send(PEER_A.resign(task.copy().put("id", "42"))), 400, "invalid_message");
    JsonObject badPriority = task.copy();
    badPriority.getJsonObject("metadata").put("priority", 9);
    refused(send(PEER_A.resign(badPriority)), 400, "invalid_message");
    JsonObject huge = PEER_A.call(did, KlfMessage.TASK_REQUEST, "notes_create", new JsonObject().put("text", "x".repeat(1 << 20)));
    refused(send(huge), 413, "message_too_large");

    assertThat(notesWith(marker)).as("no refused message ran").isZero();

    // the genuine message runs once; its copy is a replay
    JsonObject accepted = answer(send(task), 202, KlfMessage.TASK_PROGRESS, PEER_A, task);
    assertThat(awaitTask(PEER_A, accepted.getString("job_id")).getString("status")).isEqualTo("completed");
    refused(send(task), 409, "replayed_message");
    JsonObject ping = PEER_A.message(did, KlfMessage.PING, new JsonObject());
    assertThat(send(ping).status()).isEqualTo(200);
    refused(send(ping), 409, "replayed_message");
    assertThat(notesWith(marker)).as("the task ran exactly once").isEqualTo(1);

    String metrics = node.http().get("/metrics").text();
    assertThat(metrics).contains("klf_signature_failures_total", "klf_replays_refused_total");
    assertThat(metrics).containsPattern("klf_messages_total\\{direction=\"received\",outcome=\"bad_signature\",type=\"task_request\"}");
  }

  private static JsonObject without(JsonObject message, String member) {
    JsonObject copy = message.copy();
    copy.remove(member);
    return copy;
  }

  private static void refused(Http.Response response, int status, String error) {
    assertThat(response.status()).as(response.toString()).isEqualTo(status);
    assertThat(response.json().getString("error")).as(response.toString()).isEqualTo(error);
    assertThat(response.json().containsKey("signature")).isFalse();
  }

  private static long notesWith(String text) {
    return node.admin().http().get(NOTES).json().getJsonArray("notes").stream()
        .filter(note -> ((JsonObject) note).getString("text").startsWith(text)).count();
  }

  @Test
  void aNodeOwnsWhatItCreatesAndOnlyAnAdminSeesItToo() {
    JsonObject create = PEER_A.call(did, KlfMessage.TASK_REQUEST, "notes_create", new JsonObject().put("text", "A's node note"));
    JsonObject created = awaitTask(PEER_A, answer(send(create), 202, KlfMessage.TASK_PROGRESS, PEER_A, create).getString("job_id"))
        .getJsonObject("result");
    long id = created.getLong("id");
    assertThat(created.getString("owner_did")).isEqualTo(PEER_A.did());
    assertThat(created.getString("owner_id")).isEqualTo(Caller.nodeOwnerId(PEER_A.did()).toString());

    assertThat(ids(query(PEER_A, "notes_list", new JsonObject()).getJsonObject("result"))).contains(id);
    assertThat(ids(query(PEER_B, "notes_list", new JsonObject()).getJsonObject("result"))).doesNotContain(id);
    assertThat(query(PEER_B, "notes_get", new JsonObject().put("id", id)).getJsonObject("error").getString("code")).isEqualTo("not_found");
    JsonObject update = PEER_B.call(did, KlfMessage.CONTROL_COMMAND, "notes_update", new JsonObject().put("id", id).put("text", "defaced"));
    assertThat(answer(send(update), 404, KlfMessage.DATA_RESULT, PEER_B, update).getJsonObject("error").getString("code")).isEqualTo("not_found");
    JsonObject delete = PEER_B.call(did, KlfMessage.CONTROL_COMMAND, "notes_delete", new JsonObject().put("id", id));
    assertThat(answer(send(delete), 404, KlfMessage.DATA_RESULT, PEER_B, delete).getString("status")).isEqualTo("error");

    Accounts.Session editor = node.user("klf_editor", "editor");
    assertThat(editor.http().get(NOTES + "/" + id).status()).isEqualTo(404);
    assertThat(ids(editor.http().get(NOTES).json())).doesNotContain(id);
    assertThat(node.admin().http().get(NOTES + "/" + id).json().getString("owner_did")).isEqualTo(PEER_A.did());
    assertThat(ids(query(ADMIN_PEER, "notes_list", new JsonObject()).getJsonObject("result"))).contains(id);

    JsonObject ownUpdate = PEER_A.call(did, KlfMessage.CONTROL_COMMAND, "notes_update", new JsonObject().put("id", id).put("text", "edited"));
    assertThat(answer(send(ownUpdate), 200, KlfMessage.DATA_RESULT, PEER_A, ownUpdate).getJsonObject("result").getString("text"))
        .isEqualTo("edited");
  }

  private static java.util.List<Long> ids(JsonObject list) {
    return list.getJsonArray("notes").stream().map(note -> ((JsonObject) note).getLong("id")).toList();
  }

  @Test
  void adminsManageThePeerListAndAChangeTakesEffectAtOnce() {
    Http admin = node.admin().http();
    KlfPeer newcomer = KlfPeer.create("tohunga");
    refused(send(newcomer.message(did, KlfMessage.PING, new JsonObject())), 403, "unknown_node");

    Http.Response added = admin.postJson("/api/auth/v1/peers", new JsonObject().put("did", newcomer.did()).put("role", "viewer").put("name", "new"));
    assertThat(added.status()).as(added.toString()).isEqualTo(200);
    assertThat(added.json().getString("source")).isEqualTo("api");
    assertThat(send(newcomer.message(did, KlfMessage.PING, new JsonObject())).status()).isEqualTo(200);
    JsonObject write = newcomer.call(did, KlfMessage.CONTROL_COMMAND, "notes_update", new JsonObject().put("id", 1).put("text", "x"));
    assertThat(answer(send(write), 403, KlfMessage.DATA_RESULT, newcomer, write).getJsonObject("error").getString("code")).isEqualTo("read_only");

    JsonArray listed = admin.get("/api/auth/v1/peers").json().getJsonArray("peers");
    assertThat(listed.stream().map(p -> ((JsonObject) p).getString("did"))).contains(PEER_A.did(), newcomer.did());
    assertThat(listed.stream().filter(p -> ((JsonObject) p).getString("did").equals(PEER_A.did())).map(p -> ((JsonObject) p).getString("source")))
        .containsExactly("config");

    Http editor = node.user("peer_editor", "editor").http();
    refused(editor.get("/api/auth/v1/peers"), 403, "admin_only");
    refused(editor.postJson("/api/auth/v1/peers", new JsonObject().put("did", STRANGER.did()).put("role", "admin")), 403, "admin_only");
    refused(editor.delete("/api/auth/v1/peers/" + newcomer.did()), 403, "admin_only");
    refused(node.http().get("/api/auth/v1/peers"), 401, "unauthorized");

    for (JsonObject bad : new JsonObject[] {new JsonObject().put("did", "did:web:example.org").put("role", "viewer"),
        new JsonObject().put("did", STRANGER.did()).put("role", "owner"), new JsonObject().put("did", STRANGER.did()),
        new JsonObject().put("did", STRANGER.did()).put("role", "viewer").put("name", 7),
        new JsonObject().put("did", STRANGER.did()).put("role", "viewer").put("colour", "red")}) {
      Http.Response response = admin.postJson("/api/auth/v1/peers", bad);
      assertThat(response.status()).as(bad.encode()).isEqualTo(422);
      assertThat(response.json().getString("error")).isEqualTo("invalid_field");
    }
    refused(admin.postJson("/api/auth/v1/peers", new JsonObject().put("did", PEER_A.did()).put("role", "admin")), 409, "peer_from_config");
    refused(admin.delete("/api/auth/v1/peers/" + PEER_A.did()), 409, "peer_from_config");
    refused(admin.delete("/api/auth/v1/peers/" + STRANGER.did()), 404, "not_found");
    refused(admin.delete("/api/auth/v1/peers/nonsense"), 404, "not_found");

    assertThat(admin.delete("/api/auth/v1/peers/" + newcomer.did()).status()).isEqualTo(204);
    refused(send(newcomer.message(did, KlfMessage.PING, new JsonObject())), 403, "unknown_node");
  }

  @Test
  void acceptUnknownLetsAnUnlistedNodeRead() {
    JsonObject ping = STRANGER.message(receiver.node().identity().did(), KlfMessage.PING, new JsonObject());
    Http.Response pong = KlfPeer.send(receiver.http(), ping);
    assertThat(pong.status()).isEqualTo(200);
    assertThat(pong.json().getString("type")).isEqualTo(KlfMessage.PONG);
  }
}
