package io.kos.ingest;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The push validation's number rules at their edges, where the hot path's long arithmetic hands
 * over to BigInteger (18 and 19 digits, the type limits), and the exact decimal against BigDecimal.
 */
class EventSchemaTest {

  private static final String UINT256_MAX = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE).toString();
  private static final String INT128_MAX = BigInteger.ONE.shiftLeft(127).subtract(BigInteger.ONE).toString();
  private static final String INT128_MIN = BigInteger.ONE.shiftLeft(127).negate().toString();

  @Test
  void integersAreCheckedAgainstTheirTypeAtEveryWidth() {
    assertAccepted("agent_id", "0", "0");
    assertAccepted("agent_id", 7, "7");
    assertAccepted("agent_id", "999999999999999999", "999999999999999999");
    assertAccepted("agent_id", "1000000000000000000", "1000000000000000000");
    assertAccepted("agent_id", Long.MAX_VALUE, Long.toString(Long.MAX_VALUE));
    assertAccepted("agent_id", UINT256_MAX, UINT256_MAX);
    assertAccepted("agent_id", new BigInteger(UINT256_MAX), UINT256_MAX);
    assertRefused("agent_id", new BigInteger(UINT256_MAX).add(BigInteger.ONE).toString());
    assertRefused("agent_id", new BigInteger(UINT256_MAX).add(BigInteger.ONE));
    assertRefused("agent_id", -1);
    assertRefused("agent_id", "-1");
    assertRefused("agent_id", "007");
    assertRefused("agent_id", "");
    assertRefused("agent_id", "1".repeat(79));
    assertRefused("agent_id", "１２");
    assertRefused("agent_id", 1.5);

    // bigint columns stop at 2^63-1 whatever the digit count
    assertAccepted("block_number", "922337203685477580", "922337203685477580");
    assertAccepted("block_number", Long.toString(Long.MAX_VALUE), Long.toString(Long.MAX_VALUE));
    assertRefused("block_number", "9223372036854775808");
    assertRefused("chain_id", 0);
    assertRefused("chain_id", "0");
    assertAccepted("feedback_index", "18446744073709551615", "18446744073709551615");
    assertRefused("feedback_index", "18446744073709551616");
    assertRefused("log_index", (long) Integer.MAX_VALUE + 1);
    assertRefused("score", 101);
    assertAccepted("score", "100", "100");
  }

  @Test
  void signedValuesCoverInt128Exactly() {
    assertAccepted("value", INT128_MAX, INT128_MAX);
    assertAccepted("value", INT128_MIN, INT128_MIN);
    assertAccepted("value", "-" + "9".repeat(38), "-" + "9".repeat(38));
    assertAccepted("value", -5, "-5");
    assertRefused("value", new BigInteger(INT128_MAX).add(BigInteger.ONE).toString());
    assertRefused("value", new BigInteger(INT128_MIN).subtract(BigInteger.ONE).toString());
    assertRefused("value", "-0");
    assertRefused("value", "-");
    assertRefused("value", "-05");
    assertRefused("value", "+5");
  }

  @Test
  void theExactDecimalIsWhatBigDecimalWouldPrint() {
    Random random = new Random(8004);
    List<String> values = new ArrayList<>(List.of("0", "1", "-1", "5", "-5", "100", INT128_MAX, INT128_MIN));
    for (int i = 0; i < 2000; i++) {
      values.add(new BigInteger(random.nextInt(127) + 1, random).multiply(BigInteger.valueOf(random.nextBoolean() ? 1 : -1)).toString());
    }
    for (String value : values) {
      for (int decimals = 0; decimals <= 18; decimals++) {
        assertThat(EventSchema.decimal(value, decimals)).as(value + " x 10^-" + decimals)
            .isEqualTo(new BigDecimal(value).movePointLeft(decimals).toPlainString());
      }
    }
  }

  private static void assertAccepted(String field, Object value, String stored) {
    List<EventSchema.Problem> problems = new ArrayList<>();
    String[] row = EventSchema.parse(event(field, value), 0, problems);
    assertThat(problems).as(field + " = " + value).isEmpty();
    assertThat(row[EventSchema.INDEX.get(field)]).isEqualTo(stored);
  }

  private static void assertRefused(String field, Object value) {
    List<EventSchema.Problem> problems = new ArrayList<>();
    assertThat(EventSchema.parse(event(field, value), 0, problems)).as(field + " = " + value).isNull();
    assertThat(problems).extracting(EventSchema.Problem::field).as(field + " = " + value).containsExactly(field);
  }

  /** A valid event with one field replaced: v1 NewFeedback for value, v0.4 for the rest. */
  private static JsonObject event(String field, Object value) {
    JsonObject event = Events.feedback(1, 1, 0, 1_700_000_000L);
    if (field.equals("value")) {
      event.remove("score");
      event.remove("tag1");
      event.remove("tag2");
      event.put("spec_version", "v1").put("value_decimals", 2);
    }
    if (field.equals("block_number") || field.equals("chain_id") || field.equals("log_index")) {
      // the id derives from them
      event.remove("id");
    }
    return event.put(field, value);
  }
}
