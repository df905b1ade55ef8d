package io.kos.ingest;

import io.kos.ingest.api.Agent;
import io.kos.ingest.api.IngestClient;
import io.kos.node.testkit.ApiContract;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code kos.ingest.agents.get} and {@code GET /agents/{chain_id}/{agent_id}}: after register, URI
 * updates of both versions, metadata and a transfer, the latest state; over HTTP and through the
 * typed client alike.
 */
class AgentLookupTest {

  private static final long CHAIN = 66_001;
  private static final String ALICE = "0x00000000000000000000000000000000000000a1";
  private static final String BOB = "0x00000000000000000000000000000000000000b0";
  private static TestNode node;
  private static Http reader;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "ingest"));
    reader = node.user("reader", "viewer").http();
    long now = System.currentTimeMillis() / 1000;
    Http.Response pushed = Events.producer(node).postJson("/api/ingest/v1/events", Events.batch(
        identity(1, now, "Transfer").put("previous_owner", "0x0000000000000000000000000000000000000000").put("owner", ALICE),
        identity(2, now, "Registered").put("token_uri", "ipfs://a").put("owner", ALICE),
        identity(3, now, "MetadataSet").put("metadata_key", "name").put("metadata_value", "0x616c696365"),
        identity(4, now, "UriUpdated").put("token_uri", "ipfs://b").put("updated_by", ALICE),
        identity(5, now, "Transfer").put("previous_owner", ALICE).put("owner", BOB),
        identity(6, now, "MetadataSet").put("metadata_key", "name").put("metadata_value", "0x626f62"),
        identity(7, now, "URIUpdated").put("token_uri", "ipfs://c").put("updated_by", BOB).put("spec_version", "v1"),
        identity(8, now, "Registered").put("agent_id", "8").put("token_uri", "ipfs://other").put("owner", ALICE)));
    assertThat(pushed.status()).as(pushed.toString()).isEqualTo(200);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static JsonObject identity(long block, long now, String type) {
    JsonObject event = Events.feedback(CHAIN, block, 0, now).put("registry", "identity").put("event_type", type).put("agent_id", "7");
    for (String field : new String[] {"client_address", "score", "tag1", "tag2", "file_uri", "file_hash"}) {
      event.remove(field);
    }
    return event;
  }

  @Test
  void theLatestUriOwnerAndMetadataOverHttpAndTheBus() {
    Http.Response response = reader.get("/api/ingest/v1/agents/" + CHAIN + "/7");
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    JsonObject agent = response.json();
    assertThat(agent.getString("token_uri")).isEqualTo("ipfs://c");
    assertThat(agent.getString("owner")).isEqualTo(BOB);
    assertThat(agent.getJsonObject("metadata")).isEqualTo(new JsonObject().put("name", "0x626f62"));
    ApiContract.served(node, IngestModule.NAME).conforms("agents.get", response, 200);
    Agent viaBus = new IngestClient(node.node().vertx()).agent(CHAIN, "7").await();
    assertThat(viaBus.toJson()).isEqualTo(agent);
    assertThat(viaBus.lastSeq()).isPositive();
    assertThat(reader.get("/api/ingest/v1/agents/" + CHAIN + "/8").json().getString("token_uri")).isEqualTo("ipfs://other");
  }

  @Test
  void anUnknownAgentIs404AndABadParameter400() {
    assertThat(reader.get("/api/ingest/v1/agents/" + CHAIN + "/9").status()).isEqualTo(404);
    assertThat(reader.get("/api/ingest/v1/agents/66002/7").status()).isEqualTo(404);
    assertThatThrownBy(() -> new IngestClient(node.node().vertx()).agent(CHAIN, "9").await())
        .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(404));
    for (String[] bad : new String[][] {{"0", "7", "chain_id"}, {"+1", "7", "chain_id"}, {"x", "7", "chain_id"},
        {Long.toString(CHAIN), "-7", "agent_id"}, {Long.toString(CHAIN), "07", "agent_id"}, {Long.toString(CHAIN), "9".repeat(79), "agent_id"}}) {
      Http.Response response = reader.get("/api/ingest/v1/agents/" + bad[0] + "/" + bad[1]);
      assertThat(response.status()).as(String.join("/", bad)).isEqualTo(400);
      assertThat(response.json().getString("parameter")).isEqualTo(bad[2]);
    }
    assertThat(node.http().get("/api/ingest/v1/agents/" + CHAIN + "/7").status()).as("no credential").isEqualTo(401);
  }
}
