package io.kos.node.db;

import io.kos.node.PrivateFiles;
import io.kos.node.config.ConfigException;
import io.kos.node.config.NodeConfig;
import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
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
  /** The embedded server's password, beside its data dir, owner-only. */
  public static final String PASSWORD_FILE = "pg-password";
  private static final String HBA_MARKER = "# written by kos-node at every start: password (scram-sha-256) only, loopback only\n";
  private static final SecureRandom RANDOM = new SecureRandom();

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
      String password = password(config.dataDir().resolve(PASSWORD_FILE));
      // a data dir from before passwords: start it as it is once, set the password, then lock it
      boolean upgrade = Files.exists(pgData.resolve("PG_VERSION")) && !ownsHba(pgData);
      Path pwfile = config.dataDir().resolve(PASSWORD_FILE);
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
          // initdb of a new data dir: the password from the start, no trust
          .setLocaleConfig("pwfile", pwfile.toString())
          .setLocaleConfig("auth", "scram-sha-256")
          .setConnectConfig("password", password)
          .setDataDirectoryCustomizer(dir -> {
            if (!upgrade) {
              writeHba(dir.toPath());
            }
          })
          .start();
      if (upgrade) {
        requirePassword(server, pgData, password);
      }
      LOG.info("embedded PostgreSQL on 127.0.0.1:{} ready in {} ms (data in {})", server.getPort(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), pgData);
      PgConnectOptions options = new PgConnectOptions()
          .setHost("127.0.0.1").setPort(server.getPort()).setUser("postgres").setPassword(password).setDatabase(EMBEDDED_DATABASE);
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

  /** The embedded server's password: {@code <data_dir>/pg-password}, created owner-only on first start. */
  private static String password(Path file) throws IOException {
    if (Files.exists(file)) {
      String password = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (!password.isEmpty()) {
        return password;
      }
    }
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    PrivateFiles.write(file, password + "\n");
    return password;
  }

  private static boolean ownsHba(Path pgData) throws IOException {
    Path hba = pgData.resolve("pg_hba.conf");
    return Files.exists(hba) && Files.readString(hba, StandardCharsets.UTF_8).startsWith(HBA_MARKER);
  }

  /**
   * Only password logins (SCRAM), only from loopback and the server's own socket: no {@code trust}
   * line, so another local user cannot read the tables (password hashes included). Rewritten at
   * every start, so a hand edit that loosens it does not survive one.
   */
  private static void writeHba(Path pgData) {
    try {
      Files.writeString(pgData.resolve("pg_hba.conf"), HBA_MARKER + """
          # TYPE  DATABASE  USER  ADDRESS       METHOD
          local   all       all                 scram-sha-256
          host    all       all   127.0.0.1/32  scram-sha-256
          host    all       all   ::1/128       scram-sha-256
          """, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + pgData.resolve("pg_hba.conf"), e);
    }
  }

  /** Upgrades a data dir of an earlier version in place: sets the password, then swaps the trusting pg_hba for ours. */
  private static void requirePassword(EmbeddedPostgres server, Path pgData, String password) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.getPort() + "/postgres", "postgres", "");
         Statement s = c.createStatement()) {
      s.execute("SET password_encryption = 'scram-sha-256'");
      // the password is base64url: nothing to escape
      s.execute("ALTER ROLE postgres PASSWORD '" + password + "'");
      writeHba(pgData);
      s.execute("SELECT pg_reload_conf()");
    }
    LOG.info("embedded PostgreSQL in {} now requires the password in {} (upgraded from trust)", pgData, PASSWORD_FILE);
  }

  private void createEmbeddedDatabase() throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), "postgres", password());
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
