package io.kos.ingest;

import java.util.Map;

/**
 * The official ERC-8004 deployments a chain can name ({@code deployment: erc8004-mainnet}) instead
 * of listing its registries: the same addresses on every chain of each kind (ERCS/erc-8004.md,
 * January 2026). No official validation registry is published yet, so a preset leaves it to
 * {@code registries.validation}.
 */
final class Deployments {

  static final Map<String, Map<String, String>> PRESETS = Map.of(
      "erc8004-mainnet", Map.of(
          "identity", "0x8004a169fb4a3325136eb29fa0ceb6d2e539a432",
          "reputation", "0x8004baa17c55a88189ae136b182e5fda19de9b63"),
      "erc8004-testnet", Map.of(
          "identity", "0x8004a818bfb912233c491871b3d84c89a494bd9e",
          "reputation", "0x8004b663056a597dffe9eccc1965a193b7388713"));

  private Deployments() {
  }

  /** The registries of a preset; an unknown name names the known ones. */
  static Map<String, String> registries(Object name) {
    Map<String, String> registries = name instanceof String preset ? PRESETS.get(preset) : null;
    if (registries == null) {
      throw new IllegalArgumentException("deployment must be one of " + String.join(", ", PRESETS.keySet().stream().sorted().toList())
          + ", not " + name);
    }
    return registries;
  }
}
