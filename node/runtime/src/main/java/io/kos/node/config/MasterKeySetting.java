package io.kos.node.config;

/** {@code node.master_key} as configured (base64, or empty for the data-dir file); never printed. */
public record MasterKeySetting(String base64) {

  @Override
  public String toString() {
    return base64.isEmpty() ? "(data dir)" : "(set)";
  }
}
