package io.kos.node.testkit;

import io.kos.node.Modules;
import io.kos.node.Node;
import io.kos.node.config.ConfigLoader;
import io.kos.node.config.NodeConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node started in this JVM on a random HTTP port, with its own data dir and a fresh database
 * from {@link TestDatabase} (unless the settings name another). Settings use the config keys:
 * {@code TestNode.start(Map.of("verticles.deploy", "probe"))}.
 */
public final class TestNode implements AutoCloseable {

  private final Node node;
  private final String databaseUrl;
  private final Http http;
  private Accounts.Session admin;

  private TestNode(Node node, String databaseUrl) {
    this.node = node;
    this.databaseUrl = databaseUrl;
    this.http = new Http(node.httpUrl());
  }

  public static TestNode start(Map<String, String> settings) {
    return start(settings, null);
  }

  /** As {@link #start(Map)}, with a config file too (for what only a file can say: {@code verticles.config}). */
  public static TestNode start(Map<String, String> settings, Path configFile) {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("http.port", "0");
    flags.put("http.host", "127.0.0.1");
    flags.put("shutdown.timeout", "10s");
    if (!settings.containsKey("node.data_dir")) {
      flags.put("node.data_dir", tempDir().toString());
    }
    if (!settings.containsKey("database.url")) {
      flags.put("database.url", TestDatabase.freshDatabaseUrl());
    }
    flags.putAll(settings);
    var modules = Modules.discover();
    NodeConfig config = new ConfigLoader(modules.keySet()).load(configFile, new HashMap<>(), flags);
    return new TestNode(Node.start(config, modules), config.databaseUrl());
  }

  /** A config file with this YAML text, for {@link #start(Map, Path)}. */
  public static Path configFile(String yaml) {
    try {
      return Files.writeString(Files.createTempFile(tempDir(), "node", ".yaml"), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Path tempDir() {
    try {
      return Files.createTempDirectory("kos-node-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Node node() {
    return node;
  }

  public Http http() {
    return http;
  }

  /**
   * The node's first user, {@code admin}: registered with the setup token on first call, or logged
   * in when the data dir already has users (a restarted node).
   */
  public synchronized Accounts.Session admin() {
    if (admin == null) {
      boolean fresh = java.nio.file.Files.exists(node.config().dataDir().resolve("setup-token"));
      admin = fresh ? Accounts.bootstrapAdmin(http, node.config().dataDir()) : Accounts.login(http, "admin");
    }
    return admin;
  }

  /** Registers a user with a role (by the admin, so closed registration does not matter) and logs in. */
  public Accounts.Session user(String username, String role) {
    return Accounts.register(admin().http(), http, username, role);
  }

  public int port() {
    return node.httpPort();
  }

  /** A plain JDBC connection to this node's database (any schema: qualify names), for what a test checks in SQL. */
  public Connection jdbc() throws SQLException {
    return node.database().jdbcConnection(Duration.ofSeconds(5));
  }

  /** The {@code postgresql://} URL of this node's database (empty when embedded). */
  public String databaseUrl() {
    return databaseUrl;
  }

  @Override
  public void close() {
    node.stop();
  }
}
