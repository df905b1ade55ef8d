package io.kos.ingest;

import io.kos.node.Main;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code verticles.config.ingest}: every bad key or value stops the start with its name. */
class IngestSettingsTest {

  private static final JsonObject CHAIN = new JsonObject().put("chain_id", 8453).put("rpc_url", "http://127.0.0.1:8545")
      .put("registries", new JsonObject().put("identity", "0x" + "ab".repeat(20)));

  @Test
  void defaultsAndAFullChain() {
    IngestSettings defaults = IngestSettings.parse(new JsonObject());
    assertThat(defaults.batchMax()).isEqualTo(5000);
    assertThat(defaults.retentionDays()).isEqualTo(365);
    assertThat(defaults.chains()).isEmpty();
    IngestSettings withChain = IngestSettings.parse(new JsonObject().put("chains", new JsonArray().add(CHAIN.copy().put("start_block", 12)
        .put("confirmations", 0).put("max_block_range", 10).put("poll_interval_ms", 500))));
    assertThat(withChain.chains()).singleElement().isEqualTo(new ChainFollower.Settings(8453, "http://127.0.0.1:8545",
        Map.of("identity", "0x" + "ab".repeat(20)), 12, 0, 10, 500, 60_000, "erc8004-v1"));
  }

  @Test
  void aPresetChainResolvesToTheOfficialAddressesAndStartsAtTheirDeployment() {
    JsonObject mainnet = new JsonObject().put("chain_id", 8453).put("rpc_url", "http://127.0.0.1:8545").put("deployment", "erc8004-mainnet");
    ChainFollower.Settings base = IngestSettings.parse(chains(mainnet)).chains().get(0);
    assertThat(base.registries()).isEqualTo(Map.of("identity", "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432",
        "reputation", "0x8004baa17c55a88189ae136b182e5fda19de9b63"));
    assertThat(base.startBlock()).as("found from the identity registry's code").isEqualTo(-1);
    ChainFollower.Settings sepolia = IngestSettings.parse(chains(mainnet.copy().put("chain_id", 11155111).put("deployment", "erc8004-testnet")
        .put("registries", new JsonObject().put("validation", "0x" + "cd".repeat(20)).put("reputation", "0x" + "ef".repeat(20)))
        .put("start_block", 7))).chains().get(0);
    // registries entries override the preset one by one
    assertThat(sepolia.registries()).isEqualTo(Map.of("identity", "0x8004a818bfb912233c491871b3d84c89a494bd9e",
        "reputation", "0x" + "ef".repeat(20), "validation", "0x" + "cd".repeat(20)));
    assertThat(sepolia.startBlock()).isEqualTo(7);
    assertRefused(chains(mainnet.copy().put("deployment", "erc8004-mainet")),
        "chains[0]: deployment must be one of erc8004-mainnet, erc8004-testnet, not erc8004-mainet");
  }

  @Test
  void eachBadKeyOrValueIsNamed() {
    assertRefused(new JsonObject().put("retention_dayz", 30), "unknown key 'retention_dayz' (known: abi, batch_max, chains, retention_days)");
    assertRefused(new JsonObject().put("stats_refresh_seconds", 60), "unknown key 'stats_refresh_seconds'");
    assertRefused(new JsonObject().put("batch_max", 0), "batch_max must be an integer from 1 to 100000, not 0");
    assertRefused(new JsonObject().put("batch_max", "5000"), "batch_max must be an integer");
    assertRefused(new JsonObject().put("retention_days", -1), "retention_days must be an integer from 1");
    assertRefused(new JsonObject().put("abi", 3), "abi must be the path");
    assertRefused(new JsonObject().put("chains", new JsonArray().add(CHAIN)).put("abi", "abi/none.json"), "no ABI catalogue abi/none.json");
    assertRefused(new JsonObject().put("chains", CHAIN), "chains must be a list");
    assertRefused(chains(CHAIN, CHAIN), "chains[1]: chain 8453 is listed twice");
    assertRefused(chains(CHAIN.copy().put("confirmation", 3)), "chains[0]: unknown key 'confirmation'");
    assertRefused(chains(withoutKey("chain_id")), "chains[0]: chain_id must be an integer");
    assertRefused(chains(CHAIN.copy().put("rpc_url", "ws://127.0.0.1:8546")), "chains[0]: rpc_url must be an http(s) URL");
    assertRefused(chains(CHAIN.copy().put("confirmations", -1)), "chains[0]: confirmations must be an integer from 0");
    assertRefused(chains(CHAIN.copy().put("max_block_range", "big")), "chains[0]: max_block_range must be an integer");
    assertRefused(chains(CHAIN.copy().put("abi", "erc8004-v2")), "chains[0]: no ABI catalogue abi/erc8004-v2.json");
    assertRefused(chains(CHAIN.copy().put("abi", 4)), "chains[0]: abi must be the path");
    assertThat(IngestSettings.parse(chains(CHAIN.copy().put("abi", "erc8004-v0.4"))).chains().get(0).abi()).isEqualTo("erc8004-v0.4");
    assertRefused(chains(CHAIN.copy().put("unhealthy_after_ms", -1)), "chains[0]: unhealthy_after_ms must be an integer from 0 to 86400000");
    assertRefused(chains(CHAIN.copy().put("registries", new JsonObject().put("identity", "0x12"))),
        "chains[0]: registries.identity must be 0x and 40 hex digits");
    assertRefused(chains(CHAIN.copy().put("registries", new JsonObject().put("identities", "0x" + "ab".repeat(20)))),
        "chains[0]: registries.identities: not a registry");
    assertRefused(chains(CHAIN.copy().put("registries", new JsonObject())), "chains[0]: registries needs at least one");
  }

  @Test
  void aBadSettingStopsTheNodeBeforeItStartsAnything() throws Exception {
    Path dataDir = TestNode.tempDir();
    Path config = TestNode.configFile("verticles:\n  config:\n    ingest:\n      retention_days: 0\n");
    StringWriter err = new StringWriter();
    int code = Main.execute(new String[] {"run", "--config", config.toString(), "--data-dir", dataDir.toString(), "--verticles", "ingest",
        "--http-port", "0"}, Map.of(), new PrintWriter(err, true));
    assertThat(code).as(err.toString()).isEqualTo(Main.USAGE);
    assertThat(err.toString().lines()).containsExactly(
        "kos-node: verticles.config.ingest: retention_days must be an integer from 1 to 36500, not 0");
    assertThat(Files.exists(dataDir.resolve("pg"))).as("no database was started").isFalse();
  }

  private static JsonObject chains(JsonObject... chains) {
    return new JsonObject().put("chains", new JsonArray(java.util.List.of((Object[]) chains)));
  }

  private static JsonObject withoutKey(String key) {
    JsonObject chain = CHAIN.copy();
    chain.remove(key);
    return chain;
  }

  private static void assertRefused(JsonObject config, String message) {
    assertThatThrownBy(() -> IngestSettings.parse(config)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }
}
