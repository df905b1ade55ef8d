package io.kos.ingest;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The follower against a real local chain: ganache on loopback, the project's own contracts
 * (src/test/chain/Registries.sol, compiled by solc) emitting every ERC-8004 v0.4 event through
 * ethers. Skipped, with the reason, only where {@code node} is not installed.
 */
class ChainFollowerTest {

  private static final long CHAIN_ID = 31337;
  private static final Path SOURCES = Path.of(System.getProperty("user.dir"), "src", "test", "chain");
  private static final Path TOOLS = Path.of(System.getProperty("user.dir"), "target", "chain-tools");

  private static Process ganache;
  private static String rpcUrl;

  @BeforeAll
  static void startChain() throws Exception {
    Assumptions.assumeTrue(commandWorks("node", "--version"), "node is not installed: the real-chain test needs Node.js and npm");
    Files.createDirectories(TOOLS);
    for (String file : List.of("package.json", "emit.js", "Registries.sol")) {
      Files.copy(SOURCES.resolve(file), TOOLS.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.exists(TOOLS.resolve("node_modules/ganache"))) {
      run(List.of("npm", "install", "--no-audit", "--no-fund"), Duration.ofMinutes(5));
    }
    int port = NodeProcess.freePort();
    rpcUrl = "http://127.0.0.1:" + port;
    ganache = new ProcessBuilder("node", "node_modules/ganache/dist/node/cli.js", "--host", "127.0.0.1", "--port", Integer.toString(port),
        "--chain.chainId", Long.toString(CHAIN_ID), "--wallet.deterministic", "--logging.quiet")
        .directory(TOOLS.toFile()).redirectErrorStream(true).redirectOutput(TOOLS.resolve("ganache.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (rpc("eth_blockNumber") == null) {
      assertThat(System.nanoTime()).as("ganache answers").isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  @AfterAll
  static void stopChain() {
    if (ganache != null) {
      ganache.destroyForcibly();
    }
  }

  @Test
  void followsEveryEventHonoursConfirmationsAndResumesFromItsCheckpoint() throws Exception {
    Path state = Files.createTempFile(TOOLS, "state", ".json");
    Files.delete(state);
    JsonObject first = emit(state, 1);
    String database = TestDatabase.freshDatabaseUrl();
    Path dataDir = TestNode.tempDir();
    Map<String, String> settings = Map.of("verticles.deploy", "ingest", "database.url", database, "node.data_dir", dataDir.toString());
    Path config = TestNode.configFile("""
        verticles:
          config:
            ingest:
              chains:
                - chain_id: %d
                  rpc_url: %s
                  registries: {identity: "%s", reputation: "%s", validation: "%s"}
                  start_block: 0
                  confirmations: 2
                  max_block_range: 3
                  poll_interval_ms: 100
        """.formatted(CHAIN_ID, rpcUrl, first.getString("identity"), first.getString("reputation"), first.getString("validation")));
    JsonArray expected = first.getJsonArray("events");
    long head = quantity(rpc("eth_blockNumber"));
    try (TestNode node = TestNode.start(settings, config)) {
      Http admin = node.admin().http();
      // the last two blocks are not confirmed yet: the follower stops two short of the head
      awaitCheckpoint(admin, head - 2);
      JsonArray stored = events(admin);
      assertThat(stored).hasSize(expected.size() - 2);
      mine(2);
      awaitCheckpoint(admin, head);
      assertMatches(events(admin), expected);
      assertThat(admin.get("/api/ingest/v1/chains").json().getJsonArray("chains").getJsonObject(0).getString("state"))
          .isEqualTo("following");
    }

    // events emitted while the node is down are picked up from the checkpoint, each once
    JsonObject second = emit(state, 1);
    mine(2);
    long newHead = quantity(rpc("eth_blockNumber"));
    try (TestNode node = TestNode.start(settings, config)) {
      Http admin = node.admin().http();
      awaitCheckpoint(admin, newHead - 2);
      JsonArray all = expected.copy();
      second.getJsonArray("events").forEach(all::add);
      assertMatches(events(admin), all);
    }
  }

  @Test
  void aReorgDeeperThanTheConfirmationsHaltsTheChainAndWritesNothingMore() throws Exception {
    Path state = Files.createTempFile(TOOLS, "state", ".json");
    Files.delete(state);
    JsonObject deployed = emit(state, 0);
    Object snapshot = rpc("evm_snapshot");
    JsonObject emitted = emit(state, 1);
    mine(1);
    long head = quantity(rpc("eth_blockNumber"));
    Path config = TestNode.configFile("""
        verticles:
          config:
            ingest:
              chains:
                - chain_id: %d
                  rpc_url: %s
                  registries: {identity: "%s", reputation: "%s", validation: "%s"}
                  start_block: %d
                  confirmations: 1
                  poll_interval_ms: 100
        """.formatted(CHAIN_ID, rpcUrl, deployed.getString("identity"), deployed.getString("reputation"), deployed.getString("validation"),
        deployed.getLong("deployBlock")));
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"), config)) {
      Http admin = node.admin().http();
      awaitCheckpoint(admin, head - 1);
      assertThat(events(admin)).hasSize(emitted.getJsonArray("events").size());
      // the chain drops the confirmed blocks and grows another branch past them
      assertThat(rpc("evm_revert", snapshot)).isEqualTo(true);
      mine(12);
      JsonObject status = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        status = admin.get("/api/ingest/v1/chains").json().getJsonArray("chains").getJsonObject(0);
        if (status.getString("state").equals("halted")) {
          break;
        }
        Thread.sleep(100);
      }
      assertThat(status.getString("state")).isEqualTo("halted");
      assertThat(status.getString("halted_because")).contains("reorganisation deeper than 1 confirmations");
      assertThat(status.getJsonObject("checkpoint").getLong("block_number")).as("the checkpoint stays where it was").isEqualTo(head - 1);
      assertThat(events(admin)).hasSize(emitted.getJsonArray("events").size());
    }
  }

  /** Every expected event is stored once with every field the contract emitted. */
  private static void assertMatches(JsonArray stored, JsonArray expected) {
    assertThat(stored).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      JsonObject want = expected.getJsonObject(i);
      JsonObject got = stored.getJsonObject(i);
      for (String field : want.fieldNames()) {
        assertThat(String.valueOf(got.getValue(field))).as(want.getString("event_type") + "." + field)
            .isEqualTo(String.valueOf(want.getValue(field)));
      }
      assertThat(got.getLong("chain_id")).isEqualTo(CHAIN_ID);
      assertThat(got.getLong("timestamp")).isPositive();
    }
  }

  private static JsonArray events(Http admin) {
    return admin.get("/api/ingest/v1/events?chain_id=" + CHAIN_ID + "&limit=1000").json().getJsonArray("events");
  }

  private static void awaitCheckpoint(Http admin, long block) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    JsonObject status = null;
    while (System.nanoTime() < deadline) {
      JsonArray chains = admin.get("/api/ingest/v1/chains").json().getJsonArray("chains");
      status = chains.isEmpty() ? null : chains.getJsonObject(0);
      JsonObject checkpoint = status == null ? null : status.getJsonObject("checkpoint");
      if (checkpoint != null && checkpoint.getLong("block_number") >= block) {
        assertThat(checkpoint.getLong("block_number")).as("never past head - confirmations").isEqualTo(block);
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the follower did not reach block " + block + "; status " + status);
  }

  private static JsonObject emit(Path state, int rounds) throws Exception {
    String out = run(List.of("node", "emit.js", rpcUrl, state.toString(), Integer.toString(rounds)), Duration.ofMinutes(2));
    return new JsonObject(out.lines().filter(line -> line.startsWith("{")).reduce((a, b) -> b).orElseThrow());
  }

  private static void mine(int blocks) throws Exception {
    for (int i = 0; i < blocks; i++) {
      rpc("evm_mine");
    }
  }

  private static Object rpc(String method, Object... params) throws InterruptedException {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(rpcUrl))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", method)
              .put("params", new JsonArray(List.of(params))).encode())).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(response.body()).getValue("result");
    } catch (IOException notYet) {
      return null;
    }
  }

  private static long quantity(Object hex) {
    return Long.parseLong(((String) hex).substring(2), 16);
  }

  private static String run(List<String> command, Duration timeout) throws Exception {
    Path log = Files.createTempFile(TOOLS, "run", ".log");
    Process process = new ProcessBuilder(command).directory(TOOLS.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean done = process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
    String output = Files.readString(log, StandardCharsets.UTF_8);
    if (!done || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " failed: " + output);
    }
    return output;
  }

  private static boolean commandWorks(String... command) {
    try {
      return new ProcessBuilder(command).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
