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
    TlsFiles httpTls,
    String publicUrl,
    int bodyLimit,
    Duration headerTimeout,
    Duration bodyTimeout,
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
    TlsFiles clusterTls,
    Path keyFile,
    MasterKeySetting masterKey,
    List<String> outboundAllow,
    KlfSettings klf,
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

  /** The verticle's own settings: its section without the node's {@code pool_size} and {@code instances}. */
  public JsonObject configOf(String verticle) {
    JsonObject own = section(verticle);
    own.remove("pool_size");
    own.remove("instances");
    return own;
  }

  public int poolSizeOf(String verticle) {
    return section(verticle).getInteger("pool_size", poolSize);
  }

  public int instancesOf(String verticle) {
    return section(verticle).getInteger("instances", instances);
  }

  private JsonObject section(String verticle) {
    JsonObject section = verticleConfig.getJsonObject(verticle);
    return section == null ? new JsonObject() : section.copy();
  }
}
