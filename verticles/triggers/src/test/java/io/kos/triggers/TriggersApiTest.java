package io.kos.triggers;

import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every route of {@code /api/triggers/v1} with each of its parameters, valid and not, checked
 * against the OpenAPI document; owner isolation for every route (two editors, a viewer, an admin).
 */
class TriggersApiTest {

  private static final String BASE = "/api/triggers/v1";
  private static TestNode node;
  private static ApiContract contract;
  private static Pipeline pipeline;
  private static Http alice;
  private static Http bob;
  private static Http viewer;
  private static Http admin;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "ingest,triggers"));
    contract = ApiContract.served(node, TriggersModule.NAME);
    pipeline = new Pipeline().answer(node.node().vertx());
    alice = node.user("alice", "editor").http();
    bob = node.user("bob", "editor").http();
    viewer = node.user("vera", "viewer").http();
    admin = node.admin().http();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static JsonObject body(String name, long chainId) {
    return new JsonObject().put("name", name).put("description", "agent 42's feedback").put("chain_id", chainId).put("registry", "reputation")
        .put("conditions", new JsonArray()
            .add(new JsonObject().put("condition_type", "agent_id_equals").put("operator", "in").put("value", new JsonArray().add(42).add("43")))
            .add(new JsonObject().put("condition_type", "ema_threshold").put("field", "value").put("operator", "<").put("value", "0.25")
                .put("config", new JsonObject().put("window_size", 5).put("min_count", 2))))
        .put("actions", new JsonArray().add(new JsonObject().put("action_type", "telegram").put("config", new JsonObject().put("chat_id", "1"))));
  }

  private static JsonObject created(Http who, JsonObject body) {
    Http.Response response = who.postJson(BASE + "/triggers", body);
    contract.conforms("triggers.create", response, 201);
    return response.json();
  }

  @Test
  void theDocumentCoversEveryRouteAndErrorCode() {
    contract.coversExactly(new TriggersModule().routes());
    contract.listsErrorCodes(new TriggersModule().errorCodes());
  }

  @Test
  void createGetReplacePatchDelete() {
    JsonObject t = created(alice, body("crud", 70_001));
    String id = t.getString("id");
    assertThat(t.getBoolean("is_stateful")).isTrue();
    assertThat(t.getInteger("fire_limit_per_hour")).isEqualTo(100);
    assertThat(t.getJsonArray("conditions").getJsonObject(0).getJsonArray("value")).containsExactly("42", "43");
    assertThat(t.getJsonArray("conditions").getJsonObject(1).getJsonObject("config").getInteger("window_size")).isEqualTo(5);
    assertThat(t.getJsonArray("actions").getJsonObject(0).getInteger("priority")).isEqualTo(1);
    Http.Response got = alice.get(BASE + "/triggers/" + id);
    contract.conforms("triggers.get", got, 200);
    assertThat(got.json()).isEqualTo(t);

    JsonObject replacement = body("crud v2", 70_001).put("conditions", new JsonArray()).put("enabled", false);
    Http.Response replaced = alice.putJson(BASE + "/triggers/" + id, replacement);
    contract.conforms("triggers.replace", replaced, 200);
    assertThat(replaced.json().getString("name")).isEqualTo("crud v2");
    assertThat(replaced.json().getBoolean("enabled")).isFalse();
    assertThat(replaced.json().getBoolean("is_stateful")).isFalse();
    assertThat(replaced.json().getJsonArray("conditions")).isEmpty();

    Http.Response patched = alice.patchJson(BASE + "/triggers/" + id, new JsonObject().put("enabled", true).put("fire_limit_per_hour", 7)
        .put("description", null));
    contract.conforms("triggers.patch", patched, 200);
    assertThat(patched.json().getBoolean("enabled")).isTrue();
    assertThat(patched.json().getInteger("fire_limit_per_hour")).isEqualTo(7);
    assertThat(patched.json().getValue("description")).isNull();
    assertThat(patched.json().getString("name")).isEqualTo("crud v2");
    Http.Response renamed = alice.patchJson(BASE + "/triggers/" + id, new JsonObject().put("name", "crud v3").put("description", "again"));
    assertThat(renamed.json().getString("name")).isEqualTo("crud v3");
    assertThat(renamed.json().getString("description")).isEqualTo("again");
    assertThat(renamed.json().getInteger("fire_limit_per_hour")).isEqualTo(7);

    Http.Response deleted = alice.delete(BASE + "/triggers/" + id);
    assertThat(deleted.status()).isEqualTo(204);
    contract.conforms("triggers.get", alice.get(BASE + "/triggers/" + id), 404);
    contract.conforms("triggers.delete", alice.delete(BASE + "/triggers/" + id), 404);
  }

  @Test
  void badBodiesAre422NamingTheField() {
    assertRefused(body("x", 1).put("registry", "ledger"), "registry");
    assertRefused(body("x", 0), "chain_id");
    assertRefused(body("x", 1).put("chain_id", "1"), "chain_id");
    assertRefused(body("", 1), "name");
    assertRefused(body("   ", 1), "name");
    assertRefused(body("x", 1).put("name", "a".repeat(201)), "name");
    assertRefused(body("x", 1).put("name", "a\u0000b"), "name");
    assertRefused(body("x", 1).put("owner_id", "someone"), "owner_id");
    assertRefused(body("x", 1).put("enabled", "yes"), "enabled");
    assertRefused(body("x", 1).put("fire_limit_per_hour", 0), "fire_limit_per_hour");
    assertRefused(body("x", 1).put("conditions", "none"), "conditions");
    JsonObject badCondition = body("x", 1);
    badCondition.getJsonArray("conditions").getJsonObject(1).put("operator", "~");
    assertRefused(badCondition, "conditions[1].operator");
    assertRefused(body("x", 1).put("actions", new JsonArray().add(new JsonObject().put("action_type", "email").put("config", new JsonObject()))),
        "actions[0].action_type");
    assertRefused(body("x", 1).put("actions", new JsonArray().add(new JsonObject().put("action_type", "rest").put("priority", 101)
        .put("config", new JsonObject()))), "actions[0].priority");
    assertRefused(body("x", 1).put("actions", new JsonArray().add(new JsonObject().put("action_type", "rest"))), "actions[0].config");
    // the actions verticle's refusal names the action's field
    Http.Response badAction = alice.postJson(BASE + "/triggers", body("x", 1).put("actions", new JsonArray()
        .add(new JsonObject().put("action_type", "rest").put("config", new JsonObject().put("bad", true)))));
    contract.conforms("triggers.create", badAction, 422);
    assertThat(badAction.json().getString("error")).isEqualTo("invalid_action");
    assertThat(badAction.json().getString("field")).isEqualTo("actions[0].config.bad");
    contract.conforms("triggers.create", alice.post(BASE + "/triggers", "application/json", "{"), 400);
    contract.conforms("triggers.create", alice.post(BASE + "/triggers", "application/json", "[]"), 400);
    Http.Response list = alice.get(BASE + "/triggers?chain_id=1");
    assertThat(list.json().getJsonArray("triggers")).as("nothing stored by a refused write").isEmpty();
  }

  private static void assertRefused(JsonObject body, String field) {
    Http.Response response = alice.postJson(BASE + "/triggers", body);
    contract.conforms("triggers.create", response, 422);
    assertThat(response.json().getString("field")).as(response.toString()).isEqualTo(field);
  }

  @Test
  void aWriteWithActionsIs503WhenNoActionsVerticleAnswers() {
    pipeline.stop();
    try {
      Http.Response response = alice.postJson(BASE + "/triggers", body("no actions verticle", 70_009));
      contract.conforms("triggers.create", response, 503);
      assertThat(response.json().getString("error")).isEqualTo("actions_unavailable");
      assertThat(response.header("Retry-After")).isNotNull();
      // a trigger without actions needs no check
      created(alice, body("silent", 70_009).put("actions", new JsonArray()));
    } finally {
      pipeline.answer(node.node().vertx());
    }
    assertThat(alice.get(BASE + "/triggers?chain_id=70009").json().getJsonArray("triggers")).extracting(t -> ((JsonObject) t).getString("name"))
        .containsExactly("silent");
  }

  @Test
  void listFiltersAndPages() {
    created(alice, body("a", 70_002));
    created(alice, body("b", 70_002).put("enabled", false));
    created(alice, body("c", 70_003).put("registry", "validation").put("conditions", new JsonArray()));
    Http.Response all = alice.get(BASE + "/triggers?chain_id=70002");
    contract.conforms("triggers.list", all, 200);
    assertThat(all.json().getJsonArray("triggers")).hasSize(2);
    assertThat(alice.get(BASE + "/triggers?chain_id=70002&enabled=false").json().getJsonArray("triggers")).hasSize(1);
    assertThat(alice.get(BASE + "/triggers?chain_id=70002&enabled=true").json().getJsonArray("triggers")).hasSize(1);
    assertThat(alice.get(BASE + "/triggers?registry=validation&chain_id=70003").json().getJsonArray("triggers")).hasSize(1);
    assertThat(alice.get(BASE + "/triggers?registry=identity&chain_id=70003").json().getJsonArray("triggers")).isEmpty();
    Http.Response first = alice.get(BASE + "/triggers?chain_id=70002&limit=1");
    String cursor = first.json().getString("next_cursor");
    assertThat(cursor).isNotNull();
    Http.Response second = alice.get(BASE + "/triggers?chain_id=70002&limit=1&cursor=" + cursor);
    contract.conforms("triggers.list", second, 200);
    assertThat(second.json().getJsonArray("triggers").getJsonObject(0).getString("id"))
        .isNotEqualTo(first.json().getJsonArray("triggers").getJsonObject(0).getString("id"));
    for (String bad : new String[] {"chain_id=0", "chain_id=abc", "chain_id=%2B1", "registry=ledger", "enabled=maybe", "limit=0", "limit=201",
        "cursor=nope", "cursor=%00"}) {
      Http.Response refused = alice.get(BASE + "/triggers?" + bad);
      contract.conforms("triggers.list", refused, 400);
    }
  }

  @Test
  void everyRouteIsOwnerScoped() {
    String id = created(alice, body("alice's", 70_004)).getString("id");
    String path = BASE + "/triggers/" + id;
    // bob sees none of it and changes none of it: 404, as for a trigger that does not exist
    contract.conforms("triggers.get", bob.get(path), 404);
    contract.conforms("triggers.replace", bob.putJson(path, body("mine now", 70_004)), 404);
    contract.conforms("triggers.patch", bob.patchJson(path, new JsonObject().put("enabled", false)), 404);
    contract.conforms("triggers.delete", bob.delete(path), 404);
    contract.conforms("triggers.state", bob.get(path + "/state"), 404);
    contract.conforms("triggers.fires", bob.get(path + "/fires"), 404);
    contract.conforms("triggers.test", bob.postJson(path + "/test", new JsonObject().put("event", Pipeline.feedback(70_004, 1, 0, "42", 1))), 404);
    assertThat(bob.get(BASE + "/triggers?chain_id=70004").json().getJsonArray("triggers")).isEmpty();
    // a viewer reads nothing of others' and writes nothing
    contract.conforms("triggers.get", viewer.get(path), 404);
    contract.conforms("triggers.create", viewer.postJson(BASE + "/triggers", body("v", 70_004)), 403);
    contract.conforms("triggers.patch", viewer.patchJson(path, new JsonObject().put("enabled", false)), 403);
    // an admin sees and changes everyone's
    contract.conforms("triggers.get", admin.get(path), 200);
    assertThat(admin.get(BASE + "/triggers?chain_id=70004").json().getJsonArray("triggers")).hasSize(1);
    contract.conforms("triggers.patch", admin.patchJson(path, new JsonObject().put("name", "renamed by admin")), 200);
    assertThat(alice.get(path).json().getString("name")).isEqualTo("renamed by admin");
    // anonymous: 401
    contract.conforms("triggers.list", node.http().get(BASE + "/triggers"), 401);
    // ids that are not UUIDs are simply not found
    contract.conforms("triggers.get", alice.get(BASE + "/triggers/42"), 404);
    contract.conforms("triggers.get", alice.get(BASE + "/triggers/" + java.util.UUID.randomUUID()), 404);
  }

  @Test
  void patchChecksEachField() {
    String path = BASE + "/triggers/" + created(alice, body("p", 70_005)).getString("id");
    for (JsonObject bad : new JsonObject[] {new JsonObject().put("enabled", "no"), new JsonObject().put("fire_limit_per_hour", 100_001),
        new JsonObject().put("name", ""), new JsonObject().put("name", 5), new JsonObject().put("registry", "identity"),
        new JsonObject().put("description", "d".repeat(2001))}) {
      Http.Response refused = alice.patchJson(path, bad);
      contract.conforms("triggers.patch", refused, 422);
    }
  }

  @Test
  void dryRunSaysWhichConditionsPassAndChangesNothing() throws Exception {
    String id = created(alice, body("dry", 70_006)).getString("id");
    String path = BASE + "/triggers/" + id;
    Http.Response inline = alice.postJson(path + "/test", new JsonObject().put("event", Pipeline.feedback(70_006, 1, 0, "42", 0)
        .put("value_decimal", "0")));
    contract.conforms("triggers.test", inline, 200);
    JsonArray results = inline.json().getJsonArray("conditions");
    assertThat(inline.json().getBoolean("in_scope")).isTrue();
    assertThat(results.getJsonObject(0).getBoolean("passed")).isTrue();
    // min_count 2: one sample is not enough
    assertThat(results.getJsonObject(1).getBoolean("passed")).isFalse();
    assertThat(inline.json().getBoolean("would_fire")).isFalse();
    Http.Response otherAgent = alice.postJson(path + "/test", new JsonObject().put("event", Pipeline.feedback(70_006, 1, 0, "7", 0)));
    assertThat(otherAgent.json().getJsonArray("conditions").getJsonObject(1).getString("reason")).contains("not updated");
    assertThat(alice.postJson(path + "/test", new JsonObject().put("event", Pipeline.feedback(1, 1, 0, "42", 0))).json().getBoolean("in_scope"))
        .isFalse();
    // by seq, from the log
    Pipeline.push(Pipeline.producer(node), Pipeline.feedback(70_006, 5, 0, "43", 0));
    long seq = alice.get("/api/ingest/v1/events?chain_id=70006").json().getJsonArray("events").getJsonObject(0).getLong("seq");
    Http.Response bySeq = alice.postJson(path + "/test", new JsonObject().put("event_seq", seq));
    contract.conforms("triggers.test", bySeq, 200);
    assertThat(bySeq.json().getLong("event_seq")).isEqualTo(seq);
    // nothing changed: the evaluator's own count of the same event is the first
    Pipeline.await(Duration.ofSeconds(10), () -> alice.get(path + "/state").json().getJsonArray("conditions").getJsonObject(0)
        .getLong("last_seq") == seq, "the live evaluation of the pushed event");
    JsonObject live = alice.get(path + "/state").json().getJsonArray("conditions").getJsonObject(0).getJsonObject("state");
    assertThat(live.getJsonObject("averages").getJsonObject("").getLong("count")).isEqualTo(1);
    contract.conforms("triggers.state", alice.get(path + "/state"), 200);
    for (JsonObject bad : new JsonObject[] {new JsonObject(), new JsonObject().put("event_seq", seq).put("event", new JsonObject()),
        new JsonObject().put("event_seq", 0), new JsonObject().put("event_seq", 999_999_999L), new JsonObject().put("event", "x"),
        new JsonObject().put("event", new JsonObject().put("registry", "reputation").put("timestamp", 1)),
        new JsonObject().put("event", Pipeline.feedback(70_006, 1, 0, "42", 0).put("score", "high")),
        new JsonObject().put("event", withoutTimestamp(Pipeline.feedback(70_006, 1, 0, "42", 0))),
        new JsonObject().put("other", 1)}) {
      Http.Response refused = alice.postJson(path + "/test", bad);
      contract.conforms("triggers.test", refused, 422);
    }
  }

  private static JsonObject withoutTimestamp(JsonObject event) {
    event.remove("timestamp");
    return event;
  }

  @Test
  void backtestBoundsAreChecked() {
    String path = BASE + "/triggers/" + created(alice, body("bt", 70_008)).getString("id") + "/backtest";
    Http.Response empty = alice.postJson(path, new JsonObject().put("from_seq", 1).put("to_seq", 1));
    contract.conforms("triggers.backtest", empty, 200);
    Http.Response noEvents = alice.postJson(path, new JsonObject().put("from_time", 1).put("to_time", 2));
    contract.conforms("triggers.backtest", noEvents, 200);
    assertThat(noEvents.json().getLong("events_evaluated")).isZero();
    for (JsonObject bad : new JsonObject[] {new JsonObject(), new JsonObject().put("from_seq", 5), new JsonObject().put("from_seq", 5).put("to_seq", 4),
        new JsonObject().put("from_seq", 0).put("to_seq", 4), new JsonObject().put("from_seq", 1).put("to_seq", 100_001),
        new JsonObject().put("from_seq", "1").put("to_seq", 2), new JsonObject().put("from_seq", 1).put("to_seq", 2).put("from_time", 1),
        new JsonObject().put("from_time", 10).put("to_time", 9), new JsonObject().put("from_time", -1).put("to_time", 9),
        new JsonObject().put("to_time", 9), new JsonObject().put("from_time", 1).put("to_time", 2).put("limit", 1)}) {
      contract.conforms("triggers.backtest", alice.postJson(path, bad), 422);
    }
    contract.conforms("triggers.backtest", bob.postJson(path, new JsonObject().put("from_seq", 1).put("to_seq", 1)), 404);
  }

  @Test
  void aFollowIsOneManagedTriggerPerRegistryForOneAgent() throws Exception {
    JsonObject body = new JsonObject().put("chain_id", 70_010).put("agent_id", 42).put("actions", new JsonArray()
        .add(new JsonObject().put("action_type", "telegram").put("config", new JsonObject().put("chat_id", "1"))));
    Http.Response created = alice.postJson(BASE + "/follows", body);
    contract.conforms("follows.create", created, 201);
    JsonObject follow = created.json();
    assertThat(follow.getString("agent_id")).isEqualTo("42");
    assertThat(follow.getJsonArray("trigger_ids")).hasSize(3);
    String followId = follow.getString("id");
    JsonArray triggers = alice.get(BASE + "/triggers?chain_id=70010").json().getJsonArray("triggers");
    assertThat(triggers.stream().map(t -> ((JsonObject) t).getString("registry")).toList())
        .containsExactlyInAnyOrder("identity", "reputation", "validation");
    assertThat(triggers).allSatisfy(t -> assertThat(((JsonObject) t).getString("follow_id")).isEqualTo(followId));
    // a v1 feedback for agent 42 fires the reputation trigger
    Pipeline.push(Pipeline.producer(node), Pipeline.v1Feedback(70_010, 1, 0, "42", "5", 1), Pipeline.v1Feedback(70_010, 1, 1, "43", "5", 1));
    String reputation = triggers.stream().map(t -> (JsonObject) t).filter(t -> t.getString("registry").equals("reputation")).findFirst()
        .orElseThrow().getString("id");
    Pipeline.await(Duration.ofSeconds(10), () -> pipeline.of(reputation).size() == 1, "the followed agent's feedback");
    contract.conforms("follows.get", alice.get(BASE + "/follows/" + followId), 200);
    Http.Response list = alice.get(BASE + "/follows");
    contract.conforms("follows.list", list, 200);
    assertThat(list.json().getJsonArray("follows")).extracting(f -> ((JsonObject) f).getString("id")).contains(followId);
    // owners only
    contract.conforms("follows.get", bob.get(BASE + "/follows/" + followId), 404);
    contract.conforms("follows.delete", bob.delete(BASE + "/follows/" + followId), 404);
    assertThat(bob.get(BASE + "/follows").json().getJsonArray("follows")).isEmpty();
    contract.conforms("follows.create", viewer.postJson(BASE + "/follows", body), 403);
    // bad bodies
    for (JsonObject bad : new JsonObject[] {new JsonObject().put("chain_id", 1), new JsonObject().put("agent_id", 1),
        body.copy().put("agent_id", "-1"), body.copy().put("agent_id", "x"), body.copy().put("chain_id", 0), body.copy().put("registry", "identity"),
        body.copy().put("actions", new JsonArray().add(new JsonObject().put("action_type", "fax").put("config", new JsonObject())))}) {
      contract.conforms("follows.create", alice.postJson(BASE + "/follows", bad), 422);
    }
    for (String bad : new String[] {"limit=0", "cursor=x"}) {
      contract.conforms("follows.list", alice.get(BASE + "/follows?" + bad), 400);
    }
    // unfollowing removes its triggers
    Http.Response deleted = alice.delete(BASE + "/follows/" + followId);
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(alice.get(BASE + "/triggers?chain_id=70010").json().getJsonArray("triggers")).isEmpty();
    contract.conforms("follows.get", alice.get(BASE + "/follows/" + followId), 404);
    contract.conforms("follows.get", alice.get(BASE + "/follows/nope"), 404);
  }

  @Test
  void conditionsAndActionsOneByOne() throws Exception {
    String path = BASE + "/triggers/" + created(alice, body("parts", 70_011)).getString("id");
    Http.Response conditions = alice.get(path + "/conditions");
    contract.conforms("conditions.list", conditions, 200);
    assertThat(conditions.json().getJsonArray("conditions")).hasSize(2);
    long emaId = conditions.json().getJsonArray("conditions").getJsonObject(1).getLong("id");
    // add a condition: checked against the trigger's registry, named without a prefix
    Http.Response added = alice.postJson(path + "/conditions", new JsonObject().put("condition_type", "tag_equals").put("field", "tag1")
        .put("operator", "=").put("value", "quality"));
    contract.conforms("conditions.create", added, 201);
    long tagId = added.json().getLong("id");
    assertThat(alice.get(path).json().getJsonArray("conditions")).hasSize(3);
    Http.Response wrongRegistry = alice.postJson(path + "/conditions", new JsonObject().put("condition_type", "event_type_equals")
        .put("operator", "=").put("value", "Registered"));
    contract.conforms("conditions.create", wrongRegistry, 422);
    assertThat(wrongRegistry.json().getString("field")).isEqualTo("value");
    contract.conforms("conditions.create", alice.postJson(path + "/conditions", new JsonObject().put("condition_type", "x")), 422);
    contract.conforms("conditions.get", alice.get(path + "/conditions/" + tagId), 200);
    // replace the EMA by a threshold: the trigger is no longer stateful
    Http.Response replaced = alice.putJson(path + "/conditions/" + emaId, new JsonObject().put("condition_type", "score_threshold")
        .put("field", "value").put("operator", "~").put("value", 1));
    assertThat(replaced.status()).isEqualTo(422);
    replaced = alice.putJson(path + "/conditions/" + emaId, new JsonObject().put("condition_type", "score_threshold").put("field", "value")
        .put("operator", ">").put("value", 1));
    contract.conforms("conditions.replace", replaced, 200);
    assertThat(replaced.json().getLong("id")).isEqualTo(emaId);
    assertThat(alice.get(path).json().getBoolean("is_stateful")).isFalse();
    assertThat(alice.delete(path + "/conditions/" + tagId).status()).isEqualTo(204);
    contract.conforms("conditions.get", alice.get(path + "/conditions/" + tagId), 404);
    contract.conforms("conditions.delete", alice.delete(path + "/conditions/" + tagId), 404);
    contract.conforms("conditions.get", alice.get(path + "/conditions/abc"), 404);
    // actions the same way, their configs checked by the actions verticle
    Http.Response actions = alice.get(path + "/actions");
    contract.conforms("actions.list", actions, 200);
    long telegramId = actions.json().getJsonArray("actions").getJsonObject(0).getLong("id");
    Http.Response rest = alice.postJson(path + "/actions", new JsonObject().put("action_type", "rest").put("priority", 0)
        .put("config", new JsonObject().put("url", "http://127.0.0.1:9/x")));
    contract.conforms("actions.create", rest, 201);
    contract.conforms("actions.create", alice.postJson(path + "/actions", new JsonObject().put("action_type", "rest")
        .put("config", new JsonObject().put("bad", true))), 422);
    contract.conforms("actions.create", alice.postJson(path + "/actions", new JsonObject().put("action_type", "sms")
        .put("config", new JsonObject())), 422);
    contract.conforms("actions.get", alice.get(path + "/actions/" + rest.json().getLong("id")), 200);
    Http.Response changed = alice.putJson(path + "/actions/" + telegramId, new JsonObject().put("action_type", "mcp").put("priority", 5)
        .put("config", new JsonObject().put("tool_name", "agent.receive")));
    contract.conforms("actions.replace", changed, 200);
    assertThat(changed.json().getString("action_type")).isEqualTo("mcp");
    assertThat(alice.delete(path + "/actions/" + telegramId).status()).isEqualTo(204);
    assertThat(alice.get(path + "/actions").json().getJsonArray("actions")).hasSize(1);
    contract.conforms("actions.delete", alice.delete(path + "/actions/" + telegramId), 404);
    // owners only
    contract.conforms("conditions.list", bob.get(path + "/conditions"), 404);
    contract.conforms("conditions.create", bob.postJson(path + "/conditions", new JsonObject()), 404);
    contract.conforms("actions.list", bob.get(path + "/actions"), 404);
    contract.conforms("actions.delete", bob.delete(path + "/actions/" + rest.json().getLong("id")), 404);
    contract.conforms("actions.create", viewer.postJson(path + "/actions", new JsonObject()), 403);
  }

  @Test
  void firesPageNewestFirst() throws Exception {
    JsonObject body = body("fires", 70_007).put("conditions", new JsonArray());
    String id = created(alice, body).getString("id");
    Pipeline.push(Pipeline.producer(node), Pipeline.feedback(70_007, 1, 0, "1", 1), Pipeline.feedback(70_007, 1, 1, "1", 1),
        Pipeline.feedback(70_007, 1, 2, "1", 1));
    String path = BASE + "/triggers/" + id + "/fires";
    Pipeline.await(Duration.ofSeconds(10), () -> alice.get(path).json().getJsonArray("fires").size() == 3, "three fires");
    Http.Response first = alice.get(path + "?limit=2");
    contract.conforms("triggers.fires", first, 200);
    assertThat(first.json().getJsonArray("fires")).extracting(f -> ((JsonObject) f).getString("event_id")).containsExactly("70007-1-2", "70007-1-1");
    Http.Response rest = alice.get(path + "?limit=2&cursor=" + first.json().getString("next_cursor"));
    assertThat(rest.json().getJsonArray("fires")).extracting(f -> ((JsonObject) f).getString("event_id")).containsExactly("70007-1-0");
    assertThat(rest.json().getValue("next_cursor")).isNull();
    for (String bad : new String[] {"limit=0", "limit=x", "cursor=-1", "cursor=abc"}) {
      contract.conforms("triggers.fires", alice.get(path + "?" + bad), 400);
    }
  }
}
