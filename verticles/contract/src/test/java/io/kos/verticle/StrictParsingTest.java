package io.kos.verticle;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one way every verticle reads integers and text from outside: strict, and naming what is wrong. */
class StrictParsingTest {

  @Test
  void integersArePlainDecimalDigits() {
    assertThat(Text.strictLong("0")).isZero();
    assertThat(Text.strictLong("5")).isEqualTo(5);
    assertThat(Text.strictLong("-12")).isEqualTo(-12);
    assertThat(Text.strictLong("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    assertThat(Text.strictLong("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
    for (String bad : List.of("", "+5", "007", "00", "-0", "-", " 5", "5 ", "1e3", "5.0", "0x10", "9223372036854775808",
        "\u0665", "1_000", "5\u0000")) {
      assertThat(Text.strictLong(bad)).as("'" + bad + "'").isNull();
    }
    assertThat(Text.strictLong(null)).isNull();
  }

  @Test
  void textWithNulOrALoneSurrogateHasAFlaw() {
    assertThat(Text.flaw("plain ascii")).isNull();
    assertThat(Text.flaw("unicode ✓ and a pair \uD83D\uDE00")).isNull();
    assertThat(Text.flaw("a\u0000b")).contains("NUL");
    assertThat(Text.flaw("a\uD800b")).contains("lone UTF-16 surrogate").contains("d800");
    assertThat(Text.flaw("\uDC00")).contains("lone");
    assertThat(Text.flaw("end\uD83D")).contains("lone");
  }

  @Test
  void theFirstFlawOfAJsonValueIsNamedByItsPath() {
    JsonObject body = new JsonObject().put("events", new JsonArray().add(new JsonObject().put("ok", "x"))
        .add(new JsonObject().put("token_uri", "ipfs://a\u0000")));
    assertThat(Text.firstFlaw(body)).containsExactly("events[1].token_uri", "must not contain NUL (\\u0000)");
    assertThat(Text.firstFlaw(new JsonObject().put("a\uD800", 1))[1]).startsWith("a name must not contain a lone");
    assertThat(Text.firstFlaw(new JsonArray().add(1).add("\uDFFF"))[0]).isEqualTo("[1]");
    assertThat(Text.firstFlaw(new JsonObject().put("n", 1).put("s", "fine"))).isNull();
  }

  @Test
  void queryAndPathIntegersAreStrictAndNameTheirBounds() {
    ApiRequest request = request(new JsonObject().put("chain_id", "+1"), new JsonObject().put("limit", "007").put("ok", "42")
        .put("neg", "-3").put("big", "99999999999999999999"));
    assertThat(request.queryLong("ok", 0, 0, 100)).isEqualTo(42);
    assertThat(request.queryInt("absent", 7, 0, 100)).isEqualTo(7);
    assertRefused(() -> request.pathLong("chain_id", 1, Long.MAX_VALUE), "chain_id");
    assertRefused(() -> request.queryInt("limit", 100, 1, 1000), "limit must be an integer from 1 to 1000");
    assertRefused(() -> request.queryLong("neg", 0, 0, 10), "neg must be an integer from 0 to 10");
    assertRefused(() -> request.queryLong("big", 0, 0, Long.MAX_VALUE), "big");
    assertThat(request.queryOneOf("absent", List.of("a"))).isNull();
    assertRefused(() -> request.queryOneOf("ok", List.of("identity", "reputation")), "ok must be one of identity, reputation");
  }

  @Test
  void bodyFieldsAreReadStrictly() {
    JsonFields body = JsonFields.ofBody(new JsonObject().put("n", 5).put("f", 5.5).put("s", "five").put("b", true)
        .put("nul", "a\u0000").put("long", "x".repeat(20)));
    assertThat(body.integer("n", null, 0, 10)).isEqualTo(5);
    assertThat(body.integer("absent", 3L, 0, 10)).isEqualTo(3);
    assertThat(body.string("s", null, 10)).isEqualTo("five");
    assertThat(body.bool("b", null)).isTrue();
    assertThat(body.bool("absent", null)).isNull();
    assertInvalidField(() -> body.integer("f", null, 0, 10), "f", "must be an integer from 0 to 10, not 5.5");
    assertInvalidField(() -> body.integer("s", null, 0, 10), "s", "not 'five'");
    assertInvalidField(() -> body.integer("n", null, 6, 10), "n", "from 6 to 10");
    assertInvalidField(() -> body.integer("absent", null, 0, 10), "absent", "(required)");
    assertInvalidField(() -> body.string("nul", null, 10), "nul", "NUL");
    assertInvalidField(() -> body.string("long", null, 10), "long", "at most 10 characters");
    assertInvalidField(() -> body.string("n", null, 10), "n", "must be a string");
    assertInvalidField(() -> body.bool("s", null), "s", "true or false");
    assertInvalidField(() -> body.onlyKnown(List.of("n", "f", "s", "b", "nul")), "long", "unknown field; accepted: b, f, n, nul, s");
  }

  @Test
  void settingsFailWithTheKeyForTheNodesExitLine() {
    JsonFields settings = JsonFields.ofSettings(new JsonObject().put("batch_max", 0).put("typo", 1));
    assertThatThrownBy(() -> settings.intValue("batch_max", 5000, 1, 100_000)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batch_max must be an integer from 1 to 100000, not 0");
    assertThatThrownBy(() -> settings.onlyKnown(List.of("batch_max"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown key 'typo' (known: batch_max)");
  }

  @Test
  void errorCodesAreCheckedWhenDeclared() {
    assertThatThrownBy(() -> new ErrorCode("Bad-Code", 400, "m", "r")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ErrorCode("fine", 302, "m", "r")).isInstanceOf(IllegalArgumentException.class);
    ApiError error = Errors.ADMIN_ONLY.error("only an admin may do this");
    assertThat(error.status()).isEqualTo(403);
    assertThat(error.toJson()).isEqualTo(new JsonObject().put("error", "admin_only").put("message", "only an admin may do this"));
  }

  private static ApiRequest request(JsonObject params, JsonObject query) {
    return new ApiRequest(ApiRequest.envelope(params, query, null), MultiMap.caseInsensitiveMultiMap());
  }

  private static void assertRefused(Runnable read, String message) {
    assertThatThrownBy(read::run).isInstanceOfSatisfying(ApiError.class, e -> {
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.code()).isEqualTo("invalid_parameter");
      assertThat(e.getMessage()).contains(message);
    });
  }

  private static void assertInvalidField(Runnable read, String field, String message) {
    assertThatThrownBy(read::run).isInstanceOfSatisfying(ApiError.class, e -> {
      assertThat(e.status()).isEqualTo(422);
      assertThat(e.toJson().getString("field")).isEqualTo(field);
      assertThat(e.getMessage()).contains(message);
    });
  }
}
