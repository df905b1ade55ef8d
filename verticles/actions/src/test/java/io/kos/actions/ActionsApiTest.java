package io.kos.actions;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static io.kos.actions.ActionsNode.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Every route with each of its parameters, valid and not; owner isolation; the OpenAPI document; kos.actions.validate's errors. */
class ActionsApiTest {

  private static final String BASE = "/api/actions/v1";
  private static Receiver receiver;
  private static TestNode node;
  private static ApiContract contract;
  private static Accounts.Session alice;
  private static Accounts.Session bob;
  private static Accounts.Session viewer;
  private static UUID aliceTrigger;
  private static long aliceDead;
  private static long aliceDone;
  private static long bobJob;

  @BeforeAll
  static void start() throws Exception {
    receiver = Receiver.start();
    receiver.responder = request -> request.path().equals("/down") ? Receiver.Reply.status(500) : Receiver.Reply.ok();
    node = ActionsNode.start();
    contract = ApiContract.served(node, ActionsModule.NAME);
    alice = node.user("alice", "editor");
    bob = node.user("bob", "editor");
    viewer = node.user("vic", "viewer");
    aliceDone = enqueue(alice, "/ok");
    aliceDead = enqueue(alice, "/down");
    bobJob = enqueue(bob, "/ok");
    try (Connection db = node.jdbc(); Statement sql = db.createStatement()) {
      await(Duration.ofSeconds(15), () -> status(aliceDead).equals("dead") && status(aliceDone).equals("succeeded")
          && status(bobJob).equals("succeeded"), "the jobs to end");
    }
    aliceTrigger = UUID.fromString(alice.http().get(BASE + "/jobs/" + aliceDead).json().getString("trigger_id"));
  }

  @AfterAll
  static void stop() {
    node.close();
    receiver.close();
  }

  private static long enqueue(Accounts.Session owner, String path) {
    return ActionsNode.enqueue(node, "api-" + UUID.randomUUID(), ActionsNode.ownerOf(owner), "rest", 1,
        new JsonObject().put("url", receiver.url(path)), ActionsNode.event("3")).getLong("job_id");
  }

  private static String status(long job) {
    return node.admin().http().get(BASE + "/jobs/" + job).json().getString("status");
  }

  @Test
  void theDocumentCoversEveryRouteAndErrorCode() {
    contract.coversExactly(new ActionsModule().routes());
    contract.listsErrorCodes(ActionsErrors.ALL);
  }

  @Test
  void listingJobsWithEachFilter() {
    Http http = alice.http();
    Http.Response all = http.get(BASE + "/jobs");
    contract.conforms("jobs.list", all, 200);
    assertThat(ids(all, "jobs")).contains(aliceDone, aliceDead).doesNotContain(bobJob);
    assertThat(ids(http.get(BASE + "/jobs?status=dead"), "jobs")).containsExactly(aliceDead);
    assertThat(ids(http.get(BASE + "/jobs?status=succeeded&type=rest"), "jobs")).containsExactly(aliceDone);
    assertThat(ids(http.get(BASE + "/jobs?type=telegram"), "jobs")).isEmpty();
    assertThat(ids(http.get(BASE + "/jobs?trigger_id=" + aliceTrigger), "jobs")).contains(aliceDone, aliceDead);
    assertThat(ids(http.get(BASE + "/jobs?trigger_id=" + UUID.randomUUID()), "jobs")).isEmpty();
    long now = System.currentTimeMillis() / 1000;
    assertThat(ids(http.get(BASE + "/jobs?from=" + (now - 3600) + "&to=" + (now + 60)), "jobs")).contains(aliceDone, aliceDead);
    assertThat(ids(http.get(BASE + "/jobs?to=" + (now - 3600)), "jobs")).isEmpty();
    Http.Response page = http.get(BASE + "/jobs?limit=1");
    assertThat(ids(page, "jobs")).hasSize(1);
    String cursor = page.json().getString("next_cursor");
    assertThat(cursor).isNotNull();
    List<Long> rest = ids(http.get(BASE + "/jobs?limit=1&cursor=" + cursor), "jobs");
    assertThat(rest).hasSize(1).doesNotContainAnyElementsOf(ids(page, "jobs"));
    assertThat(ids(node.admin().http().get(BASE + "/jobs"), "jobs")).contains(aliceDone, aliceDead, bobJob);
    for (String bad : List.of("status=sleeping", "type=fax", "trigger_id=nope", "from=-1", "from=x", "to=1e9", "limit=0", "limit=501",
        "cursor=abc", "cursor=0", "from=200&to=100")) {
      Http.Response refused = http.get(BASE + "/jobs?" + bad);
      contract.conforms("jobs.list", refused, 400);
      assertThat(refused.json().getString("error")).as(bad).isEqualTo("invalid_parameter");
    }
    contract.conforms("jobs.list", node.http().get(BASE + "/jobs"), 401);
  }

  @Test
  void oneJobWithItsAttemptsAndEvent() {
    Http.Response job = alice.http().get(BASE + "/jobs/" + aliceDead);
    contract.conforms("jobs.get", job, 200);
    assertThat(job.json().getJsonArray("attempts_made")).hasSize(3);
    assertThat(job.json().getJsonObject("event").getString("agent_id")).isEqualTo("3");
    contract.conforms("jobs.get", alice.http().get(BASE + "/jobs/" + bobJob), 404);
    contract.conforms("jobs.get", alice.http().get(BASE + "/jobs/999999999"), 404);
    contract.conforms("jobs.get", alice.http().get(BASE + "/jobs/abc"), 404);
    contract.conforms("jobs.get", node.admin().http().get(BASE + "/jobs/" + bobJob), 200);
  }

  @Test
  void retryingOneJob() throws Exception {
    contract.conforms("jobs.retry", alice.http().postJson(BASE + "/jobs/" + aliceDone + "/retry", new JsonObject()), 409);
    contract.conforms("jobs.retry", alice.http().postJson(BASE + "/jobs/" + bobJob + "/retry", new JsonObject()), 404);
    contract.conforms("jobs.retry", alice.http().postJson(BASE + "/jobs/12x/retry", new JsonObject()), 404);
    contract.conforms("jobs.retry", viewer.http().postJson(BASE + "/jobs/" + aliceDead + "/retry", new JsonObject()), 403);
    long dead = enqueue(alice, "/down");
    await(Duration.ofSeconds(15), () -> status(dead).equals("dead"), "dead");
    receiver.responder = request -> Receiver.Reply.ok();
    try {
      Http.Response retried = alice.http().postJson(BASE + "/jobs/" + dead + "/retry", new JsonObject());
      contract.conforms("jobs.retry", retried, 200);
      assertThat(retried.json().getInteger("max_attempts")).isEqualTo(6);
      await(Duration.ofSeconds(10), () -> status(dead).equals("succeeded"), "the retried job delivered");
      JsonArray attempts = alice.http().get(BASE + "/jobs/" + dead).json().getJsonArray("attempts_made");
      assertThat(attempts).hasSize(4);
      assertThat(attempts.getJsonObject(3).getInteger("attempt")).isEqualTo(4);
    } finally {
      receiver.responder = request -> request.path().equals("/down") ? Receiver.Reply.status(500) : Receiver.Reply.ok();
    }
  }

  @Test
  void retryingEveryDeadJobOfATrigger() throws Exception {
    UUID trigger = UUID.nameUUIDFromBytes(ActionsNode.ownerOf(bob).toString().getBytes());
    contract.conforms("jobs.retry_dead", bob.http().postJson(BASE + "/jobs/retry", new JsonObject().put("trigger_id", trigger.toString())), 200);
    Http.Response none = alice.http().postJson(BASE + "/jobs/retry", new JsonObject().put("trigger_id", trigger.toString()));
    assertThat(none.json().getInteger("retried")).isZero();
    for (JsonObject bad : List.of(new JsonObject(), new JsonObject().put("trigger_id", "x"), new JsonObject().put("trigger_id", 5),
        new JsonObject().put("trigger_id", trigger.toString()).put("extra", 1))) {
      contract.conforms("jobs.retry_dead", alice.http().postJson(BASE + "/jobs/retry", bad), 422);
    }
    contract.conforms("jobs.retry_dead", viewer.http().postJson(BASE + "/jobs/retry", new JsonObject().put("trigger_id", trigger.toString())), 403);
  }

  @Test
  void listingResultsWithEachFilter() {
    Http http = alice.http();
    Http.Response all = http.get(BASE + "/results");
    contract.conforms("results.list", all, 200);
    assertThat(all.json().getJsonArray("results").stream().map(r -> ((JsonObject) r).getLong("job_id"))).doesNotContain(bobJob);
    assertThat(http.get(BASE + "/results?job_id=" + aliceDead).json().getJsonArray("results")).hasSizeGreaterThanOrEqualTo(3);
    assertThat(http.get(BASE + "/results?job_id=" + bobJob).json().getJsonArray("results")).isEmpty();
    assertThat(http.get(BASE + "/results?status=success&job_id=" + aliceDone).json().getJsonArray("results")).hasSize(1);
    assertThat(http.get(BASE + "/results?status=retrying&job_id=" + aliceDead).json().getJsonArray("results")).hasSize(2);
    assertThat(http.get(BASE + "/results?type=mcp").json().getJsonArray("results")).isEmpty();
    assertThat(http.get(BASE + "/results?trigger_id=" + aliceTrigger).json().getJsonArray("results")).isNotEmpty();
    long now = System.currentTimeMillis() / 1000;
    assertThat(http.get(BASE + "/results?from=" + (now + 3600)).json().getJsonArray("results")).isEmpty();
    assertThat(http.get(BASE + "/results?to=" + (now + 3600) + "&limit=2").json().getJsonArray("results")).hasSize(2);
    String cursor = http.get(BASE + "/results?limit=1").json().getString("next_cursor");
    assertThat(http.get(BASE + "/results?limit=1&cursor=" + cursor).json().getJsonArray("results")).hasSize(1);
    for (String bad : List.of("status=dead", "type=x", "job_id=0", "job_id=a", "trigger_id=1", "limit=1000", "cursor=-5", "from=now")) {
      contract.conforms("results.list", http.get(BASE + "/results?" + bad), 400);
    }
  }

  @Test
  void hourlyMetricsAreScopedAndCountEveryAttempt() {
    Http.Response mine = alice.http().get(BASE + "/metrics/hourly");
    contract.conforms("metrics.hourly", mine, 200);
    JsonObject rest = mine.json().getJsonArray("hourly").stream().map(JsonObject.class::cast)
        .filter(h -> h.getString("action_type").equals("rest")).findFirst().orElseThrow();
    assertThat(rest.getLong("total_executions")).isGreaterThanOrEqualTo(4);
    assertThat(rest.getLong("failure_count")).isGreaterThanOrEqualTo(1);
    assertThat(rest.getLong("retrying_count")).isGreaterThanOrEqualTo(2);
    assertThat(rest.getInteger("p95_duration_ms")).isNotNull();
    long bobs = bob.http().get(BASE + "/metrics/hourly?type=rest").json().getJsonArray("hourly").getJsonObject(0).getLong("total_executions");
    long all = node.admin().http().get(BASE + "/metrics/hourly?type=rest").json().getJsonArray("hourly").getJsonObject(0).getLong("total_executions");
    assertThat(all).isGreaterThanOrEqualTo(rest.getLong("total_executions") + bobs);
    long now = System.currentTimeMillis() / 1000;
    assertThat(alice.http().get(BASE + "/metrics/hourly?from=" + (now - 7200) + "&to=" + (now - 5400))
        .json().getJsonArray("hourly")).isEmpty();
    assertThat(alice.http().get(BASE + "/metrics/hourly?type=telegram").json().getJsonArray("hourly")).isEmpty();
    for (String bad : List.of("type=x", "from=a", "to=-1", "from=100&to=50")) {
      contract.conforms("metrics.hourly", alice.http().get(BASE + "/metrics/hourly?" + bad), 400);
    }
  }

  @Test
  void mcpTokensAreAdminOnlyAndNeverReturned() throws Exception {
    Http admin = node.admin().http();
    String path = BASE + "/mcp-tokens/8453/42";
    Http.Response created = admin.putJson(path, new JsonObject().put("token", "tok-1"));
    contract.conforms("mcp_tokens.put", created, 201);
    assertThat(created.text()).doesNotContain("tok-1");
    contract.conforms("mcp_tokens.put", admin.putJson(path, new JsonObject().put("token", "tok-2")), 200);
    contract.conforms("mcp_tokens.put", alice.http().putJson(path, new JsonObject().put("token", "x")), 403);
    contract.conforms("mcp_tokens.delete", alice.http().delete(path), 403);
    for (JsonObject bad : List.of(new JsonObject(), new JsonObject().put("token", ""), new JsonObject().put("token", 5),
        new JsonObject().put("token", "x").put("other", 1), new JsonObject().put("token", "x".repeat(4097)))) {
      contract.conforms("mcp_tokens.put", admin.putJson(path, bad), 422);
    }
    for (String badPath : List.of("/mcp-tokens/0/42", "/mcp-tokens/x/42", "/mcp-tokens/8453/-1", "/mcp-tokens/8453/0x2a",
        "/mcp-tokens/8453/01", "/mcp-tokens/8453/" + "9".repeat(79))) {
      contract.conforms("mcp_tokens.put", admin.putJson(BASE + badPath, new JsonObject().put("token", "t")), 400);
    }
    try (Connection db = node.jdbc(); Statement sql = db.createStatement();
         var rows = sql.executeQuery("SELECT token_sealed FROM actions.agent_mcp_tokens WHERE chain_id = 8453 AND agent_id = 42")) {
      rows.next();
      assertThat(rows.getString(1)).doesNotContain("tok-2");
    }
    contract.conforms("mcp_tokens.delete", admin.delete(path), 204);
    contract.conforms("mcp_tokens.delete", admin.delete(path), 404);
    contract.conforms("mcp_tokens.delete", admin.delete(BASE + "/mcp-tokens/8453/abc"), 400);
  }

  @Test
  void validateNamesTheFieldOfEachMistake() {
    UUID owner = ActionsNode.ownerOf(alice);
    record Case(JsonObject action, String field, String says) {
    }
    JsonObject rest = new JsonObject().put("url", "https://example.org/hook");
    List<Case> cases = List.of(
        new Case(new JsonObject().put("action_type", "fax").put("config", new JsonObject()), "actions[0].action_type", "unknown action type"),
        new Case(new JsonObject().put("action_type", "rest").put("config", new JsonObject()), "actions[0].config.url", "required"),
        new Case(new JsonObject().put("action_type", "rest").put("config", new JsonObject().put("url", "ftp://x/")), "actions[0].config.url", "http"),
        new Case(new JsonObject().put("action_type", "rest").put("config", new JsonObject().put("url", "https://u:p@x/")), "actions[0].config.url", "credentials"),
        new Case(new JsonObject().put("action_type", "rest").put("config", rest.copy().put("timeout_ms", 999)), "actions[0].config.timeout_ms", "1000"),
        new Case(new JsonObject().put("action_type", "rest").put("config", rest.copy().put("timeout_ms", 300_001)), "actions[0].config.timeout_ms", "300000"),
        new Case(new JsonObject().put("action_type", "rest").put("config", rest.copy().put("body_template", new JsonObject().put("a", "{{nope}}"))),
            "actions[0].config.body_template.a", "unknown template variable {{nope}}"),
        new Case(new JsonObject().put("action_type", "rest").put("config", rest.copy().put("method", "TRACE")), "actions[0].config.method", "one of"),
        new Case(new JsonObject().put("action_type", "rest").put("config", rest.copy().put("method", "GET").put("body_template", "x")),
            "actions[0].config.body_template", "no body"),
        new Case(new JsonObject().put("action_type", "rest").put("config", rest.copy().put("headers", new JsonObject().put("Webhook-Id", "x"))),
            "actions[0].config.headers.Webhook-Id", "set by the node"),
        new Case(new JsonObject().put("action_type", "rest").put("config", rest.copy().put("expected_status", 99)), "actions[0].config.expected_status", "100 to 599"),
        new Case(new JsonObject().put("action_type", "rest").put("config", rest.copy().put("secret", "hunter2")), "actions[0].config.secret", "whsec_"),
        new Case(new JsonObject().put("action_type", "rest").put("config", rest.copy().put("colour", "red")), "actions[0].config.colour", "unknown field"),
        new Case(new JsonObject().put("action_type", "telegram").put("config", new JsonObject().put("text", "hi")), "actions[0].config.chat_id", "chat id"),
        new Case(new JsonObject().put("action_type", "telegram").put("config", new JsonObject().put("chat_id", 1).put("text", "{{who}}")),
            "actions[0].config.text", "{{who}}"),
        new Case(new JsonObject().put("action_type", "telegram").put("config", new JsonObject().put("chat_id", 1).put("text", "x").put("parse_mode", "Markdown")),
            "actions[0].config.parse_mode", "MarkdownV2 or HTML"),
        new Case(new JsonObject().put("action_type", "mcp").put("config", new JsonObject().put("tool_name", "t")), "actions[0].config.resolve_endpoint", "exactly one"),
        new Case(new JsonObject().put("action_type", "mcp").put("config", new JsonObject().put("tool_name", "t").put("resolve_endpoint", true)
            .put("server_url", "https://x/")), "actions[0].config.server_url", "exactly one"),
        new Case(new JsonObject().put("action_type", "mcp").put("config", new JsonObject().put("resolve_endpoint", true)), "actions[0].config.tool_name", "required"),
        new Case(new JsonObject().put("action_type", "mcp").put("config", new JsonObject().put("resolve_endpoint", true).put("tool_name", "t")
            .put("arguments", new JsonObject().put("f", "{{file_content}}"))), "actions[0].config.arguments.f", "include_file_content"),
        new Case(new JsonObject().put("action_type", "mcp").put("config", new JsonObject().put("resolve_endpoint", true).put("tool_name", "t")
            .put("include_file_content", true)), "actions[0].config.include_file_content", "verify_file_hash"),
        new Case(new JsonObject().put("action_type", "mcp").put("config", new JsonObject().put("resolve_endpoint", true).put("tool_name", "t")
            .put("timeout_ms", "fast")), "actions[0].config.timeout_ms", "integer"));
    for (Case c : cases) {
      JsonObject answer = ActionsNode.validate(node, owner, new JsonArray().add(new JsonObject().put("action_type", "rest").put("config", rest))
          .add(c.action()));
      assertThat(answer.getInteger("status")).as(c.field()).isEqualTo(422);
      assertThat(answer.getString("field")).as(answer.encode()).isEqualTo(c.field().replace("actions[0]", "actions[1]"));
      assertThat(answer.getString("message")).as(c.field()).contains(c.says());
    }
    JsonObject fine = ActionsNode.validate(node, owner, new JsonArray().add(new JsonObject().put("action_type", "telegram")
        .put("config", new JsonObject().put("chat_id", "@kos_alerts").put("text", "*{{agent_id}}*").put("parse_mode", "MarkdownV2"))));
    assertThat(fine.getJsonArray("actions").getJsonObject(0).getJsonObject("config").getString("chat_id")).isEqualTo("@kos_alerts");
  }

  @Test
  void enqueueRefusesAMalformedRequestAndStoresNothing() throws Exception {
    JsonObject good = new JsonObject().put("idempotency_key", "k-" + UUID.randomUUID())
        .put("trigger", new JsonObject().put("id", UUID.randomUUID().toString()).put("name", "t").put("owner_id", UUID.randomUUID().toString()))
        .put("action", new JsonObject().put("id", 1).put("action_type", "noop").put("priority", 1).put("config", new JsonObject()))
        .put("event", new JsonObject().put("id", "e"));
    for (String broken : List.of("idempotency_key", "trigger", "action", "event")) {
      JsonObject body = good.copy();
      body.remove(broken);
      assertThat(enqueueFailure(body)).as(broken).isEqualTo(422);
    }
    JsonObject badOwner = good.copy();
    badOwner.getJsonObject("trigger").put("owner_id", "me");
    assertThat(enqueueFailure(badOwner)).isEqualTo(422);
    JsonObject badEvent = good.copy().put("event", new JsonObject().put("id", 42));
    assertThat(enqueueFailure(badEvent)).isEqualTo(422);
    JsonObject badPriority = good.copy();
    badPriority.getJsonObject("action").put("priority", 101);
    assertThat(enqueueFailure(badPriority)).isEqualTo(422);
    try (Connection db = node.jdbc(); Statement sql = db.createStatement();
         var rows = sql.executeQuery("SELECT count(*) FROM actions.action_jobs WHERE idempotency_key = '" + good.getString("idempotency_key") + "'")) {
      rows.next();
      assertThat(rows.getInt(1)).isZero();
    }
  }

  private static int enqueueFailure(JsonObject body) {
    try {
      node.node().vertx().eventBus().request(io.kos.actions.api.ActionsAddresses.ENQUEUE, io.kos.verticle.ApiRequest.busRequest(body)).await();
      return 200;
    } catch (io.vertx.core.eventbus.ReplyException e) {
      return e.failureCode();
    }
  }

  private static List<Long> ids(Http.Response page, String key) {
    assertThat(page.status()).as(page.toString()).isEqualTo(200);
    return page.json().getJsonArray(key).stream().map(j -> ((JsonObject) j).getLong("id")).toList();
  }
}
