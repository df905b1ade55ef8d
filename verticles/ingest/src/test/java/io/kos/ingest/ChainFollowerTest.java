package io.kos.ingest;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.web3j.crypto.Hash;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The follower against a real local chain ({@link LocalChain}: ganache, the project's contracts,
 * every ERC-8004 v0.4 event). Skipped, with the reason, only where {@code node} is not installed.
 */
class ChainFollowerTest {

  private static LocalChain chain;

  @BeforeAll
  static void startChain() throws Exception {
    Assumptions.assumeTrue(LocalChain.available(), "node is not installed: the real-chain test needs Node.js and npm");
    chain = LocalChain.start();
  }

  @AfterAll
  static void stopChain() {
    if (chain != null) {
      chain.close();
    }
  }

  @Test
  void followsEveryEventHonoursConfirmationsAndResumesFromItsCheckpoint() throws Exception {
    Path state = chain.newState();
    JsonObject first = chain.emit(state, "1");
    Map<String, String> settings = Map.of("verticles.deploy", "ingest", "database.url", TestDatabase.freshDatabaseUrl(),
        "node.data_dir", TestNode.tempDir().toString());
    Path config = TestNode.configFile(chain.followerConfig(first, 0, 2, 3));
    JsonArray expected = first.getJsonArray("events");
    long head = chain.head();
    try (TestNode node = TestNode.start(settings, config)) {
      Http admin = node.admin().http();
      // the last two blocks are not confirmed yet: the follower stops two short of the head
      awaitCheckpoint(admin, head - 2);
      assertThat(events(admin)).hasSize(expected.size() - 2);
      chain.mine(2);
      awaitCheckpoint(admin, head);
      assertMatches(events(admin), expected);
      assertThat(status(admin).getString("state")).isEqualTo("following");
      assertThat(node.http().get("/health/ready").json().getString("status")).isEqualTo("ready");
      assertThat(node.http().get("/metrics").text()).contains("kos_ingest_chain_halted{chain_id=\"31337\"} 0.0")
          .contains("kos_ingest_events_stored_total{source=\"follower\"} 9.0");
      // the registration's ERC-721 Transfer is stored; the proxy's Upgraded and an ERC-20-shaped Transfer (same topic0, three
      // topics) are counted and shown, not dropped silently
      String upgraded = Hash.sha3String("Upgraded(address)");
      String transfer = Hash.sha3String("Transfer(address,address,uint256)");
      assertThat(status(admin).getLong("undecoded_logs")).isEqualTo(2);
      assertThat(status(admin).getString("last_undecoded_topic0")).isEqualTo(transfer);
      assertThat(status(admin).getValue("last_error")).isNull();
      assertThat(node.http().get("/metrics").text())
          .contains("kos_ingest_logs_undecoded_total{chain_id=\"31337\",topic0=\"" + upgraded + "\"} 1.0")
          .contains("kos_ingest_logs_undecoded_total{chain_id=\"31337\",topic0=\"" + transfer + "\"} 1.0");
    }

    // events emitted while the node is down are picked up from the checkpoint, each once
    JsonObject second = chain.emit(state, "1");
    chain.mine(2);
    long newHead = chain.head();
    try (TestNode node = TestNode.start(settings, config)) {
      Http admin = node.admin().http();
      awaitCheckpoint(admin, newHead - 2);
      JsonArray all = expected.copy();
      second.getJsonArray("events").forEach(all::add);
      assertMatches(events(admin), all);
    }
  }

  @Test
  void oneNodeFollowsAV04AndAV1ChainIntoOneSetOfColumns() throws Exception {
    JsonObject legacy = chain.emit(chain.newState(), "1");
    try (LocalChain current = LocalChain.start(LocalChain.CHAIN_ID + 1)) {
      JsonObject deployed = current.emit(current.newState(), "v1", "1");
      String config = LocalChain.followerConfig(List.of(
          chain.chainEntry(chain.chainId(), legacy, legacy.getLong("deployBlock"), 0, 2000, "erc8004-v0.4"),
          current.chainEntry(current.chainId(), deployed, deployed.getLong("deployBlock"), 0, 2000, "erc8004-v1")));
      try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"), TestNode.configFile(config))) {
        Http admin = node.admin().http();
        awaitCheckpoint(admin, current.chainId(), current.head());
        awaitCheckpoint(admin, chain.chainId(), chain.head());
        // every column of every v1 event exactly, boundary values included
        JsonArray v1 = events(admin, current.chainId());
        assertMatches(v1, deployed.getJsonArray("events"), current.chainId());
        assertThat(v1.stream().map(e -> ((JsonObject) e).getString("event_type")).distinct().toList())
            .containsExactlyInAnyOrder("Transfer", "Registered", "MetadataSet", "URIUpdated", "NewFeedback", "FeedbackRevoked",
                "ResponseAppended", "ValidationRequest", "ValidationResponse");
        // the agent lookup folds the followed events: the URI update, then the transfer to its new owner
        JsonObject transferred = deployed.getJsonArray("events").stream().map(JsonObject.class::cast)
            .filter(e -> e.getString("event_type").equals("Transfer") && !e.getString("previous_owner").equals(LocalChain.ZERO_ADDRESS))
            .findFirst().orElseThrow();
        JsonObject agent = admin.get("/api/ingest/v1/agents/" + current.chainId() + "/" + transferred.getString("agent_id")).json();
        assertThat(agent.getString("owner")).isEqualTo(transferred.getString("owner"));
        assertThat(agent.getString("token_uri")).endsWith("-b.json");
        JsonArray v04 = events(admin, chain.chainId());
        assertThat(v04.stream().filter(e -> legacy.getJsonArray("events").stream()
            .anyMatch(want -> ((JsonObject) want).getString("transaction_hash").equals(((JsonObject) e).getString("transaction_hash")))))
            .isNotEmpty().allSatisfy(e -> assertThat(((JsonObject) e).getString("spec_version")).isEqualTo("v0.4"));
        // the official registry's ERC-4906 MetadataUpdate is ignored, not counted as undecoded
        assertThat(status(admin, current.chainId()).getLong("undecoded_logs")).isZero();
        // a trigger-style condition over the shared columns finds both versions' events
        try (Connection c = node.jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
            "SELECT string_agg(DISTINCT spec_version, ',' ORDER BY spec_version) FROM ingest.events WHERE event_type = 'NewFeedback' "
                + "AND value_decimal >= 0.5 AND tag1_text = 'quality' AND chain_id IN (" + chain.chainId() + ", " + current.chainId() + ")")) {
          rs.next();
          assertThat(rs.getString(1)).isEqualTo("v0.4,v1");
        }
        assertThat(admin.get("/api/ingest/v1/events?chain_id=" + current.chainId() + "&event_type=UriUpdated").json().getJsonArray("events"))
            .hasSize(1);
      }
    }
  }

  @Test
  void aPresetChainWithoutStartBlockStartsWhereItsIdentityRegistryWasDeployed() throws Exception {
    chain.mine(5);
    JsonObject deployed = chain.emit(chain.newState(), "0");
    // the preset's addresses overridden by the local contracts; confirmations beyond the head keep it at its first block
    String config = """
        verticles:
          config:
            ingest:
              chains:
                - chain_id: %d
                  rpc_url: %s
                  deployment: erc8004-testnet
                  registries: {identity: "%s", reputation: "%s"}
                  confirmations: 10000
                  poll_interval_ms: 100
                  abi: erc8004-v0.4
        """.formatted(LocalChain.CHAIN_ID, chain.rpcUrl(), deployed.getString("identity"), deployed.getString("reputation"));
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"), TestNode.configFile(config))) {
      Http admin = node.admin().http();
      JsonObject status = admin.await("/api/ingest/v1/chains",
          r -> r.json().getJsonArray("chains").getJsonObject(0).getLong("next_block") >= 0, Duration.ofSeconds(30))
          .json().getJsonArray("chains").getJsonObject(0);
      assertThat(status.getLong("next_block")).isEqualTo(deployed.getLong("deployBlock"));
      assertThat(status.getString("state")).isEqualTo("following");
    }
    // a preset whose identity registry has no code on this chain: the chain halts, saying why
    String absent = config.replace("registries: {identity: \"" + deployed.getString("identity") + "\", ",
        "registries: {");
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"), TestNode.configFile(absent))) {
      JsonObject status = awaitHalted(node.admin().http());
      assertThat(status.getString("halted_because")).contains("no contract at the identity registry 0x8004a818bfb912233c491871b3d84c89a494bd9e");
    }
  }

  @Test
  void aReorgDeeperThanTheConfirmationsHaltsTheChainUntilAnOperatorPutsItRight() throws Exception {
    Path state = chain.newState();
    JsonObject deployed = chain.emit(state, "0");
    long fork = chain.head();
    Object snapshot = chain.rpc("evm_snapshot");
    JsonObject emitted = chain.emit(state, "1");
    chain.mine(1);
    long head = chain.head();
    Path config = TestNode.configFile(chain.followerConfig(deployed, deployed.getLong("deployBlock"), 1, 2000));
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"), config)) {
      Http admin = node.admin().http();
      awaitCheckpoint(admin, head - 1);
      assertThat(events(admin)).hasSize(emitted.getJsonArray("events").size());
      // the chain drops the confirmed blocks and grows another branch past them
      assertThat(chain.rpc("evm_revert", snapshot)).isEqualTo(true);
      chain.mine(12);
      JsonObject status = awaitHalted(admin);
      assertThat(status.getString("state")).isEqualTo("halted");
      assertThat(status.getString("halted_because")).contains("reorganisation deeper than 1 confirmations");
      assertThat(status.getJsonObject("checkpoint").getLong("block_number")).as("the checkpoint stays where it was").isEqualTo(head - 1);
      Http.Response ready = node.http().get("/health/ready");
      assertThat(ready.status()).as("the rest of the node works: still ready").isEqualTo(200);
      assertThat(ready.json().getString("status")).isEqualTo("degraded");
      JsonObject ingest = ready.json().getJsonObject("checks").getJsonObject("verticles").getJsonObject("health").getJsonObject("ingest");
      assertThat(ingest.getBoolean("ok")).isFalse();
      assertThat(ingest.getJsonArray("chains").getJsonObject(0).getString("halted_because")).contains("reorganisation");
      assertThat(node.http().get("/metrics").text()).contains("kos_ingest_chain_halted{chain_id=\"31337\"} 1.0");
      assertThat(events(admin)).hasSize(emitted.getJsonArray("events").size());

      // resumed with nothing put right, it halts again at once
      assertThat(admin.postJson("/api/ingest/v1/chains/31337/resume", new JsonObject()).status()).isEqualTo(200);
      assertThat(awaitHalted(admin).getString("halted_because")).contains("reorganisation");
      Http editor = node.user("chain-editor", "editor").http();
      assertThat(editor.postJson("/api/ingest/v1/chains/31337/resume", new JsonObject()).json().getString("error")).isEqualTo("admin_only");
      assertThat(admin.postJson("/api/ingest/v1/chains/8453/resume", new JsonObject()).json().getString("error")).isEqualTo("unknown_chain");

      // the operator's way out (docs/ingest.md): drop the orphaned events, checkpoint the fork block, resume
      try (Connection c = node.jdbc(); Statement s = c.createStatement()) {
        s.executeUpdate("DELETE FROM ingest.events WHERE chain_id = 31337 AND block_number > " + fork);
      }
      JsonObject forkBlock = (JsonObject) chain.rpc("eth_getBlockByNumber", "0x" + Long.toHexString(fork), false);
      assertThat(admin.putJson("/api/ingest/v1/checkpoints/31337", new JsonObject().put("block_number", fork)
          .put("block_hash", forkBlock.getString("hash"))).status()).isEqualTo(200);
      JsonObject emittedOnTheNewBranch = chain.emit(state, "1");
      chain.mine(1);
      Http.Response resumed = admin.postJson("/api/ingest/v1/chains/31337/resume", new JsonObject());
      assertThat(resumed.status()).isEqualTo(200);
      assertThat(resumed.json().getString("state")).isEqualTo("following");
      assertThat(resumed.json().getLong("next_block")).isEqualTo(fork + 1);
      awaitCheckpoint(admin, chain.head() - 1);
      assertMatches(events(admin), emittedOnTheNewBranch.getJsonArray("events"));
      assertThat(admin.postJson("/api/ingest/v1/chains/31337/resume", new JsonObject()).json().getString("error")).isEqualTo("not_halted");
      assertThat(admin.putJson("/api/ingest/v1/checkpoints/31337", new JsonObject().put("block_number", fork)
          .put("block_hash", forkBlock.getString("hash"))).json().getString("error")).as("a followed chain's checkpoint is the follower's")
          .isEqualTo("chain_followed");
      assertThat(node.http().get("/health/ready").json().getString("status")).isEqualTo("ready");
      assertThat(node.http().get("/metrics").text()).contains("kos_ingest_chain_halted{chain_id=\"31337\"} 0.0");
    }
  }

  @Test
  void aLogWithACatalogueEventsTopicsButNotItsDataHaltsTheChainAndStoresNothingOfItsRange() throws Exception {
    Path state = chain.newState();
    JsonObject deployed = chain.emit(state, "1");
    chain.emit(state, "malformed");
    long malformedBlock = chain.head();
    Path config = TestNode.configFile(chain.followerConfig(deployed, deployed.getLong("deployBlock"), 0, 2000));
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"), config)) {
      Http admin = node.admin().http();
      JsonObject status = awaitHalted(admin);
      assertThat(status.getString("halted_because")).contains("the log at block " + malformedBlock + " index 0x0 does not decode");
      assertThat(events(admin)).as("the range is stored whole or not at all").isEmpty();
      assertThat(node.http().get("/metrics").text()).contains("kos_ingest_chain_halted{chain_id=\"31337\"} 1.0");
    }
  }

  @Test
  void anEndpointServingAnotherChainIsRefused() throws Exception {
    JsonObject deployed = chain.emit(chain.newState(), "1");
    Path config = TestNode.configFile(chain.followerConfig(8453, deployed, 0, 0, 2000));
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"), config)) {
      Http admin = node.admin().http();
      JsonObject status = awaitHalted(admin);
      assertThat(status.getString("halted_because")).contains("serves chain 31337, not the configured chain 8453");
      assertThat(admin.get("/api/ingest/v1/events?chain_id=8453").json().getJsonArray("events")).isEmpty();
    }
  }

  @Test
  void anEndpointThatRefusesBatchesIsAskedOneHeaderAtATime() throws Exception {
    JsonObject deployed = chain.emit(chain.newState(), "1");
    long head = chain.head();
    try (BatchRefusingProxy proxy = new BatchRefusingProxy(chain.rpcUrl())) {
      Path config = TestNode.configFile(chain.followerConfig(deployed, deployed.getLong("deployBlock"), 0, 2000)
          .replace(chain.rpcUrl(), proxy.url()));
      try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"), config)) {
        Http admin = node.admin().http();
        awaitCheckpoint(admin, head);
        assertMatches(events(admin), deployed.getJsonArray("events"));
        assertThat(proxy.refusedBatches.get()).as("refused once, then never sent again").isEqualTo(1);
      }
    }
  }

  /** A loopback JSON-RPC endpoint in front of ganache that answers every batch with JSON-RPC's single error. */
  private static final class BatchRefusingProxy implements AutoCloseable {
    final AtomicInteger refusedBatches = new AtomicInteger();
    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4);

    BatchRefusingProxy(String upstream) throws Exception {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      HttpClient client = HttpClient.newHttpClient();
      server.createContext("/", exchange -> {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String answer;
        if (body.trim().startsWith("[")) {
          refusedBatches.incrementAndGet();
          answer = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"batch requests are not supported\"}}";
        } else {
          try {
            answer = client.send(HttpRequest.newBuilder(URI.create(upstream)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).body();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
          }
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
      });
      server.setExecutor(threads);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
      threads.shutdownNow();
    }
  }

  /** Every expected event is stored once, in order, with every field the contract emitted. */
  private static void assertMatches(JsonArray stored, JsonArray expected) {
    assertMatches(stored, expected, LocalChain.CHAIN_ID);
  }

  private static void assertMatches(JsonArray stored, JsonArray expected, long chainId) {
    assertThat(stored).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      JsonObject want = expected.getJsonObject(i);
      JsonObject got = stored.getJsonObject(i);
      for (String field : want.fieldNames()) {
        assertThat(String.valueOf(got.getValue(field))).as(want.getString("event_type") + "." + field)
            .isEqualTo(String.valueOf(want.getValue(field)));
      }
      assertThat(got.getLong("chain_id")).isEqualTo(chainId);
      assertThat(got.getLong("timestamp")).isPositive();
    }
  }

  private static JsonArray events(Http admin) {
    return events(admin, LocalChain.CHAIN_ID);
  }

  private static JsonArray events(Http admin, long chainId) {
    return admin.get("/api/ingest/v1/events?chain_id=" + chainId + "&limit=1000").json().getJsonArray("events");
  }

  private static JsonObject status(Http admin) {
    return admin.get("/api/ingest/v1/chains").json().getJsonArray("chains").getJsonObject(0);
  }

  private static JsonObject status(Http admin, long chainId) {
    return admin.get("/api/ingest/v1/chains").json().getJsonArray("chains").stream().map(JsonObject.class::cast)
        .filter(chain -> chain.getLong("chain_id") == chainId).findFirst().orElseThrow();
  }

  /** The chain's status once it is halted, or after 30 s whatever it is. */
  private static JsonObject awaitHalted(Http admin) throws InterruptedException {
    JsonObject status = status(admin);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!status.getString("state").equals("halted") && System.nanoTime() < deadline) {
      Thread.sleep(100);
      status = status(admin);
    }
    return status;
  }

  private static void awaitCheckpoint(Http admin, long block) throws InterruptedException {
    awaitCheckpoint(admin, LocalChain.CHAIN_ID, block);
  }

  private static void awaitCheckpoint(Http admin, long chainId, long block) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    JsonObject status = null;
    while (System.nanoTime() < deadline) {
      status = status(admin, chainId);
      JsonObject checkpoint = status.getJsonObject("checkpoint");
      if (checkpoint != null && checkpoint.getLong("block_number") >= block) {
        assertThat(checkpoint.getLong("block_number")).as("never past head - confirmations").isEqualTo(block);
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the follower did not reach block " + block + "; status " + status);
  }
}
