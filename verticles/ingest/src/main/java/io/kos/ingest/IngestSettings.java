package io.kos.ingest;

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
record IngestSettings(int batchMax, int retentionDays, List<ChainFollower.Settings> chains, String abi) {

  private static final List<String> KEYS = List.of("abi", "batch_max", "chains", "retention_days");

  static IngestSettings parse(JsonObject config) {
    onlyKnown(config, KEYS);
    int batchMax = (int) integer(config, "batch_max", 5000L, 1, 100_000);
    int retentionDays = (int) integer(config, "retention_days", 365L, 1, 36_500);
    Object abi = config.getValue("abi", AbiCatalog.DEFAULT);
    if (!(abi instanceof String resource)) {
      throw new IllegalArgumentException("abi must be the path of an ABI catalogue on the class path");
    }
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
        settings = ChainFollower.Settings.parse(chain);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("chains[" + i + "]: " + e.getMessage());
      }
      if (!ids.add(settings.chainId())) {
        throw new IllegalArgumentException("chains[" + i + "]: chain " + settings.chainId() + " is listed twice");
      }
      chains.add(settings);
    }
    if (!chains.isEmpty()) {
      AbiCatalog.load(resource);
    }
    return new IngestSettings(batchMax, retentionDays, List.copyOf(chains), resource);
  }

  /** Refuses a key not in {@code keys}, naming the known ones: a typo is not a default. */
  static void onlyKnown(JsonObject config, List<String> keys) {
    for (String key : config.fieldNames()) {
      if (!keys.contains(key)) {
        throw new IllegalArgumentException("unknown key '" + key + "' (known: " + String.join(", ", keys) + ")");
      }
    }
  }

  /** The integer at {@code key} within [min, max], or the default when absent (null: required). */
  static long integer(JsonObject config, String key, Long defaultValue, long min, long max) {
    Object value = config.getValue(key, defaultValue);
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min || ((Number) value).longValue() > max) {
      throw new IllegalArgumentException(key + " must be an integer from " + min + " to " + max + ", not " + value);
    }
    return ((Number) value).longValue();
  }
}
