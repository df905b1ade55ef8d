package io.kos.ingest;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

/**
 * The published OpenAPI document: a valid OpenAPI 3.1 contract, one operation per route with the
 * same method, path and name, and real answers, successes and errors, that match it.
 */
class OpenApiTest {

  private static final String BASE = "/api/ingest/v1";
  private static TestNode node;
  private static ApiContract contract;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "ingest"));
    contract = ApiContract.served(node, IngestModule.NAME);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void everyRouteIsOneOperationAndNothingElse() {
    contract.coversExactly(new IngestModule().routes());
    contract.listsErrorCodes(new IngestModule().errorCodes());
  }

  @Test
  void answersMatchTheDocument() {
    Http admin = node.admin().http();
    Http producer = node.http().withApiKey(Accounts.apiKey(node.admin(), "openapi-producer"));
    long now = System.currentTimeMillis() / 1000;
    JsonObject batch = Events.batch(Events.feedback(9_101, 1, 0, now), Events.feedback(9_101, 1, 1, now));
    contract.conforms("events.push", producer.postJson(BASE + "/events", batch), 200);
    contract.conforms("events.push", producer.postJson(BASE + "/events", Events.batch(Events.feedback(9_101, 1, 2, now).put("score", 101))), 422);
    contract.conforms("events.push", producer.postJson(BASE + "/events",
        Events.batch(Events.feedback(9_101, 1, 3, now).put("block_hash", Events.hash(1)))), 409);
    contract.conforms("events.push", node.http().postJson(BASE + "/events", batch), 401);
    Http.Response firstPage = admin.get(BASE + "/events?chain_id=9101&limit=1");
    contract.conforms("events.list", firstPage, 200);
    contract.conforms("events.list", admin.get(BASE + "/events?chain_id=9101&limit=1&cursor=" + firstPage.json().getString("next_cursor")), 200);
    contract.conforms("events.list", admin.get(BASE + "/events?limit=0"), 400);
    contract.conforms("events.get", admin.get(BASE + "/events/9101-1-0"), 200);
    contract.conforms("events.get", admin.get(BASE + "/events/9101-1-9"), 404);
    contract.conforms("stats", admin.get(BASE + "/stats"), 200);
    contract.conforms("checkpoints.put", producer.putJson(BASE + "/checkpoints/9101",
        new JsonObject().put("block_number", 1).put("block_hash", Events.hash(9_101L * 1_000_000_000L + 1))), 200);
    contract.conforms("checkpoints.list", admin.get(BASE + "/checkpoints"), 200);
    contract.conforms("chains", admin.get(BASE + "/chains"), 200);
    contract.conforms("chains.resume", admin.postJson(BASE + "/chains/9101/resume", new JsonObject()), 404);
  }
}
