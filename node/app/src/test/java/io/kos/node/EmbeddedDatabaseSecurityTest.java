package io.kos.node;

import io.kos.node.db.Database;
import io.kos.node.testkit.TestNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The embedded PostgreSQL takes only its generated password (SCRAM), only on loopback: no password
 * and a wrong one are refused. A data dir from an earlier version (trust) is upgraded in place.
 */
class EmbeddedDatabaseSecurityTest {

  @Test
  void onlyTheGeneratedPasswordGetsIn() throws Exception {
    Path dataDir = TestNode.tempDir();
    try (TestNode node = TestNode.start(Map.of("node.data_dir", dataDir.toString(), "database.url", "", "verticles.deploy", ""))) {
      Path passwordFile = dataDir.resolve(Database.PASSWORD_FILE);
      assertThat(Files.getPosixFilePermissions(passwordFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
      String password = Files.readString(passwordFile).trim();
      assertThat(password).hasSizeGreaterThanOrEqualTo(40);
      int port = port(node);
      refused(port, "");
      refused(port, "postgres");
      refused(port, password + "x");
      try (Connection c = connect(port, password); Statement s = c.createStatement()) {
        assertThat(one(s, "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'trust'")).isZero();
        assertThat(one(s, "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'scram-sha-256'")).isEqualTo(3);
        assertThat(string(s, "SHOW listen_addresses")).isEqualTo("127.0.0.1");
        assertThat(string(s, "SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'")).startsWith("SCRAM-SHA-256$");
      }
      assertThat(node.http().get("/health/ready").status()).isEqualTo(200);
    }
    // a restart reads the same password
    try (TestNode again = TestNode.start(Map.of("node.data_dir", dataDir.toString(), "database.url", "", "verticles.deploy", ""))) {
      assertThat(again.http().get("/health/ready").status()).isEqualTo(200);
    }
  }

  @Test
  void aTrustingDataDirOfAnEarlierVersionIsUpgradedInPlace() throws Exception {
    Path dataDir = TestNode.tempDir();
    try (EmbeddedPostgres earlier = EmbeddedPostgres.builder().setDataDirectory(dataDir.resolve("pg")).setCleanDataDirectory(false).start();
         Connection c = earlier.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE kos");
      try (Connection kos = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + earlier.getPort() + "/kos", "postgres", "");
           Statement k = kos.createStatement()) {
        k.execute("CREATE TABLE kept (what text)");
        k.execute("INSERT INTO kept VALUES ('from the earlier version')");
      }
    }
    try (TestNode node = TestNode.start(Map.of("node.data_dir", dataDir.toString(), "database.url", "", "verticles.deploy", ""))) {
      int port = port(node);
      refused(port, "");
      String password = Files.readString(dataDir.resolve(Database.PASSWORD_FILE)).trim();
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/kos", "postgres", password);
           Statement s = c.createStatement()) {
        assertThat(string(s, "SELECT what FROM public.kept")).isEqualTo("from the earlier version");
      }
    }
    try (TestNode again = TestNode.start(Map.of("node.data_dir", dataDir.toString(), "database.url", "", "verticles.deploy", ""))) {
      refused(port(again), "");
      assertThat(again.http().get("/health/ready").status()).isEqualTo(200);
    }
  }

  private static int port(TestNode node) {
    String described = node.node().database().describe();
    return Integer.parseInt(described.substring(described.lastIndexOf(':') + 1, described.indexOf('/', described.lastIndexOf(':'))));
  }

  private static Connection connect(int port, String password) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", password);
  }

  private static void refused(int port, String password) {
    assertThatThrownBy(() -> connect(port, password).close()).isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).as(e.getMessage()).isIn("28P01", "08004"));
  }

  private static long one(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String string(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
