package io.kos.node.config;

import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The validated configuration of a node; built only by {@link ConfigLoader}. */
public record NodeConfig(
    String configSource,
    String nodeClass,
    int eventLoops,
    Path dataDir,
    List<String> verticles,
    int instances,
    String httpHost,
    int httpPort,
    String publicUrl,
    int bodyLimit,
    Duration requestTimeout,
    String databaseUrl,
    int poolSize,
    Duration databaseConnectTimeout,
    int embeddedDatabasePort,
    boolean clusterEnabled,
    String clusterName,
    String clusterHost,
    int clusterPort,
    int busPort,
    List<String> clusterMembers,
    Path keyFile,
    String logFormat,
    String logLevel,
    Duration shutdownTimeout,
    AuthSettings auth,
    JsonObject verticleConfig) {

  /** Event-loop threads, with 0 resolved to the number of cores. */
  public int eventLoopThreads() {
    return eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
  }

  public boolean embeddedDatabase() {
    return databaseUrl.isEmpty();
  }

  /** The verticle's own config section (empty object when absent). */
  public JsonObject configOf(String verticle) {
    JsonObject section = verticleConfig.getJsonObject(verticle);
    return section == null ? new JsonObject() : section.copy();
  }

  public int poolSizeOf(String verticle) {
    return configOf(verticle).getInteger("pool_size", poolSize);
  }

  public int instancesOf(String verticle) {
    return configOf(verticle).getInteger("instances", instances);
  }
}
