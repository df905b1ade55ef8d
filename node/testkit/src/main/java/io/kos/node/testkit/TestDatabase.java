package io.kos.node.testkit;

import io.kos.node.db.Database;
import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One PostgreSQL server per test JVM, and a fresh database on it per caller (per test class), so
 * tests are isolated without paying a server start each. The server is, in this order:
 * <ul>
 *   <li>the external server named by {@code KOS_TEST_DB_URL} (a role allowed to CREATE DATABASE), e.g.
 *   {@code postgresql://postgres:secret@127.0.0.1:5432/postgres};</li>
 *   <li>with {@code KOS_TEST_DB=container}, a Testcontainers PostgreSQL of the image named by the
 *   system property {@code kos.test.db.image} (default {@value #DEFAULT_IMAGE}), when a Docker engine
 *   answers; without one the tests say so in one line and use the embedded server;</li>
 *   <li>else the embedded PostgreSQL 17.</li>
 * </ul>
 */
public final class TestDatabase {

  static final String DEFAULT_IMAGE = "postgres:17-alpine";
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final List<String> CREATED = new CopyOnWriteArrayList<>();
  private static PgConnectOptions admin;

  private TestDatabase() {
  }

  /** A new, empty database; returns its {@code postgresql://} URL for {@code database.url}. */
  public static String freshDatabaseUrl() {
    PgConnectOptions server = server();
    String name = "kos_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    try (Connection c = DriverManager.getConnection(jdbcUrl(server, server.getDatabase()), server.getUser(), password(server));
         Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name.toLowerCase(Locale.ROOT));
      CREATED.add(name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name + ": " + e.getMessage(), e);
    }
    return url(server, name);
  }

  /** JDBC URL for a {@code postgresql://} URL from {@link #freshDatabaseUrl}, for assertions in plain SQL. */
  public static Connection connect(String databaseUrl) throws SQLException {
    PgConnectOptions options = PgConnectOptions.fromUri(databaseUrl);
    return DriverManager.getConnection(jdbcUrl(options, options.getDatabase()), options.getUser(), password(options));
  }

  /**
   * A connection to the embedded database of a node's data dir (a node process, running or killed
   * with its PostgreSQL left running): the port from line 4 of postmaster.pid, the password from
   * {@code pg-password}.
   */
  public static Connection connectEmbedded(Path dataDir) throws SQLException {
    try {
      String port = Files.readString(dataDir.resolve("pg/postmaster.pid")).lines().skip(3).findFirst().orElseThrow().trim();
      String password = Files.readString(dataDir.resolve(Database.PASSWORD_FILE)).trim();
      return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/kos", "postgres", password);
    } catch (IOException e) {
      throw new SQLException("no embedded database in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  private static synchronized PgConnectOptions server() {
    if (admin == null) {
      String external = System.getenv("KOS_TEST_DB_URL");
      if (external != null && !external.isBlank()) {
        admin = PgConnectOptions.fromUri(external);
        // an external server outlives the tests: leave it as it was found
        Runtime.getRuntime().addShutdownHook(new Thread(TestDatabase::dropCreated, "kos-test-db-cleanup"));
      } else if ("container".equals(System.getenv("KOS_TEST_DB"))) {
        admin = startContainer();
      } else {
        admin = startEmbedded();
      }
    }
    return admin;
  }

  /** A throwaway PostgreSQL in Docker, stopped with the JVM (Testcontainers' reaper); embedded when no engine answers. */
  private static PgConnectOptions startContainer() {
    String image = System.getProperty("kos.test.db.image", DEFAULT_IMAGE);
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      System.err.println("KOS_TEST_DB=container: no Docker engine answers, so the " + image
          + " container is skipped; the tests use the embedded PostgreSQL");
      return startEmbedded();
    }
    PostgreSQLContainer<?> container = new PostgreSQLContainer<>(DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"));
    container.start();
    return new PgConnectOptions().setHost(container.getHost()).setPort(container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT))
        .setUser(container.getUsername()).setPassword(container.getPassword()).setDatabase(container.getDatabaseName());
  }

  private static void dropCreated() {
    try (Connection c = DriverManager.getConnection(jdbcUrl(admin, admin.getDatabase()), admin.getUser(), password(admin));
         Statement s = c.createStatement()) {
      for (String name : CREATED) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    } catch (SQLException e) {
      System.err.println("could not drop test databases " + CREATED + ": " + e.getMessage());
    }
  }

  private static PgConnectOptions startEmbedded() {
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
      // benchmarks that report per-statement figures preload pg_stat_statements (-Dkos.test.db.preload=pg_stat_statements)
      String preload = System.getProperty("kos.test.db.preload", "");
      if (!preload.isEmpty()) {
        builder.setServerConfig("shared_preload_libraries", preload);
      }
      EmbeddedPostgres server = builder.start();
      return new PgConnectOptions().setHost("127.0.0.1").setPort(server.getPort()).setUser("postgres").setDatabase("postgres");
    } catch (IOException e) {
      throw new UncheckedIOException("embedded PostgreSQL for tests did not start", e);
    }
  }

  static String url(PgConnectOptions server, String database) {
    String credentials = server.getUser() + (server.getPassword() == null || server.getPassword().isEmpty() ? "" : ":" + server.getPassword());
    return "postgresql://" + credentials + "@" + server.getHost() + ":" + server.getPort() + "/" + database;
  }

  private static String jdbcUrl(PgConnectOptions server, String database) {
    return "jdbc:postgresql://" + server.getHost() + ":" + server.getPort() + "/" + database;
  }

  private static String password(PgConnectOptions options) {
    return options.getPassword() == null ? "" : options.getPassword();
  }
}
