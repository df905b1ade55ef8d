package io.kos.node;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every status the ingress produces, with its JSON body, against a real node and PostgreSQL. */
class IngressTest {

  private static TestNode node;
  private static TestNode nodeWithoutProbe;
  private static Http http;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "probe", "http.body_limit", "1KiB", "http.request_timeout", "700ms"));
    nodeWithoutProbe = TestNode.start(Map.of("verticles.deploy", ""));
    http = node.http();
  }

  /** Notes are owned: these requests carry the admin's token. */
  private static Http owner() {
    return node.admin().http();
  }

  @AfterAll
  static void stop() {
    node.close();
    nodeWithoutProbe.close();
  }

  @Test
  void trivialRouteIsServedByTheVerticle() {
    Http.Response response = http.get("/api/probe/v1/ping");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("Content-Type")).isEqualTo("application/json");
    assertThat(response.json().getString("node")).isEqualTo(node.node().identity().did());
    assertThat(response.header("X-Request-Id")).isNotBlank();
  }

  @Test
  void jsonBodyRoundTripsIncludingUnicode() {
    JsonObject body = new JsonObject().put("name", "Tāne Mahuta 🌳").put("n", 42);
    Http.Response response = http.postJson("/api/probe/v1/echo", body);
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json()).isEqualTo(body);
  }

  @Test
  void createdResourceGetsDeclaredStatusAndIsStored() {
    Http.Response created = owner().postJson("/api/probe/v1/notes", new JsonObject().put("text", "hello"));
    assertThat(created.status()).isEqualTo(201);
    long id = created.json().getLong("id");
    Http.Response read = owner().get("/api/probe/v1/notes/" + id);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().getString("text")).isEqualTo("hello");
  }

  @Test
  void unknownRouteIs404() {
    assertError(http.get("/api/probe/v1/nothing-here"), 404, "not_found");
    assertError(http.get("/no/such/path"), 404, "not_found");
  }

  @Test
  void wrongMethodIs405() {
    assertError(http.send("DELETE", "/api/probe/v1/ping", null, null), 405, "method_not_allowed");
  }

  @Test
  void bodyOverLimitIs413AndNothingIsStored() throws Exception {
    // a note the verticle would accept, padded past the 1 KiB limit by a field it ignores
    String big = "{\"text\":\"over the limit\",\"pad\":\"" + "x".repeat(2000) + "\"}";
    assertError(owner().post("/api/probe/v1/notes", "application/json", big), 413, "payload_too_large");
    try (Connection c = TestDatabase.connect(node.databaseUrl()); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM probe.notes WHERE text = 'over the limit'")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }

  @Test
  void wrongContentTypeIs415() {
    assertError(http.post("/api/probe/v1/echo", "text/plain", "{\"a\":1}"), 415, "unsupported_media_type");
    assertError(http.post("/api/probe/v1/echo", null, "{\"a\":1}"), 415, "unsupported_media_type");
  }

  @Test
  void malformedJsonIs400() {
    assertError(http.post("/api/probe/v1/echo", "application/json", "{\"a\": "), 400, "malformed_json");
    assertError(owner().post("/api/probe/v1/notes", "application/json; charset=utf-8", "[1,2"), 400, "malformed_json");
  }

  @Test
  void bodyOfTheWrongJsonTypeIs400() {
    assertError(owner().post("/api/probe/v1/notes", "application/json", "[1,2]"), 400, "invalid_body");
  }

  @Test
  void verticleValidationIs422NamingTheField() {
    Http.Response response = owner().postJson("/api/probe/v1/notes", new JsonObject().put("text", 5));
    assertError(response, 422, "invalid_field");
    assertThat(response.json().getString("field")).isEqualTo("text");
  }

  @Test
  void missingRowIs404FromTheVerticle() {
    assertError(owner().get("/api/probe/v1/notes/987654321"), 404, "not_found");
    assertError(owner().get("/api/probe/v1/notes/%27%3B%20DROP%20TABLE%20notes%3B%20--"), 404, "not_found");
  }

  @Test
  void badQueryParameterIs400() {
    assertError(http.get("/api/probe/v1/slow?ms=abc"), 400, "invalid_parameter");
    // integers are plain digits: no sign, no leading zero, bounds named
    for (String ms : new String[] {"%2B5", "007", "5.0", "0", "60001", "-1", "%205"}) {
      Http.Response response = assertError(http.get("/api/probe/v1/slow?ms=" + ms), 400, "invalid_parameter");
      assertThat(response.json().getString("parameter")).isEqualTo("ms");
      assertThat(response.json().getString("message")).isEqualTo("ms must be an integer from 1 to 60000 written in plain digits");
    }
    assertThat(http.get("/api/probe/v1/slow?ms=5").status()).isEqualTo(200);
  }

  @Test
  void nulOrALoneSurrogateNeverReachesAVerticle() {
    Http.Response query = assertError(http.get("/api/probe/v1/slow?ms=5%00"), 400, "invalid_parameter");
    assertThat(query.json().getString("parameter")).isEqualTo("ms");
    assertThat(query.json().getString("message")).contains("NUL");
    Http.Response path = assertError(owner().get("/api/probe/v1/notes/1%00"), 400, "invalid_parameter");
    assertThat(path.json().getString("parameter")).isEqualTo("id");
    assertError(http.get("/api/probe/v1/slow?ms=%ED%A0%80"), 400, "invalid_parameter");
    for (String text : new String[] {"a\\u0000b", "a\\ud800b", "\\udc00", "x\\ud83d"}) {
      Http.Response body = assertError(owner().post("/api/probe/v1/notes", "application/json", "{\"text\": \"" + text + "\"}"),
          422, "invalid_field");
      assertThat(body.json().getString("field")).as(text).isEqualTo("text");
    }
    Http.Response nested = assertError(http.post("/api/probe/v1/echo", "application/json", "{\"a\": [1, {\"b\": \"\\u0000\"}]}"),
        422, "invalid_field");
    assertThat(nested.json().getString("field")).isEqualTo("a[1].b");
    // a surrogate pair is a character like any other
    assertThat(http.post("/api/probe/v1/echo", "application/json", "{\"a\": \"\\ud83c\\udf33\"}").json().getString("a"))
        .isEqualTo("\uD83C\uDF33");
    assertThat(owner().get("/api/probe/v1/notes").json().getJsonArray("notes")).noneMatch(note -> ((JsonObject) note).getString("text").contains("\u0000"));
  }

  @Test
  void tooLargeBodyNamesTheLimit() {
    Http.Response response = assertError(owner().post("/api/probe/v1/notes", "application/json", "{\"text\": \"" + "x".repeat(2048) + "\"}"),
        413, "payload_too_large");
    assertThat(response.json().getString("message")).contains("http.body_limit", "1024 bytes");
  }

  @Test
  void openApiDocumentsCarryARequestIdToo() {
    assertThat(http.get("/api/auth/v1/openapi.json").header("X-Request-Id")).isNotBlank();
    assertThat(http.with("X-Request-Id", "mine-1").get("/api/auth/v1/openapi.json").header("X-Request-Id")).isEqualTo("mine-1");
  }

  @Test
  void verticleCrashIs500WithoutDetails() {
    Http.Response response = assertError(http.get("/api/probe/v1/fail"), 500, "internal_error");
    assertThat(response.text()).doesNotContain("IllegalStateException");
  }

  @Test
  void slowVerticleIs504AfterTheRequestTimeout() {
    assertError(http.get("/api/probe/v1/slow?ms=3000"), 504, "timeout");
  }

  @Test
  void verticleDeployedNowhereIs503WithRetryAfter() {
    Http.Response response = assertError(nodeWithoutProbe.http().get("/api/probe/v1/ping"), 503, "verticle_unavailable");
    assertThat(response.header("Retry-After")).isEqualTo("5");
  }

  @Test
  void nodeRoutesAnswer() {
    assertThat(http.get("/health/live").status()).isEqualTo(200);
    Http.Response ready = http.get("/health/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getJsonObject("checks").getJsonObject("migrations").getJsonObject("schemas").fieldNames())
        .containsExactlyInAnyOrder("node", "probe");
    JsonObject capabilities = http.get("/klf/v1/capabilities").json();
    assertThat(capabilities.getJsonArray("verticles").getList()).containsExactly("probe");
    assertThat(capabilities.getJsonArray("capabilities").getList()).containsExactly("probe.ping");
    String metrics = http.get("/metrics").text();
    assertThat(metrics).contains("vertx_http_server_requests_total", "jvm_memory_used_bytes", "vertx_pool_");
  }

  private static Http.Response assertError(Http.Response response, int status, String code) {
    assertThat(response.status()).as(response.toString()).isEqualTo(status);
    assertThat(response.header("Content-Type")).isEqualTo("application/json");
    JsonObject body = response.json();
    assertThat(body.getString("error")).isEqualTo(code);
    assertThat(body.getString("message")).isNotBlank();
    return response;
  }
}
