package io.kos.node.db;

import io.kos.node.config.ConfigException;
import io.kos.node.config.NodeConfig;
import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The node's PostgreSQL: an embedded server in {@code <data_dir>/pg} (zonky binaries, reused across
 * starts) or an external one from {@code database.url}. Gives Flyway its JDBC coordinates and each
 * verticle reactive connect options bound to its schema.
 */
public final class Database implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);
  static final String EMBEDDED_DATABASE = "kos";

  private final EmbeddedPostgres embedded;
  private final PgConnectOptions connectOptions;

  private Database(EmbeddedPostgres embedded, PgConnectOptions connectOptions) {
    this.embedded = embedded;
    this.connectOptions = connectOptions;
  }

  /** Starts the embedded server or checks that the external one answers; blocking. */
  public static Database open(NodeConfig config) {
    return config.embeddedDatabase() ? startEmbedded(config) : connectExternal(config);
  }

  private static Database connectExternal(NodeConfig config) {
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(config.databaseUrl());
    } catch (RuntimeException e) {
      throw new ConfigException("database.url is not a valid PostgreSQL URL: " + e.getMessage());
    }
    Database database = new Database(null, options);
    try (Connection ignored = database.jdbcConnection(config.databaseConnectTimeout())) {
      return database;
    } catch (SQLException e) {
      throw new ConfigException("database " + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase()
          + " is unreachable: " + oneLine(e));
    }
  }

  private static Database startEmbedded(NodeConfig config) {
    Path pgData = config.dataDir().resolve("pg");
    try {
      Files.createDirectories(pgData);
      stopOrphanedServer(pgData);
      long started = System.nanoTime();
      EmbeddedPostgres server = EmbeddedPostgres.builder()
          .setDataDirectory(pgData)
          .setCleanDataDirectory(false)
          .setPort(config.embeddedDatabasePort())
          // zonky tunes for throwaway test databases; a node's data must survive a crash
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("full_page_writes", "on")
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("max_connections", "200")
          .setPGStartupWait(Duration.ofSeconds(60))
          .setOutputRedirector(ProcessBuilder.Redirect.appendTo(config.dataDir().resolve("postgres.log").toFile()))
          .setErrorRedirector(ProcessBuilder.Redirect.appendTo(config.dataDir().resolve("postgres.log").toFile()))
          .setRegisterShutdownHook(false)
          .start();
      LOG.info("embedded PostgreSQL on 127.0.0.1:{} ready in {} ms (data in {})", server.getPort(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), pgData);
      PgConnectOptions options = new PgConnectOptions()
          .setHost("127.0.0.1").setPort(server.getPort()).setUser("postgres").setDatabase(EMBEDDED_DATABASE);
      Database database = new Database(server, options);
      database.createEmbeddedDatabase();
      return database;
    } catch (IOException | SQLException | RuntimeException e) {
      throw new IllegalStateException("embedded PostgreSQL did not start in " + pgData + " (see "
          + config.dataDir().resolve("postgres.log") + "): " + oneLine(e), e);
    }
  }

  /**
   * A node killed with -9 leaves its PostgreSQL running. The caller holds the data-dir lock, so a
   * server still listed in postmaster.pid is an orphan of an earlier run: stop it (fast shutdown,
   * which keeps every committed transaction) before starting our own.
   */
  private static void stopOrphanedServer(Path pgData) throws IOException {
    Path pidFile = pgData.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.isEmpty()) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return;
    }
    ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false))
        .ifPresent(orphan -> {
          LOG.warn("stopping PostgreSQL (pid {}) left running by an earlier node process", pid);
          try {
            new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
            orphan.onExit().get(30, TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new IllegalStateException("could not stop orphaned PostgreSQL pid " + pid + ": " + e.getMessage(), e);
          }
        });
  }

  private void createEmbeddedDatabase() throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), "postgres", "");
         Statement s = c.createStatement()) {
      var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + EMBEDDED_DATABASE + "'");
      if (!rs.next()) {
        s.execute("CREATE DATABASE " + EMBEDDED_DATABASE);
      }
    }
  }

  public boolean isEmbedded() {
    return embedded != null;
  }

  /** Options for a pool whose sessions work in the given schema. */
  public PgConnectOptions connectOptions(String schema) {
    PgConnectOptions options = new PgConnectOptions(connectOptions).addProperty("search_path", schema)
        .addProperty("application_name", "kos-" + schema);
    options.setMetricsName("kos-" + schema);
    // parse and plan each statement once per connection, not on every execution
    options.setCachePreparedStatements(true);
    return options;
  }

  public String jdbcUrl() {
    return jdbcUrl(connectOptions.getDatabase());
  }

  private String jdbcUrl(String database) {
    return "jdbc:postgresql://" + connectOptions.getHost() + ":" + connectOptions.getPort() + "/" + database;
  }

  public String user() {
    return connectOptions.getUser();
  }

  public String password() {
    return connectOptions.getPassword() == null ? "" : connectOptions.getPassword();
  }

  /** A plain JDBC connection, for Flyway and start-up checks only (never on an event loop). */
  public Connection jdbcConnection(Duration timeout) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", user());
    properties.setProperty("password", password());
    properties.setProperty("connectTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
    properties.setProperty("loginTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
    return DriverManager.getConnection(jdbcUrl(), properties);
  }

  /** Describes where the data lives, for the banner. */
  public String describe() {
    return (isEmbedded() ? "embedded PostgreSQL " : "PostgreSQL ") + connectOptions.getHost() + ":" + connectOptions.getPort()
        + "/" + connectOptions.getDatabase();
  }

  @Override
  public void close() {
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        LOG.warn("embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
      }
    }
  }

  static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.replaceAll("\\s+", " ").trim();
  }
}
