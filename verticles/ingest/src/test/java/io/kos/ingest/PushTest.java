package io.kos.ingest;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The push API: storage, validation (one check per rule), idempotency, reorgs, checkpoints, access. */
class PushTest {

  private static final String EVENTS = "/api/ingest/v1/events";
  private static final AtomicLong CHAINS = new AtomicLong(100);

  private static TestNode node;
  private static Http producer;
  private static long now;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "ingest"));
    producer = Events.producer(node);
    now = System.currentTimeMillis() / 1000;
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** Each test pushes to its own chain id, so counts do not interfere. */
  private static long chain() {
    return CHAINS.incrementAndGet();
  }

  @Test
  void aBatchIsStoredWithEveryFieldAndAcknowledgedWithCounts() {
    long chain = chain();
    Http.Response pushed = producer.postJson(EVENTS, Events.batch(Events.feedback(chain, 10, 0, now), Events.feedback(chain, 10, 1, now),
        Events.feedback(chain, 11, 0, now + 12)));
    assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
    assertThat(pushed.json().getInteger("accepted")).isEqualTo(3);
    assertThat(pushed.json().getInteger("duplicates")).isZero();
    assertThat(pushed.json().getLong("high_water_seq")).isPositive();

    JsonObject stored = producer.get(EVENTS + "/" + chain + "-10-1").json();
    JsonObject sent = Events.feedback(chain, 10, 1, now);
    assertThat(stored.getString("id")).isEqualTo(chain + "-10-1");
    assertThat(stored.getString("client_address")).isEqualTo(Events.CLIENT.toLowerCase());
    assertThat(stored.getString("agent_id")).isEqualTo(sent.getString("agent_id"));
    assertThat(stored.getInteger("score")).isEqualTo(87);
    assertThat(stored.getString("tag1")).isEqualTo(sent.getString("tag1"));
    assertThat(stored.getString("tag1_text")).isEqualTo("quality");
    assertThat(stored.containsKey("tag2_text")).as("a bytes32 that is not text has no text").isFalse();
    for (String field : new String[] {"block_hash", "transaction_hash", "file_uri", "file_hash", "registry", "event_type"}) {
      assertThat(stored.getString(field)).as(field).isEqualTo(sent.getString(field));
    }
    assertThat(stored.getLong("timestamp")).isEqualTo(now);

    JsonArray byClient = producer.get(EVENTS + "?chain_id=" + chain + "&client_address=" + Events.CLIENT + "&from_block=11").json()
        .getJsonArray("events");
    assertThat(byClient).hasSize(1);
    assertThat(byClient.getJsonObject(0).getString("id")).isEqualTo(chain + "-11-0");
  }

  @Test
  void withTwoInstancesTheOneThatFollowsAnswersForTheChains() throws Exception {
    // nothing listens on port 1: the follower keeps retrying, which is all this needs
    java.nio.file.Path config = TestNode.configFile("""
        verticles:
          instances: 2
          config:
            ingest:
              chains:
                - {chain_id: 8453, rpc_url: "http://127.0.0.1:1", registries: {identity: "0x0000000000000000000000000000000000000001"}}
        """);
    try (TestNode twoInstances = TestNode.start(Map.of("verticles.deploy", "ingest"), config)) {
      Http admin = twoInstances.admin().http();
      for (int i = 0; i < 6; i++) {
        JsonArray chains = admin.get("/api/ingest/v1/chains").json().getJsonArray("chains");
        assertThat(chains).hasSize(1);
        assertThat(chains.getJsonObject(0).getLong("chain_id")).isEqualTo(8453);
      }
      JsonObject batch = Events.batch(Events.feedback(8453, 1, 0, now), Events.feedback(8453, 1, 1, now));
      for (int i = 0; i < 4; i++) {
        assertThat(twoInstances.admin().http().postJson(EVENTS, batch).json().getInteger("accepted")).isEqualTo(i == 0 ? 2 : 0);
      }
    }
  }

  @Test
  void aListPagesByCursorWithoutGapOrRepeat() {
    long chain = chain();
    JsonArray events = new JsonArray();
    for (int i = 0; i < 25; i++) {
      events.add(Events.feedback(chain, 20 + i / 5, i % 5, now));
    }
    assertThat(producer.postJson(EVENTS, new JsonObject().put("events", events)).json().getInteger("accepted")).isEqualTo(25);
    java.util.List<String> seen = new java.util.ArrayList<>();
    String cursor = "0";
    for (int page = 0; cursor != null; page++) {
      JsonObject body = producer.get(EVENTS + "?chain_id=" + chain + "&limit=10&cursor=" + cursor).json();
      body.getJsonArray("events").forEach(e -> seen.add(((JsonObject) e).getString("id")));
      cursor = body.getString("next_cursor");
      assertThat(page).as("three pages of 10, 10 and 5").isLessThan(3);
    }
    assertThat(seen).hasSize(25).doesNotHaveDuplicates().startsWith(chain + "-20-0").endsWith(chain + "-24-4");
    assertThat(producer.get(EVENTS + "?cursor=-1").json().getString("error")).isEqualTo("invalid_parameter");
  }

  @Test
  void theSameBatchTwiceAndOverlappingBatchesStoreEachEventOnceAcrossPartitions() throws Exception {
    long chain = chain();
    // two months apart, both within retention
    long earlierMonth = EventStore.monthStart(System.currentTimeMillis() / 1000 - 60 * 86_400L) + 3600;
    long thisMonth = EventStore.monthStart(System.currentTimeMillis() / 1000) + 3600;
    JsonObject batch = Events.batch(Events.feedback(chain, 1, 0, earlierMonth), Events.feedback(chain, 2, 0, thisMonth));
    assertThat(producer.postJson(EVENTS, batch).json().getInteger("accepted")).isEqualTo(2);
    JsonObject again = producer.postJson(EVENTS, batch).json();
    assertThat(again.getInteger("accepted")).isZero();
    assertThat(again.getInteger("duplicates")).isEqualTo(2);
    JsonObject overlapping = producer.postJson(EVENTS, Events.batch(Events.feedback(chain, 2, 0, thisMonth),
        Events.feedback(chain, 3, 0, thisMonth + 12))).json();
    assertThat(overlapping.getInteger("accepted")).isEqualTo(1);
    assertThat(overlapping.getInteger("duplicates")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM ingest.events WHERE chain_id = " + chain)).isEqualTo(3);
    assertThat(count("SELECT count(DISTINCT tableoid) FROM ingest.events WHERE chain_id = " + chain))
        .as("stored in two monthly partitions").isEqualTo(2);
    JsonObject repeatedInOneBatch = producer.postJson(EVENTS, Events.batch(Events.feedback(chain, 4, 0, thisMonth),
        Events.feedback(chain, 4, 0, thisMonth))).json();
    assertThat(repeatedInOneBatch.getInteger("accepted")).isEqualTo(1);
    assertThat(repeatedInOneBatch.getInteger("duplicates")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM ingest.events WHERE chain_id = " + chain)).isEqualTo(4);
  }

  @Test
  void everyRuleRejectsItsBadValueNamingIndexAndField() throws Exception {
    Map<String, Object> bad = new LinkedHashMap<>();
    bad.put("chain_id", 0);
    bad.put("block_number", -1);
    bad.put("log_index", -1);
    bad.put("block_hash", "0x1234");
    bad.put("transaction_hash", "0x" + "g".repeat(64));
    bad.put("response_hash", "0x" + "\u0663".repeat(64)); // Arabic-Indic digit three: a digit, not a hex digit
    bad.put("file_hash", 42);
    bad.put("client_address", "0x12345");
    bad.put("registry", "ledger");
    bad.put("event_type", "ValidationRequest");
    bad.put("score", 101);
    bad.put("timestamp", 0);
    bad.put("agent_id", -5);
    bad.put("id", "1-2-3");
    bad.put("tag1", "quality");
    bad.put("file_uri", "nul\u0000inside");
    bad.put("surprise", true);
    long chain = chain();
    for (Map.Entry<String, Object> rule : bad.entrySet()) {
      JsonObject event = Events.feedback(chain, 5, 0, now).put(rule.getKey(), rule.getValue());
      Http.Response response = producer.postJson(EVENTS, Events.batch(Events.feedback(chain, 4, 0, now), event));
      assertThat(response.status()).as(rule + " -> " + response).isEqualTo(422);
      JsonObject problem = response.json().getJsonArray("problems").getJsonObject(0);
      assertThat(problem.getInteger("index")).as(rule.getKey()).isEqualTo(1);
      assertThat(problem.getString("field")).as(rule.getKey()).isEqualTo(rule.getKey());
      assertThat(problem.getString("reason")).isNotBlank();
    }
    JsonObject validationResponse = Events.feedback(chain, 6, 0, now).put("registry", "validation").put("event_type", "ValidationResponse")
        .put("response", 100).put("validator_address", Events.CLIENT);
    Http.Response response = producer.postJson(EVENTS, Events.batch(validationResponse.copy().put("response", 250)));
    assertThat(response.json().getJsonArray("problems").getJsonObject(0).getString("field")).isEqualTo("response");
    assertThat(count("SELECT count(*) FROM ingest.events WHERE chain_id = " + chain)).as("nothing of a rejected batch").isZero();

    assertThat(producer.postJson(EVENTS, Events.batch(validationResponse)).status()).isEqualTo(200);
    assertThat(producer.postJson(EVENTS, new JsonObject().put("events", new JsonArray())).status()).isEqualTo(422);
    assertThat(producer.postJson(EVENTS, new JsonObject().put("events", "all of them")).status()).isEqualTo(422);
    assertThat(producer.postJson(EVENTS, Events.batch(Events.feedback(chain, 7, 0, now)).put("extra", 1)).status()).isEqualTo(422);
    assertThat(producer.post(EVENTS, "application/json", "{\"events\": [").status()).isEqualTo(400);
  }

  @Test
  void aMixedBatchStoresNothingAndListsEveryBadItem() throws Exception {
    long chain = chain();
    Http.Response response = producer.postJson(EVENTS, Events.batch(Events.feedback(chain, 1, 0, now),
        Events.feedback(chain, 2, 0, now).put("score", -1), Events.feedback(chain, 3, 0, now),
        Events.feedback(chain, 4, 0, now).put("registry", "identity")));
    assertThat(response.status()).isEqualTo(422);
    assertThat(response.json().getString("error")).isEqualTo("invalid_events");
    assertThat(response.json().getInteger("problem_count")).isEqualTo(2);
    JsonArray problems = response.json().getJsonArray("problems");
    assertThat(problems.getJsonObject(0).getInteger("index")).isEqualTo(1);
    assertThat(problems.getJsonObject(1).getInteger("index")).isEqualTo(3);
    assertThat(problems.getJsonObject(1).getString("field")).isEqualTo("event_type");
    assertThat(count("SELECT count(*) FROM ingest.events WHERE chain_id = " + chain)).isZero();
  }

  @Test
  void aBlockWithAnotherHashIsAReorgAndNothingIsStored() throws Exception {
    long chain = chain();
    producer.postJson(EVENTS, Events.batch(Events.feedback(chain, 100, 0, now)));
    JsonObject forked = Events.feedback(chain, 100, 1, now).put("block_hash", Events.hash(777));
    Http.Response response = producer.postJson(EVENTS, Events.batch(Events.feedback(chain, 101, 0, now), forked));
    assertThat(response.status()).isEqualTo(409);
    assertThat(response.json().getString("error")).isEqualTo("reorg_detected");
    assertThat(response.json().getLong("chain_id")).isEqualTo(chain);
    assertThat(response.json().getLong("block_number")).isEqualTo(100);
    assertThat(count("SELECT count(*) FROM ingest.events WHERE chain_id = " + chain)).isEqualTo(1);
    assertThat(node.http().get("/metrics").text()).contains("kos_ingest_batches_rejected_total{reason=\"reorg\"}")
        .contains("kos_ingest_events_stored_total{source=\"push\"}");

    Http.Response inconsistent = producer.postJson(EVENTS, Events.batch(Events.feedback(chain, 200, 0, now),
        Events.feedback(chain, 200, 1, now).put("block_hash", Events.hash(778))));
    assertThat(inconsistent.status()).isEqualTo(422);
    assertThat(inconsistent.json().getJsonArray("problems").getJsonObject(0).getString("field")).isEqualTo("block_hash");
  }

  @Test
  void checkpointsRoundTrip() {
    long chain = chain();
    Http.Response put = producer.putJson("/api/ingest/v1/checkpoints/" + chain,
        new JsonObject().put("block_number", 1234).put("block_hash", Events.hash(1234).toUpperCase().replace("0X", "0x")));
    assertThat(put.status()).as(put.toString()).isEqualTo(200);
    assertThat(put.json().getString("block_hash")).isEqualTo(Events.hash(1234));
    producer.putJson("/api/ingest/v1/checkpoints/" + chain, new JsonObject().put("block_number", 1300).put("block_hash", Events.hash(1300)));
    JsonArray all = producer.get("/api/ingest/v1/checkpoints").json().getJsonArray("checkpoints");
    JsonObject mine = all.stream().map(JsonObject.class::cast).filter(c -> c.getLong("chain_id") == chain).findFirst().orElseThrow();
    assertThat(mine.getLong("block_number")).isEqualTo(1300);
    assertThat(producer.putJson("/api/ingest/v1/checkpoints/0", new JsonObject().put("block_number", 1).put("block_hash", Events.hash(1)))
        .status()).isEqualTo(400);
    assertThat(producer.putJson("/api/ingest/v1/checkpoints/" + chain, new JsonObject().put("block_number", -1)
        .put("block_hash", Events.hash(1))).status()).isEqualTo(422);
    // the path is read strictly (+1 once wrote chain 1), and so is the body
    for (String path : new String[] {"+1", "01", "1.0", "-1", "99999999999999999999"}) {
      Http.Response response = producer.putJson("/api/ingest/v1/checkpoints/" + path,
          new JsonObject().put("block_number", 1).put("block_hash", Events.hash(1)));
      assertThat(response.status()).as(path).isEqualTo(400);
      assertThat(response.json().getString("parameter")).isEqualTo("chain_id");
    }
    Http.Response unknown = producer.putJson("/api/ingest/v1/checkpoints/" + chain,
        new JsonObject().put("block_number", 1).put("block_hash", Events.hash(1)).put("blockhash", "x"));
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.json().getString("field")).isEqualTo("blockhash");
    Http.Response floating = producer.putJson("/api/ingest/v1/checkpoints/" + chain,
        new JsonObject().put("block_number", 1.5).put("block_hash", Events.hash(1)));
    assertThat(floating.json().getString("field")).isEqualTo("block_number");
    assertThat(producer.get("/api/ingest/v1/checkpoints").json().getJsonArray("checkpoints").stream().map(JsonObject.class::cast)
        .filter(c -> c.getLong("chain_id") == chain).findFirst().orElseThrow().getLong("block_number")).isEqualTo(1300);
  }

  @Test
  void aLoneSurrogateOrNulInAnEventIsAProblemOfThatEvent() throws Exception {
    long chain = chain();
    for (String text : new String[] {"a\\ud800b", "\\udc00", "nul\\u0000"}) {
      String body = "{\"events\": [" + Events.feedback(chain, 1, 0, now).encode() + ", "
          + Events.feedback(chain, 2, 0, now).put("file_uri", "PLACEHOLDER").encode().replace("PLACEHOLDER", text) + "]}";
      Http.Response response = producer.post(EVENTS, "application/json", body);
      assertThat(response.status()).as(text + " " + response).isEqualTo(422);
      JsonObject problem = response.json().getJsonArray("problems").getJsonObject(0);
      assertThat(problem.getInteger("index")).isEqualTo(1);
      assertThat(problem.getString("field")).isEqualTo("file_uri");
    }
    assertThat(count("SELECT count(*) FROM ingest.events WHERE chain_id = " + chain)).isZero();
  }

  @Test
  void onlyAnApiKeyOfAWriterOrAnAdminMayPush() {
    JsonObject batch = Events.batch(Events.feedback(chain(), 1, 0, now));
    assertThat(node.http().postJson(EVENTS, batch).status()).isEqualTo(401);
    Accounts.Session editor = node.user("token_editor", "editor");
    assertThat(editor.http().postJson(EVENTS, batch).json().getString("error")).isEqualTo("api_key_or_admin");
    Accounts.Session viewer = node.user("key_viewer", "viewer");
    String viewerKey = Accounts.apiKey(viewer, "v");
    assertThat(node.http().withApiKey(viewerKey).postJson(EVENTS, batch).status()).isEqualTo(403);
    assertThat(node.admin().http().postJson(EVENTS, batch).status()).isEqualTo(200);
  }

  static long count(String sql) throws Exception {
    try (Connection c = node.jdbc(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
