package io.kos.node.config;

/** A bad configuration or usage: the node stops with this one-line message and exit code 2. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
