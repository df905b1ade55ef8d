package io.kos.ingest;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.kos.verticle.RouteSpec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * The published OpenAPI document: a valid OpenAPI 3.1 contract (checked by vertx-openapi), one
 * operation per route with the same method, path and name, and real answers that match it.
 */
class OpenApiTest {

  private static final String BASE = "/api/ingest/v1";
  private static TestNode node;
  private static OpenAPIContract contract;
  private static ResponseValidator validator;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "ingest"));
    Http.Response served = node.http().get(BASE + "/openapi.json");
    assertThat(served.status()).as("served without a credential").isEqualTo(200);
    contract = OpenAPIContract.from(node.node().vertx(), served.json()).await();
    validator = ResponseValidator.create(node.node().vertx(), contract);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void everyRouteIsOneOperationAndNothingElse() {
    for (RouteSpec route : new IngestModule().routes()) {
      Operation operation = contract.operation(route.operation());
      assertThat(operation).as(route.operation()).isNotNull();
      assertThat(operation.getHttpMethod()).isEqualTo(route.method());
      assertThat(operation.getOpenAPIPath()).isEqualTo(route.path().replaceAll(":([a-z_]+)", "{$1}"));
    }
    assertThat(contract.operations()).hasSameSizeAs(new IngestModule().routes());
  }

  @Test
  void answersMatchTheDocument() {
    Http admin = node.admin().http();
    Http producer = node.http().withApiKey(Accounts.apiKey(node.admin(), "openapi-producer"));
    long now = System.currentTimeMillis() / 1000;
    JsonObject batch = Events.batch(Events.feedback(9_101, 1, 0, now), Events.feedback(9_101, 1, 1, now));
    conforms("events.push", producer.postJson(BASE + "/events", batch), 200);
    conforms("events.push", producer.postJson(BASE + "/events", Events.batch(Events.feedback(9_101, 1, 2, now).put("score", 101))), 422);
    conforms("events.push", producer.postJson(BASE + "/events",
        Events.batch(Events.feedback(9_101, 1, 3, now).put("block_hash", Events.hash(1)))), 409);
    conforms("events.push", node.http().postJson(BASE + "/events", batch), 401);
    Http.Response firstPage = admin.get(BASE + "/events?chain_id=9101&limit=1");
    conforms("events.list", firstPage, 200);
    conforms("events.list", admin.get(BASE + "/events?chain_id=9101&limit=1&cursor=" + firstPage.json().getString("next_cursor")), 200);
    conforms("events.list", admin.get(BASE + "/events?limit=0"), 400);
    conforms("events.get", admin.get(BASE + "/events/9101-1-0"), 200);
    conforms("events.get", admin.get(BASE + "/events/9101-1-9"), 404);
    conforms("stats", admin.get(BASE + "/stats"), 200);
    conforms("checkpoints.put", producer.putJson(BASE + "/checkpoints/9101",
        new JsonObject().put("block_number", 1).put("block_hash", Events.hash(9_101L * 1_000_000_000L + 1))), 200);
    conforms("checkpoints.list", admin.get(BASE + "/checkpoints"), 200);
    conforms("chains", admin.get(BASE + "/chains"), 200);
    conforms("chains.resume", admin.postJson(BASE + "/chains/9101/resume", new JsonObject()), 404);
  }

  private static void conforms(String operation, Http.Response response, int status) {
    assertThat(response.status()).as(operation + ": " + response.text()).isEqualTo(status);
    ValidatableResponse answer = ValidatableResponse.create(response.status(), Buffer.buffer(response.text()), "application/json");
    assertThatCode(() -> validator.validate(answer, operation).await()).as(operation + " " + status + ": " + response.text())
        .doesNotThrowAnyException();
  }
}
