package io.kos.triggers;

import io.kos.verticle.ApiError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every condition type at its boundaries, refused definitions, and the evaluation order (AND, stateless first, separate states). */
class ConditionsTest {

  private static final String VALIDATOR = "0x00000000000000000000000000000000000000a1";
  private static final String QUALITY_BYTES32 = "0x7175616c69747900000000000000000000000000000000000000000000000000";
  private static final String UINT256_MAX = "115792089237316195423570985008687907853269984665640564039457584007913129639935";

  static JsonObject condition(String type, String field, String operator, Object value) {
    JsonObject c = new JsonObject().put("condition_type", type).put("operator", operator).put("value", value);
    return field == null ? c : c.put("field", field);
  }

  /** A v0.4 NewFeedback as ingest publishes it (score, bytes32 tags, the derived value_decimal and tag text). */
  static JsonObject v04Feedback(long seq, String agent, int score, long timestamp) {
    return new JsonObject().put("seq", seq).put("id", "1-" + seq + "-0").put("chain_id", 1L).put("registry", "reputation")
        .put("event_type", "NewFeedback").put("agent_id", agent).put("score", score).put("value", Integer.toString(score))
        .put("value_decimals", 0).put("value_decimal", Integer.toString(score)).put("tag1", QUALITY_BYTES32).put("tag1_text", "quality")
        .put("file_uri", "ipfs://feedback").put("timestamp", timestamp).put("spec_version", "v0.4");
  }

  /** A v1 NewFeedback: a signed value with decimals, string tags. */
  static JsonObject v1Feedback(long seq, String agent, String valueDecimal, long timestamp) {
    return new JsonObject().put("seq", seq).put("id", "1-" + seq + "-1").put("chain_id", 1L).put("registry", "reputation")
        .put("event_type", "NewFeedback").put("agent_id", agent).put("value_decimal", valueDecimal).put("tag1_text", "quality")
        .put("tag2_text", "latency").put("file_uri", "https://x/f.json").put("timestamp", timestamp).put("spec_version", "v1");
  }

  private static Condition.Stateless stateless(JsonObject c, String registry) {
    return (Condition.Stateless) Conditions.parse(c, "conditions[0]", registry);
  }

  private static void refused(JsonObject c, String registry, String field) {
    assertThatThrownBy(() -> Conditions.parse(c, "conditions[3]", registry)).isInstanceOf(ApiError.class)
        .satisfies(e -> assertThat(((ApiError) e).status()).isEqualTo(422))
        .satisfies(e -> assertThat(((ApiError) e).toJson().getString("field")).as(c.encode()).isEqualTo("conditions[3]" + field));
  }

  @Test
  void eventTypeIsOneOfItsRegistrysAndUriUpdatedIsBothSpellings() {
    JsonObject uri = new JsonObject().put("chain_id", 1L).put("registry", "identity").put("event_type", "URIUpdated");
    assertThat(stateless(condition("event_type_equals", null, "=", "UriUpdated"), "identity").test(uri)).isTrue();
    assertThat(stateless(condition("event_type_equals", "event_type", "=", "URIUpdated"), "identity").test(uri.copy().put("event_type", "UriUpdated")))
        .isTrue();
    assertThat(stateless(condition("event_type_equals", null, "!=", "Registered"), "identity").test(uri)).isTrue();
    assertThat(stateless(condition("event_type_equals", null, "!=", "UriUpdated"), "identity").test(uri)).isFalse();
    refused(condition("event_type_equals", null, "=", "NewFeedback"), "identity", ".value");
    refused(condition("event_type_equals", null, ">", "Registered"), "identity", ".operator");
    refused(condition("event_type_equals", "agent_id", "=", "Registered"), "identity", ".field");
    refused(condition("event_type_equals", null, "=", 7), "identity", ".value");
  }

  @Test
  void agentIdsUpToUint256InEveryOperator() {
    JsonObject event = v04Feedback(1, UINT256_MAX, 50, 100);
    assertThat(stateless(condition("agent_id_equals", null, "=", UINT256_MAX), "reputation").test(event)).isTrue();
    assertThat(stateless(condition("agent_id_equals", null, "=", 7), "reputation").test(event)).isFalse();
    assertThat(stateless(condition("agent_id_equals", null, "!=", "7"), "reputation").test(event)).isTrue();
    assertThat(stateless(condition("agent_id_equals", null, "in", new JsonArray().add(1).add(UINT256_MAX)), "reputation").test(event)).isTrue();
    assertThat(stateless(condition("agent_id_equals", null, "not_in", new JsonArray().add(UINT256_MAX)), "reputation").test(event)).isFalse();
    // an event without an agent does not match, whatever the operator
    assertThat(stateless(condition("agent_id_equals", null, "!=", "7"), "reputation").test(new JsonObject())).isFalse();
    refused(condition("agent_id_equals", null, "=", "115792089237316195423570985008687907853269984665640564039457584007913129639936"), "reputation",
        ".value");
    refused(condition("agent_id_equals", null, "=", "-1"), "reputation", ".value");
    refused(condition("agent_id_equals", null, "=", "007"), "reputation", ".value");
    refused(condition("agent_id_equals", null, "in", "7"), "reputation", ".value");
    refused(condition("agent_id_equals", null, "in", new JsonArray()), "reputation", ".value");
    refused(condition("agent_id_equals", null, "in", new JsonArray().add("x")), "reputation", ".value");
    refused(condition("agent_id_equals", null, "<", 7), "reputation", ".operator");
  }

  @Test
  void thresholdsCompareExactDecimalsAndAMissingFieldDoesNotMatch() {
    JsonObject v1 = v1Feedback(1, "7", "0.50", 100);
    assertThat(stateless(condition("score_threshold", "value", ">=", "0.5"), "reputation").test(v1)).isTrue();
    assertThat(stateless(condition("score_threshold", "value", "=", 0.5), "reputation").test(v1)).isTrue();
    assertThat(stateless(condition("score_threshold", "value", ">", "0.5"), "reputation").test(v1)).isFalse();
    // 0.1 + 0.2 would not be 0.3 in floating point; here it is exact
    assertThat(stateless(condition("score_threshold", "value", "=", "0.3"), "reputation").test(v1Feedback(1, "7", "0.300000000000000000", 1)))
        .isTrue();
    assertThat(stateless(condition("score_threshold", "value", "<", "-170141183460469231731687303715884105727"), "reputation")
        .test(v1Feedback(1, "7", "-170141183460469231731687303715884105728", 1))).isTrue();
    // v1 has no score: no match, not an error; v0.4's score is also its value
    assertThat(stateless(condition("score_threshold", "score", ">=", 0), "reputation").test(v1)).isFalse();
    assertThat(stateless(condition("score_threshold", "value", ">=", 50), "reputation").test(v04Feedback(1, "7", 50, 1))).isTrue();
    assertThat(stateless(condition("score_threshold", "score", "!=", 50), "reputation").test(v04Feedback(1, "7", 50, 1))).isFalse();
    assertThat(stateless(condition("score_threshold", "response", "<=", 100), "validation")
        .test(new JsonObject().put("response", 100))).isTrue();
    refused(condition("score_threshold", "value", ">=", "abc"), "reputation", ".value");
    refused(condition("score_threshold", "value", ">=", "1e5"), "reputation", ".value");
    refused(condition("score_threshold", "value", "in", 5), "reputation", ".operator");
    refused(condition("score_threshold", "weight", ">", 5), "reputation", ".field");
    refused(condition("score_threshold", null, ">", 5), "reputation", ".field");
    refused(condition("score_threshold", "value", ">", 5).put("config", new JsonObject().put("alpha", 1)), "reputation", ".config.alpha");
  }

  @Test
  void tagsByTextForBothVersionsOrByTheirBytes32() {
    JsonObject v04 = v04Feedback(1, "7", 50, 1);
    JsonObject v1 = v1Feedback(2, "7", "1", 1);
    Condition.Stateless byText = stateless(condition("tag_equals", "tag1", "=", "quality"), "reputation");
    assertThat(byText.test(v04)).isTrue();
    assertThat(byText.test(v1)).isTrue();
    Condition.Stateless byBytes = stateless(condition("tag_equals", "tag1", "=", QUALITY_BYTES32.toUpperCase().replace("0X", "0x")), "reputation");
    assertThat(byBytes.test(v04)).isTrue();
    assertThat(byBytes.test(v1)).as("v1 tags are strings: no bytes32").isFalse();
    assertThat(stateless(condition("tag_equals", "tag2", "!=", "latency"), "reputation").test(v1)).isFalse();
    assertThat(stateless(condition("tag_equals", "tag2", "!=", "latency"), "reputation").test(v04)).as("no tag2 text: no match").isFalse();
    refused(condition("tag_equals", "tag3", "=", "x"), "reputation", ".field");
    refused(condition("tag_equals", "tag1", "=", 5), "reputation", ".value");
    refused(condition("tag_equals", "tag1", "=", "a\u0000b"), "reputation", ".value");
  }

  @Test
  void validatorWhitelistIgnoresCase() {
    JsonObject response = new JsonObject().put("validator_address", VALIDATOR.toUpperCase().replace("0X", "0x"));
    assertThat(stateless(condition("validator_whitelist", null, "in", new JsonArray().add(VALIDATOR)), "validation").test(response)).isTrue();
    assertThat(stateless(condition("validator_whitelist", "validator_address", "not_in", new JsonArray().add(VALIDATOR)), "validation")
        .test(response)).isFalse();
    refused(condition("validator_whitelist", null, "in", new JsonArray().add("0x12")), "validation", ".value");
    refused(condition("validator_whitelist", null, "=", VALIDATOR), "validation", ".operator");
  }

  @Test
  void fileUriExistsWithSchemes() {
    JsonObject v04 = v04Feedback(1, "7", 50, 1);
    assertThat(stateless(condition("file_uri_exists", "file_uri", "exists", null), "reputation").test(v04)).isTrue();
    assertThat(stateless(condition("file_uri_exists", "response_uri", "exists", null), "reputation").test(v04)).isFalse();
    assertThat(stateless(condition("file_uri_exists", "response_uri", "not_exists", true), "reputation").test(v04)).isTrue();
    JsonObject ipfsOnly = condition("file_uri_exists", "file_uri", "exists", null).put("config", new JsonObject().put("schemes",
        new JsonArray().add("IPFS")));
    assertThat(stateless(ipfsOnly, "reputation").test(v04)).isTrue();
    assertThat(stateless(ipfsOnly, "reputation").test(v1Feedback(1, "7", "1", 1))).isFalse();
    assertThat(stateless(ipfsOnly, "reputation").test(new JsonObject().put("file_uri", "ipfs"))).as("a scheme needs its colon").isFalse();
    refused(condition("file_uri_exists", "file_uri", "exists", "yes"), "reputation", ".value");
    refused(condition("file_uri_exists", "file_uri", "exists", null).put("config", new JsonObject().put("schemes", new JsonArray().add("a b"))),
        "reputation", ".config.schemes");
    refused(condition("file_uri_exists", "file_uri", "exists", null).put("config", new JsonObject().put("scheme", "ipfs")), "reputation",
        ".config.scheme");
  }

  @Test
  void unknownTypesFieldsAndConfigsAreRefusedNamingTheCondition() {
    refused(condition("whatever", "value", ">", 1), "reputation", ".condition_type");
    refused(condition("score_threshold", "value", ">", 1).put("extra", 1), "reputation", ".extra");
    refused(condition("score_threshold", "value", ">", 1).put("config", "x"), "reputation", ".config");
    refused(condition("ema_threshold", "value", ">", 1), "reputation", ".config");
    refused(condition("ema_threshold", "value", ">", 1).put("config", new JsonObject().put("alpha", 0.5).put("window_size", 3)), "reputation",
        ".config");
    refused(condition("ema_threshold", "value", ">", 1).put("config", new JsonObject().put("alpha", 0)), "reputation", ".config.alpha");
    refused(condition("ema_threshold", "value", ">", 1).put("config", new JsonObject().put("alpha", 1.5)), "reputation", ".config.alpha");
    refused(condition("ema_threshold", "value", ">", 1).put("config", new JsonObject().put("window_size", 0)), "reputation",
        ".config.window_size");
    refused(condition("ema_threshold", "value", ">", 1).put("config", new JsonObject().put("window_size", 3).put("max_keys", 5)), "reputation",
        ".config.max_keys");
    refused(condition("rate_limit", null, ">=", 3).put("config", new JsonObject().put("time_window", "5 minutes")), "reputation",
        ".config.time_window");
    refused(condition("rate_limit", null, ">=", 3).put("config", new JsonObject().put("time_window", "367d")), "reputation",
        ".config.time_window");
    refused(condition("rate_limit", null, ">=", -1).put("config", new JsonObject().put("time_window", "1h")), "reputation", ".value");
    refused(condition("rate_limit", null, ">=", 3).put("config", new JsonObject().put("time_window", "1h").put("reset_on_trigger", "yes")),
        "reputation", ".config.reset_on_trigger");
    assertThatThrownBy(() -> Conditions.parse(new JsonArray().add("x"), "reputation"))
        .satisfies(e -> assertThat(((ApiError) e).toJson().getString("field")).isEqualTo("conditions[0]"));
  }

  @Test
  void emaWithAlphaAndWithWindowSizeAndPerAgent() {
    // alpha 0.5: 10, then 20 -> 15, then 40 -> 27.5
    LiveTrigger alpha = live(condition("ema_threshold", "value", ">", "27").put("config", new JsonObject().put("alpha", "0.5")));
    assertThat(alpha.evaluate(1, v04Feedback(1, "7", 10, 1))).isFalse();
    assertThat(alpha.evaluate(2, v04Feedback(2, "7", 20, 2))).isFalse();
    assertThat(alpha.evaluate(3, v04Feedback(3, "7", 40, 3))).isTrue();
    assertThat(alpha.statesJson().getJsonObject(0).getJsonObject("state").getJsonObject("averages").getJsonObject("").getString("ema"))
        .isEqualTo("27.5");
    // window_size 3 is alpha 0.5 too; min_count 3 holds the first two back even above the threshold
    LiveTrigger window = live(condition("ema_threshold", "value", ">", "5").put("config", new JsonObject().put("window_size", 3).put("min_count", 3)));
    assertThat(window.evaluate(1, v04Feedback(1, "7", 10, 1))).isFalse();
    assertThat(window.evaluate(2, v04Feedback(2, "7", 10, 2))).isFalse();
    assertThat(window.evaluate(3, v04Feedback(3, "7", 10, 3))).isTrue();
    // per agent: agent 8's low values do not pull agent 7's average down
    LiveTrigger perAgent = live(condition("ema_threshold", "value", ">=", "50").put("config", new JsonObject().put("alpha", 1)
        .put("per_agent", true).put("max_keys", 2)));
    assertThat(perAgent.evaluate(1, v04Feedback(1, "7", 90, 1))).isTrue();
    assertThat(perAgent.evaluate(2, v04Feedback(2, "8", 0, 2))).isFalse();
    assertThat(perAgent.evaluate(3, v04Feedback(3, "7", 60, 3))).isTrue();
    // a third agent evicts the least recently updated (8)
    perAgent.evaluate(4, v04Feedback(4, "9", 1, 4));
    assertThat(perAgent.statesJson().getJsonObject(0).getJsonObject("state").getJsonObject("averages").fieldNames()).containsExactlyInAnyOrder("7", "9");
  }

  @Test
  void aReplayedSeqIsNotAppliedTwice() {
    LiveTrigger trigger = live(condition("ema_threshold", "value", ">", "0").put("config", new JsonObject().put("alpha", "0.5")));
    trigger.evaluate(1, v04Feedback(1, "7", 10, 1));
    trigger.evaluate(2, v04Feedback(2, "7", 30, 2));
    trigger.evaluate(2, v04Feedback(2, "7", 30, 2));
    trigger.evaluate(1, v04Feedback(1, "7", 10, 1));
    JsonObject state = trigger.statesJson().getJsonObject(0);
    assertThat(state.getLong("last_seq")).isEqualTo(2);
    assertThat(state.getJsonObject("state").getJsonObject("averages").getJsonObject("").getLong("count")).isEqualTo(2);
  }

  @Test
  void rateWindowIsBlockTimeAndBounded() {
    LiveTrigger rate = live(condition("rate_limit", null, ">=", 3).put("config", new JsonObject().put("time_window", "1h")));
    long t = 1_700_000_000L;
    assertThat(rate.evaluate(1, v04Feedback(1, "7", 1, t))).isFalse();
    assertThat(rate.evaluate(2, v04Feedback(2, "7", 1, t + 60))).isFalse();
    assertThat(rate.evaluate(3, v04Feedback(3, "7", 1, t + 120))).isTrue();
    // two hours of block time later the window holds one event, whatever the wall clock says
    assertThat(rate.evaluate(4, v04Feedback(4, "7", 1, t + 7200))).isFalse();
    // a million events over a year keep 60 buckets
    LiveTrigger yearly = live(condition("rate_limit", null, ">", 1_000_000_000).put("config", new JsonObject().put("time_window", "366d")));
    for (int i = 0; i < 100_000; i++) {
      yearly.evaluate(i + 1, v04Feedback(i + 1, "7", 1, t + i * 300L));
    }
    assertThat(yearly.statesJson().getJsonObject(0).getJsonObject("state").getJsonArray("buckets").size()).isLessThanOrEqualTo(60);
    // reset_on_trigger starts the window again after a fire
    LiveTrigger reset = live(condition("rate_limit", null, ">=", 2).put("config", new JsonObject().put("time_window", "1h").put("reset_on_trigger", true)));
    assertThat(reset.evaluate(1, v04Feedback(1, "7", 1, t))).isFalse();
    assertThat(reset.evaluate(2, v04Feedback(2, "7", 1, t + 1))).isTrue();
    assertThat(reset.evaluate(3, v04Feedback(3, "7", 1, t + 2))).isFalse();
    assertThat(reset.evaluate(4, v04Feedback(4, "7", 1, t + 3))).isTrue();
  }

  @Test
  void statelessConditionsGateEveryStatefulOneAndEachKeepsItsOwnState() {
    LiveTrigger trigger = live(condition("agent_id_equals", null, "=", "7"),
        condition("ema_threshold", "value", ">=", "50").put("config", new JsonObject().put("alpha", 1)),
        condition("rate_limit", null, ">=", 2).put("config", new JsonObject().put("time_window", "1d")));
    // agent 8 passes no stateless condition: neither state moves
    assertThat(trigger.evaluate(1, v04Feedback(1, "8", 99, 10))).isFalse();
    assertThat(trigger.statesJson().getJsonObject(0).getLong("last_seq")).isZero();
    assertThat(trigger.statesJson().getJsonObject(1).getLong("last_seq")).isZero();
    // the EMA is below its threshold, yet the rate window still counts the event (no short-circuit between stateful conditions)
    assertThat(trigger.evaluate(2, v04Feedback(2, "7", 10, 11))).isFalse();
    assertThat(trigger.evaluate(3, v04Feedback(3, "7", 80, 12))).isTrue();
    JsonArray states = trigger.statesJson();
    assertThat(states.getJsonObject(0).getJsonObject("state").getJsonObject("averages").getJsonObject("").getLong("count")).isEqualTo(2);
    assertThat(states.getJsonObject(1).getJsonObject("state").getJsonArray("buckets").getJsonArray(0).getLong(1)).isEqualTo(2);
    // another chain or registry never reaches the conditions
    assertThat(trigger.evaluate(4, v04Feedback(4, "7", 80, 13).put("chain_id", 2L))).isFalse();
    assertThat(trigger.statesJson().getJsonObject(0).getLong("last_seq")).isEqualTo(3);
  }

  @Test
  void theFireLimitCountsTheLastHour() {
    LiveTrigger trigger = live();
    long now = 10_000_000L;
    for (int i = 0; i < 2; i++) {
      assertThat(trigger.allowFire(now + i)).isTrue();
    }
    assertThat(trigger.allowFire(now + 2)).isFalse();
    assertThat(trigger.allowFire(now + 3_600_000L)).isTrue();
  }

  /** A reputation trigger on chain 1 with these conditions and a fire limit of 2 an hour. */
  private static LiveTrigger live(JsonObject... conditions) {
    List<Condition> parsed = Conditions.parse(new JsonArray(List.of((Object[]) conditions)), "reputation");
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < parsed.size(); i++) {
      ids.add((long) i + 1);
    }
    Trigger trigger = new Trigger(UUID.randomUUID(), UUID.randomUUID(), "t", null, 1, "reputation", true, 2, parsed, ids, List.of(),
        null, OffsetDateTime.now(), OffsetDateTime.now());
    return new LiveTrigger(trigger, Map.of(), List.of());
  }
}
