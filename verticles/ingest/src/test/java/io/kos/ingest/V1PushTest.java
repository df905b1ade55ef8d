package io.kos.ingest;

import io.kos.ingest.api.IngestClient;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pushing events in the shape of ERC-8004 as deployed since January 2026 (v1) beside v0.4: each
 * new rule at its boundaries (422 naming index and field, nothing stored), and one set of columns
 * that finds both versions' events.
 */
class V1PushTest {

  private static final String EVENTS = "/api/ingest/v1/events";
  private static final AtomicLong CHAINS = new AtomicLong(88_000);
  private static final BigInteger INT128_MAX = BigInteger.ONE.shiftLeft(127).subtract(BigInteger.ONE);
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

  /** A v1 NewFeedback: a signed fixed-point value, string tags, an endpoint. */
  static JsonObject feedbackV1(long chain, long block, String value, int decimals) {
    JsonObject event = Events.feedback(chain, block, 0, now);
    for (String v04 : List.of("score", "tag1", "tag2")) {
      event.remove(v04);
    }
    return event.put("value", value).put("value_decimals", decimals).put("tag1_text", "quality").put("tag2_text", "")
        .put("endpoint", "https://agent.example.org/a2a").put("feedback_index", "3");
  }

  @Test
  void aV1FeedbackIsStoredWithItsExactDecimalAndPublishedAsStored() throws Exception {
    long chain = CHAINS.incrementAndGet();
    List<JsonObject> published = new CopyOnWriteArrayList<>();
    MessageConsumer<?> consumer = new IngestClient(node.node().vertx()).onNewEvent(event -> published.add(event.fields()));
    consumer.completion().await();
    try {
      Http.Response pushed = producer.postJson(EVENTS, Events.batch(feedbackV1(chain, 1, "-25", 2),
          feedbackV1(chain, 2, INT128_MAX.toString(), 18), feedbackV1(chain, 3, INT128_MAX.negate().subtract(BigInteger.ONE).toString(), 0),
          feedbackV1(chain, 4, "0", 0), feedbackV1(chain, 5, "5", 18).put("tag1_text", "q".repeat(64)).put("tag2_text", "Tāne 🌳")));
      assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
      JsonObject stored = producer.get(EVENTS + "/" + chain + "-1-0").json();
      assertThat(stored.getString("spec_version")).isEqualTo("v1");
      assertThat(stored.getString("value")).isEqualTo("-25");
      assertThat(stored.getInteger("value_decimals")).isEqualTo(2);
      assertThat(stored.getString("value_decimal")).isEqualTo("-0.25");
      assertThat(stored.getString("tag1_text")).isEqualTo("quality");
      assertThat(stored.getString("tag2_text")).isEmpty();
      assertThat(stored.getString("endpoint")).isEqualTo("https://agent.example.org/a2a");
      assertThat(stored.getString("feedback_index")).isEqualTo("3");
      assertThat(stored.containsKey("tag1")).isFalse();
      assertThat(stored.containsKey("score")).isFalse();
      assertThat(producer.get(EVENTS + "/" + chain + "-2-0").json().getString("value_decimal")).isEqualTo("170141183460469231731.687303715884105727");
      assertThat(producer.get(EVENTS + "/" + chain + "-3-0").json().getString("value")).isEqualTo("-170141183460469231731687303715884105728");
      assertThat(producer.get(EVENTS + "/" + chain + "-4-0").json().getString("value_decimal")).isEqualTo("0");
      JsonObject small = producer.get(EVENTS + "/" + chain + "-5-0").json();
      assertThat(small.getString("value_decimal")).isEqualTo("0.000000000000000005");
      assertThat(small.getString("tag1_text")).hasSize(64);
      assertThat(small.getString("tag2_text")).isEqualTo("Tāne 🌳");
      // consumers get from memory exactly what a read of the table gives
      Http.Response all = producer.await(EVENTS + "?chain_id=" + chain, r -> r.json().getJsonArray("events").size() == 5, Duration.ofSeconds(5));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (published.stream().filter(e -> e.getLong("chain_id") == chain).count() < 5 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      List<JsonObject> mine = published.stream().filter(e -> e.getLong("chain_id") == chain).toList();
      assertThat(mine).containsExactlyElementsOf(all.json().getJsonArray("events").stream().map(JsonObject.class::cast).toList());
    } finally {
      consumer.unregister().await();
    }
  }

  @Test
  void everyV1RuleAtItsBoundaryIs422NamingIndexAndFieldAndNothingIsStored() throws Exception {
    long chain = CHAINS.incrementAndGet();
    Map<String, JsonObject> bad = new java.util.LinkedHashMap<>();
    bad.put("value", feedbackV1(chain, 2, INT128_MAX.add(BigInteger.ONE).toString(), 0));
    bad.put("value ", feedbackV1(chain, 2, INT128_MAX.negate().subtract(BigInteger.TWO).toString(), 0));
    bad.put("value  ", feedbackV1(chain, 2, "1.5", 0));
    bad.put("value   ", feedbackV1(chain, 2, "-0", 0));
    bad.put("value_decimals", feedbackV1(chain, 2, "1", 19));
    bad.put("value_decimals ", feedbackV1(chain, 2, "1", -1));
    bad.put("score", feedbackV1(chain, 2, "1", 0).put("score", 50));
    bad.put("tag1", feedbackV1(chain, 2, "1", 0).put("tag1", Events.tag("quality")));
    bad.put("value_decimals  ", feedbackV1(chain, 2, "1", 0).putNull("value_decimals"));
    bad.put("value    ", Events.feedback(chain, 2, 0, now).put("spec_version", "v0.4").put("value", "1").put("value_decimals", 0));
    bad.put("spec_version", feedbackV1(chain, 2, "1", 0).put("spec_version", "v2"));
    bad.put("event_type", Events.feedback(chain, 2, 0, now).put("registry", "identity").put("event_type", "URIUpdated")
        .put("spec_version", "v0.4"));
    bad.put("event_type ", feedbackV1(chain, 2, "1", 0).put("registry", "identity").put("event_type", "UriUpdated"));
    bad.put("tag2_text", feedbackV1(chain, 2, "1", 0).put("tag2_text", "x".repeat(2049)));
    bad.put("endpoint", feedbackV1(chain, 2, "1", 0).put("endpoint", 7));
    bad.forEach((field, event) -> {
      Http.Response response = producer.postJson(EVENTS, Events.batch(feedbackV1(chain, 1, "1", 0), event));
      assertThat(response.status()).as(field + " " + response).isEqualTo(422);
      JsonObject problem = response.json().getJsonArray("problems").getJsonObject(0);
      assertThat(problem.getInteger("index")).as(field).isEqualTo(1);
      assertThat(problem.getString("field")).as(response.toString()).isEqualTo(field.trim());
    });
    try (var c = node.jdbc(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM ingest.events WHERE chain_id = " + chain)) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }

  @Test
  void oneSetOfColumnsFindsBothVersions() throws Exception {
    long chain = CHAINS.incrementAndGet();
    JsonObject registeredV04 = Events.feedback(chain, 10, 0, now).put("registry", "identity").put("event_type", "UriUpdated")
        .put("token_uri", "ipfs://v04");
    JsonObject updatedV1 = feedbackV1(chain, 11, "1", 0).put("registry", "identity").put("event_type", "URIUpdated").put("token_uri", "ipfs://v1");
    Http.Response pushed = producer.postJson(EVENTS, Events.batch(Events.feedback(chain, 1, 0, now), feedbackV1(chain, 2, "75", 2),
        feedbackV1(chain, 3, "-1", 0), registeredV04, updatedV1));
    assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
    JsonObject v04 = producer.get(EVENTS + "/" + chain + "-1-0").json();
    assertThat(v04.getString("spec_version")).isEqualTo("v0.4");
    assertThat(v04.getString("value")).isEqualTo("87");
    assertThat(v04.getInteger("value_decimals")).isZero();
    assertThat(v04.getString("value_decimal")).isEqualTo("87");
    // a trigger-style condition over the shared columns: value_decimal >= 0.5 and the tag's text
    try (var c = node.jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT string_agg(spec_version || ':' || block_number, ',' ORDER BY block_number) FROM ingest.events WHERE chain_id = " + chain
            + " AND event_type = 'NewFeedback' AND value_decimal >= 0.5 AND tag1_text = 'quality'")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("v0.4:1,v1:2");
    }
    for (String spelling : List.of("UriUpdated", "URIUpdated")) {
      assertThat(producer.get(EVENTS + "?chain_id=" + chain + "&event_type=" + spelling).json().getJsonArray("events")).as(spelling).hasSize(2);
    }
  }
}
