package io.kos.ingest;

import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.NpmTools;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A local Ethereum chain for tests and benchmarks: ganache on loopback, the project's contracts
 * (src/test/chain/Registries.sol) compiled by solc and driven by ethers through {@code emit.js}.
 * The tools are installed once per build into target/chain with {@code npm ci} ({@link NpmTools}).
 */
public final class LocalChain implements AutoCloseable {

  public static final long CHAIN_ID = 31337;
  /** The mint's {@code from} in an ERC-721 Transfer. */
  public static final String ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
  /** Where {@link NpmTools} installs the chain's tools (from src/test/chain). */
  private static final Path TOOLS = Path.of(System.getProperty("user.dir"), "target", "chain");

  private final Process ganache;
  private final String rpcUrl;
  private final long chainId;

  /** The chain's process id, for benchmarks that say where CPU went. */
  public long pid() {
    return ganache.pid();
  }

  private LocalChain(Process ganache, String rpcUrl, long chainId) {
    this.ganache = ganache;
    this.rpcUrl = rpcUrl;
    this.chainId = chainId;
  }

  /** True where Node.js is installed; without it there is no local chain. */
  public static boolean available() {
    return NpmTools.available();
  }

  public static LocalChain start() throws Exception {
    return start(CHAIN_ID);
  }

  /** A chain with this id (a second chain beside the first needs another). */
  public static LocalChain start(long chainId) throws Exception {
    NpmTools.install("chain", List.of("package.json", "package-lock.json", "emit.js", "Registries.sol"), "ganache");
    int port = NodeProcess.freePort();
    Process ganache = new ProcessBuilder("node", "node_modules/ganache/dist/node/cli.js", "--host", "127.0.0.1", "--port",
        Integer.toString(port), "--chain.chainId", Long.toString(chainId), "--wallet.deterministic", "--logging.quiet",
        "--miner.blockGasLimit", "0x3938700")
        .directory(TOOLS.toFile()).redirectErrorStream(true).redirectOutput(TOOLS.resolve("ganache.log").toFile()).start();
    LocalChain chain = new LocalChain(ganache, "http://127.0.0.1:" + port, chainId);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (chain.rpc("eth_blockNumber") == null) {
      if (System.nanoTime() > deadline) {
        chain.close();
        throw new IllegalStateException("ganache did not answer: " + Files.readString(TOOLS.resolve("ganache.log")));
      }
      Thread.sleep(200);
    }
    return chain;
  }

  public String rpcUrl() {
    return rpcUrl;
  }

  /** A new state file: the next {@link #emit} deploys a fresh set of registries. */
  public Path newState() throws IOException {
    Path state = Files.createTempFile(TOOLS, "state", ".json");
    Files.delete(state);
    return state;
  }

  /** Runs emit.js: deploys the registries on first use of {@code state}, then emits; returns its JSON summary. */
  public JsonObject emit(Path state, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("node", "emit.js", rpcUrl, state.toString()));
    command.addAll(List.of(args));
    String out = run(command, Duration.ofMinutes(10));
    return new JsonObject(out.lines().filter(line -> line.startsWith("{")).reduce((a, b) -> b).orElseThrow());
  }

  public void mine(int blocks) throws InterruptedException {
    for (int i = 0; i < blocks; i++) {
      rpc("evm_mine");
    }
  }

  public long head() throws InterruptedException {
    return Long.parseLong(((String) rpc("eth_blockNumber")).substring(2), 16);
  }

  /** A JSON-RPC call's result, or null when the chain does not answer (yet). */
  public Object rpc(String method, Object... params) throws InterruptedException {
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

  public long chainId() {
    return chainId;
  }

  /** The follower's configuration for this chain's registries of one emit.js state (v0.4 contracts). */
  public String followerConfig(JsonObject deployed, long startBlock, int confirmations, int maxBlockRange) {
    return followerConfig(chainId, deployed, startBlock, confirmations, maxBlockRange);
  }

  /** As above, claiming {@code chainId} for the chain (a wrong one is a misconfiguration the follower must catch). */
  public String followerConfig(long chainId, JsonObject deployed, long startBlock, int confirmations, int maxBlockRange) {
    return followerConfig(List.of(chainEntry(chainId, deployed, startBlock, confirmations, maxBlockRange, "erc8004-v0.4")));
  }

  /** One entry of {@code chains}, for {@link #followerConfig(List)}. */
  public String chainEntry(long chainId, JsonObject deployed, long startBlock, int confirmations, int maxBlockRange, String abi) {
    return """
                - chain_id: %d
                  rpc_url: %s
                  registries: {identity: "%s", reputation: "%s", validation: "%s"}
                  start_block: %d
                  confirmations: %d
                  max_block_range: %d
                  poll_interval_ms: 100
                  abi: %s
        """.formatted(chainId, rpcUrl, deployed.getString("identity"), deployed.getString("reputation"),
        deployed.getString("validation"), startBlock, confirmations, maxBlockRange, abi);
  }

  /** A node config following these chains. */
  public static String followerConfig(List<String> chainEntries) {
    return """
        verticles:
          config:
            ingest:
              chains:
        """ + String.join("", chainEntries);
  }

  @Override
  public void close() {
    ganache.destroyForcibly();
  }

  private static String run(List<String> command, Duration timeout) throws Exception {
    return NpmTools.run(TOOLS, command, null, timeout);
  }
}
