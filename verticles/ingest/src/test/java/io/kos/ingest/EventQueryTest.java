package io.kos.ingest;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /events} and {@code GET /events/{id}}: every filter with a value that matches and one
 * that does not, and every parameter of the wrong type a 400 naming it, never a 500. Also the
 * bounds of a pushed timestamp and what a far-apart batch costs in partitions.
 */
class EventQueryTest {

  private static final String EVENTS = "/api/ingest/v1/events";
  private static final long CHAIN = 77_001;
  private static final String VALIDATOR = "0x00000000000000000000000000000000000000b7";
  private static TestNode node;
  private static Http reader;
  private static Http producer;
  private static long now;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "ingest"));
    producer = Events.producer(node);
    reader = node.user("reader", "viewer").http();
    now = System.currentTimeMillis() / 1000;
    JsonObject validation = Events.feedback(CHAIN, 20, 0, now).put("registry", "validation").put("event_type", "ValidationRequest")
        .put("agent_id", "7").put("validator_address", VALIDATOR).put("request_uri", "ipfs://req").put("request_hash", Events.hash(3));
    validation.remove("client_address");
    validation.remove("score");
    validation.remove("tag1");
    validation.remove("tag2");
    validation.remove("file_uri");
    validation.remove("file_hash");
    Http.Response pushed = producer.postJson(EVENTS, Events.batch(Events.feedback(CHAIN, 10, 0, now), validation));
    assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void everyFilterFindsWhatMatchesAndNothingElse() {
    String bigAgent = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    assertThat(list("?chain_id=" + CHAIN)).hasSize(2);
    assertThat(list("?chain_id=77002")).isEmpty();
    Map<String, String[]> filters = Map.of(
        "registry", new String[] {"validation", "identity"},
        "event_type", new String[] {"ValidationRequest", "Registered"},
        "agent_id", new String[] {"7", "8"},
        "client_address", new String[] {Events.CLIENT, "0x00000000000000000000000000000000000000c2"},
        "validator_address", new String[] {VALIDATOR.toUpperCase().replace("0X", "0x"), "0x00000000000000000000000000000000000000b8"},
        "from_block", new String[] {"20", "21"},
        "to_block", new String[] {"10", "9"});
    filters.forEach((parameter, values) -> {
      JsonArray matching = list("?chain_id=" + CHAIN + "&" + parameter + "=" + values[0]);
      assertThat(matching).as(parameter + "=" + values[0]).hasSize(1);
      assertThat(list("?chain_id=" + CHAIN + "&" + parameter + "=" + values[1])).as(parameter + "=" + values[1]).isEmpty();
    });
    assertThat(list("?chain_id=" + CHAIN + "&agent_id=" + bigAgent)).hasSize(1);
    assertThat(list("?chain_id=" + CHAIN + "&from_block=10&to_block=20")).hasSize(2);
    assertThat(list("?chain_id=" + CHAIN + "&limit=1")).hasSize(1);
  }

  @Test
  void aBadParameterIs400NamingIt() {
    Map<String, String[]> bad = Map.of(
        "chain_id", new String[] {"0", "-1", "+5", "007", "x", "1.5"},
        "from_block", new String[] {"-1", "+1", "01"},
        "to_block", new String[] {"-5", "abc"},
        "agent_id", new String[] {"-1", "0x07", "1e3", "9".repeat(79)},
        "registry", new String[] {"ledger", "%00"},
        "event_type", new String[] {"UriUpdate", "Registered%00"},
        "client_address", new String[] {"0x12", "nothex"},
        "validator_address", new String[] {"0x" + "g".repeat(40)},
        "cursor", new String[] {"-1", "+3", "x"},
        "limit", new String[] {"0", "1001", "01"});
    bad.forEach((parameter, values) -> {
      for (String value : values) {
        Http.Response response = reader.get(EVENTS + "?" + parameter + "=" + value);
        assertThat(response.status()).as(parameter + "=" + value + " " + response).isEqualTo(400);
        assertThat(response.json().getString("error")).isEqualTo("invalid_parameter");
        assertThat(response.json().getString("parameter")).isEqualTo(parameter);
      }
    });
  }

  @Test
  void oneEventByIdAndTextWithNulIsRefused() {
    assertThat(reader.get(EVENTS + "/" + CHAIN + "-10-0").json().getLong("block_number")).isEqualTo(10);
    assertThat(reader.get(EVENTS + "/" + CHAIN + "-11-0").status()).isEqualTo(404);
    Http.Response nul = reader.get(EVENTS + "/" + CHAIN + "-10-0%00");
    assertThat(nul.status()).isEqualTo(400);
    assertThat(nul.json().getString("parameter")).isEqualTo("id");
    Http.Response stats = reader.get("/api/ingest/v1/stats?from=%2B1");
    assertThat(stats.status()).isEqualTo(400);
    assertThat(stats.json().getString("parameter")).isEqualTo("from");
    Http.Response users = node.admin().http().get("/api/auth/v1/users?cursor=a%00");
    assertThat(users.status()).as(users.toString()).isEqualTo(400);
    assertThat(users.json().getString("parameter")).isEqualTo("cursor");
  }

  @Test
  void aBlockTimeOutsideTheWindowIsRefusedNamingIt() throws Exception {
    for (long timestamp : new long[] {1, EventSchema.MIN_TIMESTAMP - 1, now + 400 * 86_400L, 1L << 40, 1L << 62}) {
      Http.Response response = producer.postJson(EVENTS, Events.batch(Events.feedback(77_010, 1, 0, timestamp)));
      assertThat(response.status()).as(timestamp + " " + response).isEqualTo(422);
      JsonObject problem = response.json().getJsonArray("problems").getJsonObject(0);
      assertThat(problem.getString("field")).isEqualTo("timestamp");
      assertThat(problem.getString("reason")).contains("2015-07-30", "a year ahead");
    }
    // the window's first second passes the schema, and only retention (365 days here) refuses it
    Http.Response genesis = producer.postJson(EVENTS, Events.batch(Events.feedback(77_010, 1, 0, EventSchema.MIN_TIMESTAMP)));
    assertThat(genesis.status()).as(genesis.toString()).isEqualTo(422);
    assertThat(genesis.json().getJsonArray("problems").getJsonObject(0).getString("reason")).contains("retention_days 365")
        .doesNotContain("2015-07-30");
  }

  @Test
  void aBatchOfFarApartTimesCreatesOnlyTheMonthsItHas() throws Exception {
    long before = partitions();
    // the current month (made ahead of need) and eleven months on (beyond the two made ahead): a span of a year, two months
    long ahead = now + 335 * 86_400L;
    Http.Response pushed = producer.postJson(EVENTS, Events.batch(Events.feedback(77_020, 1, 0, now), Events.feedback(77_020, 2, 0, ahead)));
    assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
    assertThat(partitions() - before).as("partitions created").isEqualTo(1);
    assertThat(list("?chain_id=77020")).hasSize(2);
  }

  private static long partitions() throws Exception {
    try (var c = node.jdbc(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_inherits WHERE inhparent = 'ingest.events'::regclass")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static JsonArray list(String query) {
    Http.Response response = reader.get(EVENTS + query);
    assertThat(response.status()).as(query + " " + response).isEqualTo(200);
    return response.json().getJsonArray("events");
  }
}
