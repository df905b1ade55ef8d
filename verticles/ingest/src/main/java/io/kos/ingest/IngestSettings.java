package io.kos.ingest;

import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The verticle's settings, {@code verticles.config.ingest}: read once, checked before the node
 * starts anything ({@link IngestModule#checkConfig}), so a typo or a bad value stops the start with
 * the key's name rather than being ignored.
 */
record IngestSettings(int batchMax, int retentionDays, List<ChainFollower.Settings> chains) {

  private static final List<String> KEYS = List.of("abi", "batch_max", "chains", "retention_days");

  static IngestSettings parse(JsonObject config) {
    JsonFields fields = JsonFields.ofSettings(config).onlyKnown(KEYS);
    int batchMax = fields.intValue("batch_max", 5000, 1, 100_000);
    int retentionDays = fields.intValue("retention_days", 365, 1, 36_500);
    String resource = abi(config.getValue("abi", AbiCatalog.DEFAULT));
    Object rawChains = config.getValue("chains", new JsonArray());
    if (!(rawChains instanceof JsonArray list)) {
      throw new IllegalArgumentException("chains must be a list of chains to follow");
    }
    List<ChainFollower.Settings> chains = new ArrayList<>();
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof JsonObject chain)) {
        throw new IllegalArgumentException("chains[" + i + "] must be a mapping");
      }
      ChainFollower.Settings settings;
      try {
        settings = ChainFollower.Settings.parse(chain, resource);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("chains[" + i + "]: " + e.getMessage());
      }
      if (!ids.add(settings.chainId())) {
        throw new IllegalArgumentException("chains[" + i + "]: chain " + settings.chainId() + " is listed twice");
      }
      chains.add(settings);
    }
    return new IngestSettings(batchMax, retentionDays, List.copyOf(chains));
  }

  /** Block times before this (unix seconds, at {@code nowSeconds}) are past retention: whole partitions before it are dropped. */
  long retentionCutoff(long nowSeconds) {
    return nowSeconds - retentionDays * 86_400L;
  }

  /** An ABI catalogue setting: a name ({@code erc8004-v1}, {@code erc8004-v0.4}) or a class-path resource. */
  static String abi(Object value) {
    if (!(value instanceof String resource)) {
      throw new IllegalArgumentException("abi must be the path of an ABI catalogue on the class path or a catalogue name ("
          + AbiCatalog.V1 + ", " + AbiCatalog.V04 + "), not " + value);
    }
    return resource;
  }
}
