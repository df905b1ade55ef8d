package io.kos.hakim;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Alert rules over a fake node's reports, delivered through the actions verticle to a REST
 * receiver on loopback: an alert opened and notified, escalated after its delay, resolved by
 * itself when the figure clears; an acknowledged alert that stops escalating; cooldown; and every
 * bad rule refused naming its field.
 */
class AlertsTest {

  private static final String BASE = "/api/hakim/v1";
  private static Vertx vertx;
  private static TestNode hakim;
  private static FakeNode fake;
  private static RestReceiver receiver;
  private static ApiContract contract;
  private static Accounts.Session alice;
  private static Accounts.Session bob;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    fake = new FakeNode(vertx, "tohunga");
    receiver = new RestReceiver(vertx);
    hakim = TestNode.start(Map.of("verticles.deploy", "hakim,actions", "outbound.allow", "127.0.0.0/8"), TestNode.configFile("""
        verticles:
          config:
            hakim:
              interval_ms: 200
        """));
    contract = ApiContract.served(hakim, HakimModule.NAME);
    alice = hakim.user("alice", "editor");
    bob = hakim.user("bob", "editor");
    assertThat(alice.http().postJson(BASE + "/nodes", new JsonObject().put("endpoint", fake.url())).status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    hakim.close();
    fake.close();
    vertx.close().await();
  }

  @Test
  void anAlertIsNotifiedEscalatedAndResolvedWhenItsFigureClears() {
    JsonObject rule = create(new JsonObject().put("name", "busy").put("target_node_did", fake.did()).put("metric", "cpu_usage_percent")
        .put("operator", "gt").put("threshold", 90).put("severity", "high").put("cooldown_seconds", 0)
        .put("channels", new JsonArray().add(rest("/first"))).put("escalation_policy_id", policy("page", 1, "/escalated")));
    assertThat(rule.getJsonArray("channels").getJsonObject(0).getJsonObject("config").getString("url")).endsWith("/first");
    fake.metric("cpu_usage_percent", 97);
    JsonObject first = delivery("/first", "alert");
    JsonObject alert = first.getJsonObject("event").getJsonObject("alert");
    assertThat(alert.getString("status")).isEqualTo("active");
    assertThat(alert.getString("severity")).isEqualTo("high");
    assertThat(alert.getString("message")).contains("cpu_usage_percent").contains("gt 90");
    assertThat(first.getJsonObject("trigger").getString("name")).isEqualTo("hakim: busy");
    // still above after a second: the first escalation level
    assertThat(delivery("/escalated", "escalated").getJsonObject("event").getInteger("level")).isEqualTo(1);
    fake.metric("cpu_usage_percent", 20);
    delivery("/first", "resolved");
    Http.Response listed = alice.http().await(BASE + "/alerts?target=" + fake.did(), r -> r.json().getJsonArray("alerts").stream()
        .anyMatch(a -> ((JsonObject) a).getString("alert_id").equals(alert.getString("alert_id"))
            && List.of("resolved", "closed").contains(((JsonObject) a).getString("status"))), Duration.ofSeconds(20));
    contract.conforms("alerts.list", listed, 200);
    JsonObject stored = listed.json().getJsonArray("alerts").stream().map(JsonObject.class::cast)
        .filter(a -> a.getString("alert_id").equals(alert.getString("alert_id"))).findFirst().orElseThrow();
    assertThat(stored.getInteger("escalation_level")).isEqualTo(1);
    assertThat(stored.getJsonArray("notifications").stream().map(n -> ((JsonObject) n).getString("kind")))
        .containsExactly("alert", "escalated", "resolved");
    assertThat(stored.getJsonArray("notifications").stream().map(n -> ((JsonObject) n).getValue("job_id"))).doesNotContainNull();
    // cooldown 0: resolved, then closed
    alice.http().await(BASE + "/alerts?status=closed", r -> r.json().getJsonArray("alerts").size() > 0, Duration.ofSeconds(10));
    // bob sees none of it
    assertThat(bob.http().get(BASE + "/alerts").json().getJsonArray("alerts")).isEmpty();
    assertThat(bob.http().get(BASE + "/alert-rules/" + rule.getString("rule_id")).status()).isEqualTo(404);
    assertThat(alice.http().delete(BASE + "/alert-rules/" + rule.getString("rule_id")).status()).isEqualTo(204);
  }

  @Test
  void anAcknowledgedAlertStopsEscalatingAndAResolvedOneWaitsOutItsCooldown() {
    JsonObject rule = create(new JsonObject().put("name", "down").put("diagnosis_code", "NODE_UNREACHABLE").put("severity", "critical")
        .put("cooldown_seconds", 3600).put("channels", new JsonArray().add(rest("/down")))
        .put("escalation_policy_id", policy("down", 2, "/down-escalated")));
    fake.status(503);
    String alertId = delivery("/down", "alert").getJsonObject("event").getJsonObject("alert").getString("alert_id");
    Http.Response acknowledged = alice.http().postJson(BASE + "/alerts/" + alertId + "/acknowledge", new JsonObject());
    contract.conforms("alerts.acknowledge", acknowledged, 200);
    assertThat(acknowledged.json().getString("status")).isEqualTo("acknowledged");
    Http.Response again = alice.http().postJson(BASE + "/alerts/" + alertId + "/acknowledge", new JsonObject());
    assertThat(again.status()).isEqualTo(409);
    contract.conforms("alerts.acknowledge", again, 409);
    io.kos.node.testkit.NodeProcess.sleep(2600);
    assertThat(receiver.count("/down-escalated")).isZero();
    fake.status(200);
    delivery("/down", "resolved");
    // down again within the cooldown: no new alert
    fake.status(503);
    io.kos.node.testkit.NodeProcess.sleep(1000);
    fake.status(200);
    assertThat(receiver.count("/down", "alert")).isEqualTo(1);
    Http.Response resolvedAgain = alice.http().postJson(BASE + "/alerts/" + alertId + "/resolve", new JsonObject());
    assertThat(resolvedAgain.status()).isEqualTo(409);
    assertThat(alice.http().delete(BASE + "/alert-rules/" + rule.getString("rule_id")).status()).isEqualTo(204);
  }

  @Test
  void aRuleIsReadUpdatedAndEveryBadFieldIsNamed() {
    JsonObject rule = create(new JsonObject().put("name", "disk").put("metric", "disk_usage_percent").put("operator", "gte").put("threshold", 95)
        .put("window_seconds", 60).put("enabled", false));
    String id = rule.getString("rule_id");
    assertThat(rule.getString("target_node_did")).isNull();
    assertThat(rule.getString("severity")).isEqualTo("medium");
    Http.Response updated = alice.http().putJson(BASE + "/alert-rules/" + id, new JsonObject().put("name", "disk full").put("metric", "disk_usage_percent")
        .put("operator", "gte").put("threshold", 98));
    contract.conforms("alert_rules.update", updated, 200);
    assertThat(updated.json().getDouble("threshold")).isEqualTo(98.0);
    assertThat(updated.json().getBoolean("enabled")).isTrue();
    Http.Response one = alice.http().get(BASE + "/alert-rules/" + id);
    contract.conforms("alert_rules.get", one, 200);
    Http.Response list = alice.http().get(BASE + "/alert-rules");
    contract.conforms("alert_rules.list", list, 200);
    assertThat(list.json().getJsonArray("rules").stream().map(r -> ((JsonObject) r).getString("rule_id"))).contains(id);
    assertThat(bob.http().putJson(BASE + "/alert-rules/" + id, new JsonObject().put("name", "x").put("metric", "m").put("operator", "gt")
        .put("threshold", 1)).status()).isEqualTo(404);

    JsonObject base = new JsonObject().put("name", "r").put("metric", "cpu_usage_percent").put("operator", "gt").put("threshold", 1);
    String bobsPolicy = bob.http().postJson(BASE + "/escalation-policies", new JsonObject().put("name", "bob's")
        .put("levels", new JsonArray().add(new JsonObject().put("after_seconds", 5).put("channels", new JsonArray())))).json().getString("policy_id");
    Object[][] bad = {
        {new JsonObject(), "name"},
        {base.copy().put("name", " "), "name"},
        {without(base, "metric"), "metric"},
        {base.copy().put("diagnosis_code", "HIGH_CPU_LOAD"), "diagnosis_code"},
        {base.copy().put("metric", "CPU"), "metric"},
        {without(base, "metric").put("diagnosis_code", "SOMETHING"), "diagnosis_code"},
        {without(without(base, "metric"), "threshold").put("diagnosis_code", "HIGH_CPU_LOAD").put("operator", "gt"), "operator"},
        {without(without(base, "metric"), "operator").put("diagnosis_code", "HIGH_CPU_LOAD"), "threshold"},
        {base.copy().put("operator", "ne"), "operator"},
        {without(base, "threshold"), "threshold"},
        {base.copy().put("threshold", "high"), "threshold"},
        {base.copy().put("severity", "urgent"), "severity"},
        {base.copy().put("window_seconds", -1), "window_seconds"},
        {base.copy().put("cooldown_seconds", "soon"), "cooldown_seconds"},
        {base.copy().put("target_node_did", "node-1"), "target_node_did"},
        {base.copy().put("channels", new JsonArray().add("x")), "channels[0]"},
        {base.copy().put("channels", new JsonArray().add(new JsonObject().put("action_type", "rest").put("config", new JsonObject()))),
            "channels[0].config.url"},
        {base.copy().put("escalation_policy_id", "page"), "escalation_policy_id"},
        {base.copy().put("escalation_policy_id", java.util.UUID.randomUUID().toString()), "escalation_policy_id"},
        {base.copy().put("escalation_policy_id", bobsPolicy), "escalation_policy_id"},
        {base.copy().put("escalation", new JsonArray()), "escalation"},
        {base.copy().put("extra", 1), "extra"},
    };
    for (Object[] body : bad) {
      Http.Response response = alice.http().postJson(BASE + "/alert-rules", body[0]);
      assertThat(response.status()).as(body[0] + " " + response).isEqualTo(422);
      assertThat(response.json().getString("field")).as(body[0] + " " + response).isEqualTo(body[1]);
      contract.conforms("alert_rules.create", response, 422);
    }
    assertThat(alice.http().get(BASE + "/alerts?status=loud").status()).isEqualTo(400);
    assertThat(alice.http().get(BASE + "/alert-rules?limit=0").status()).isEqualTo(400);
    assertThat(alice.http().postJson(BASE + "/alerts/" + java.util.UUID.randomUUID() + "/resolve", new JsonObject()).status()).isEqualTo(404);
    assertThat(alice.http().delete(BASE + "/alert-rules/" + id).status()).isEqualTo(204);
    assertThat(alice.http().delete(BASE + "/alert-rules/" + id).status()).isEqualTo(404);
  }

  @Test
  void anEscalationPolicyIsSharedEditedAndNotDeletedWhileARuleNamesIt() {
    String id = policy("shared", 30, "/shared");
    Http.Response one = alice.http().get(BASE + "/escalation-policies/" + id);
    contract.conforms("escalation_policies.get", one, 200);
    assertThat(one.json().getJsonArray("levels").getJsonObject(0).getJsonArray("channels").getJsonObject(0).getJsonObject("config")
        .getString("url")).endsWith("/shared");
    JsonObject twoLevels = new JsonObject().put("name", "shared, louder").put("levels", new JsonArray()
        .add(new JsonObject().put("after_seconds", 30).put("channels", new JsonArray().add(rest("/shared"))))
        .add(new JsonObject().put("after_seconds", 600).put("channels", new JsonArray().add(rest("/shared-2")))));
    Http.Response updated = alice.http().putJson(BASE + "/escalation-policies/" + id, twoLevels);
    contract.conforms("escalation_policies.update", updated, 200);
    assertThat(updated.json().getString("name")).isEqualTo("shared, louder");
    assertThat(updated.json().getJsonArray("levels")).hasSize(2);
    Http.Response list = alice.http().get(BASE + "/escalation-policies?limit=1");
    contract.conforms("escalation_policies.list", list, 200);
    assertThat(list.json().getJsonArray("policies")).hasSize(1);
    assertThat(alice.http().get(BASE + "/escalation-policies?limit=1&after=" + list.json().getString("next_cursor")).status()).isEqualTo(200);
    assertThat(alice.http().get(BASE + "/escalation-policies?limit=0").status()).isEqualTo(400);
    assertThat(alice.http().get(BASE + "/escalation-policies?after=nonsense").status()).isEqualTo(400);
    // two rules share it
    List<String> rules = new java.util.ArrayList<>();
    for (String name : List.of("a", "b")) {
      rules.add(create(new JsonObject().put("name", name).put("metric", "cpu_usage_percent").put("operator", "gt").put("threshold", 999)
          .put("escalation_policy_id", id)).getString("rule_id"));
    }
    assertThat(alice.http().get(BASE + "/alert-rules/" + rules.get(0)).json().getString("escalation_policy_id")).isEqualTo(id);
    // bob neither sees nor changes it
    assertThat(bob.http().get(BASE + "/escalation-policies/" + id).status()).isEqualTo(404);
    assertThat(bob.http().putJson(BASE + "/escalation-policies/" + id, twoLevels).status()).isEqualTo(404);
    assertThat(bob.http().delete(BASE + "/escalation-policies/" + id).status()).isEqualTo(404);
    Http.Response inUse = alice.http().delete(BASE + "/escalation-policies/" + id);
    assertThat(inUse.status()).as(inUse.toString()).isEqualTo(409);
    assertThat(inUse.json().getString("error")).isEqualTo("escalation_policy_in_use");
    contract.conforms("escalation_policies.delete", inUse, 409);
    // one rule drops it, the other is deleted: then it goes
    assertThat(alice.http().putJson(BASE + "/alert-rules/" + rules.get(0), new JsonObject().put("name", "a").put("metric", "cpu_usage_percent")
        .put("operator", "gt").put("threshold", 999)).json().getString("escalation_policy_id")).isNull();
    assertThat(alice.http().delete(BASE + "/alert-rules/" + rules.get(1)).status()).isEqualTo(204);
    assertThat(alice.http().delete(BASE + "/escalation-policies/" + id).status()).isEqualTo(204);
    assertThat(alice.http().get(BASE + "/escalation-policies/" + id).status()).isEqualTo(404);
    assertThat(alice.http().delete(BASE + "/escalation-policies/" + id).status()).isEqualTo(404);
    assertThat(alice.http().get(BASE + "/escalation-policies/not-a-uuid").status()).isEqualTo(404);
    assertThat(alice.http().delete(BASE + "/alert-rules/" + rules.get(0)).status()).isEqualTo(204);

    JsonArray oneLevel = new JsonArray().add(new JsonObject().put("after_seconds", 10).put("channels", new JsonArray()));
    JsonObject base = new JsonObject().put("name", "p").put("levels", oneLevel);
    JsonArray six = new JsonArray();
    for (int i = 1; i <= 6; i++) {
      six.add(new JsonObject().put("after_seconds", i).put("channels", new JsonArray()));
    }
    Object[][] bad = {
        {new JsonObject(), "name"},
        {base.copy().put("name", " "), "name"},
        {without(base, "levels"), "levels"},
        {base.copy().put("levels", new JsonArray()), "levels"},
        {base.copy().put("levels", "soon"), "levels"},
        {base.copy().put("levels", new JsonArray().add(1)), "levels[0]"},
        {base.copy().put("levels", new JsonArray().add(new JsonObject().put("after_seconds", 0).put("channels", new JsonArray()))),
            "levels[0].after_seconds"},
        {base.copy().put("levels", new JsonArray().add(new JsonObject().put("channels", new JsonArray()))), "levels[0].after_seconds"},
        {base.copy().put("levels", new JsonArray().add(new JsonObject().put("after_seconds", 5))), "levels[0].channels"},
        {base.copy().put("levels", oneLevel.copy().add(new JsonObject().put("after_seconds", 5).put("channels", new JsonArray()))),
            "levels[1].after_seconds"},
        {base.copy().put("levels", new JsonArray().add(new JsonObject().put("after_seconds", 10).put("channels", new JsonArray()
            .add(new JsonObject().put("action_type", "pager").put("config", new JsonObject()))))), "levels[0].channels[0].action_type"},
        {base.copy().put("levels", new JsonArray().add(new JsonObject().put("after_seconds", 10).put("channels", new JsonArray().add("x")))),
            "levels[0].channels[0]"},
        {base.copy().put("levels", new JsonArray().add(new JsonObject().put("after_seconds", 10).put("channels", new JsonArray()).put("when", 1))),
            "levels[0].when"},
        {base.copy().put("levels", six), "levels"},
        {base.copy().put("rules", 1), "rules"},
    };
    for (Object[] body : bad) {
      Http.Response response = alice.http().postJson(BASE + "/escalation-policies", body[0]);
      assertThat(response.status()).as(body[0] + " " + response).isEqualTo(422);
      assertThat(response.json().getString("field")).as(body[0] + " " + response).isEqualTo(body[1]);
      contract.conforms("escalation_policies.create", response, 422);
    }
  }

  /** A policy of one level after {@code afterSeconds}, notifying the receiver at {@code path}; its id. */
  private static String policy(String name, int afterSeconds, String path) {
    Http.Response created = alice.http().postJson(BASE + "/escalation-policies", new JsonObject().put("name", name).put("levels",
        new JsonArray().add(new JsonObject().put("after_seconds", afterSeconds).put("channels", new JsonArray().add(rest(path))))));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    contract.conforms("escalation_policies.create", created, 201);
    return created.json().getString("policy_id");
  }

  private static JsonObject without(JsonObject body, String field) {
    JsonObject copy = body.copy();
    copy.remove(field);
    return copy;
  }

  private static JsonObject create(JsonObject body) {
    Http.Response created = alice.http().postJson(BASE + "/alert-rules", body);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    contract.conforms("alert_rules.create", created, 201);
    return created.json();
  }

  private static JsonObject rest(String path) {
    return receiver.channel(path);
  }

  private static JsonObject delivery(String path, String kind) {
    return receiver.delivery(path, kind);
  }

}
