package io.kos.node;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Start, stop, start again on the same data dir with the embedded PostgreSQL. */
class LifecycleTest {

  @Test
  void restartKeepsIdentityAndDataAndDoesNotRerunMigrations() throws Exception {
    Path dataDir = TestNode.tempDir();
    Map<String, String> settings = Map.of("node.data_dir", dataDir.toString(), "database.url", "", "verticles.deploy", "probe");

    String did;
    long noteId;
    int nodeMigrations;
    int probeMigrations;
    try (TestNode first = TestNode.start(settings)) {
      did = first.node().identity().did();
      JsonObject schemas = schemas(first.http());
      nodeMigrations = schemas.getJsonObject("node").getInteger("applied_at_start");
      probeMigrations = schemas.getJsonObject("probe").getInteger("applied_at_start");
      assertThat(nodeMigrations).isPositive();
      assertThat(probeMigrations).isPositive();
      noteId = first.admin().http().postJson("/api/probe/v1/notes", new JsonObject().put("text", "survives restarts")).json().getLong("id");
    }
    assertThat(Files.getPosixFilePermissions(dataDir.resolve("node.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(dataDir.resolve("pg/PG_VERSION")).exists();

    try (TestNode second = TestNode.start(settings)) {
      assertThat(second.node().identity().did()).isEqualTo(did);
      JsonObject schemas = schemas(second.http());
      assertThat(schemas.getJsonObject("node").getInteger("applied_at_start")).isZero();
      assertThat(schemas.getJsonObject("probe").getInteger("applied_at_start")).isZero();
      assertThat(second.admin().http().get("/api/probe/v1/notes/" + noteId).json().getString("text")).isEqualTo("survives restarts");
      try (Connection c = second.jdbc(); Statement s = c.createStatement()) {
        assertThat(count(s, "SELECT count(*) FROM probe.flyway_schema_history WHERE success AND type = 'SQL'")).isEqualTo(probeMigrations);
        assertThat(count(s, "SELECT count(*) FROM node.flyway_schema_history WHERE success AND type = 'SQL'")).isEqualTo(nodeMigrations);
        assertThat(count(s, "SELECT count(*) FROM node.node_runs WHERE node_id = '" + did + "'")).isEqualTo(2);
        assertThat(count(s, "SELECT count(*) FROM node.node_runs WHERE stopped_at IS NOT NULL")).as("first run stopped cleanly").isEqualTo(1);
      }
    }
  }

  @Test
  void verticleThatIsNotDeployedIsNotMigrated() throws Exception {
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", ""))) {
      try (Connection c = node.jdbc(); Statement s = c.createStatement()) {
        assertThat(count(s, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'probe'")).isZero();
        assertThat(count(s, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'node'")).isOne();
      }
    }
  }

  private static JsonObject schemas(Http http) {
    return http.get("/health/ready").json().getJsonObject("checks").getJsonObject("migrations").getJsonObject("schemas");
  }

  private static long count(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
