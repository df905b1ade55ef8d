package io.kos.node;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The node's own PostgreSQL server goes away and comes back: 503 with Retry-After meanwhile, then service again. */
class DatabaseOutageTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void databaseDownIs503AndTheNodeRecoversWhenItReturns() throws Exception {
    Path pgData = TestNode.tempDir().resolve("pg");
    EmbeddedPostgres server = startServer(pgData, 0);
    int port = server.getPort();
    try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE outage");
    }
    String url = "postgresql://postgres@127.0.0.1:" + port + "/outage";
    try (TestNode node = TestNode.start(Map.of("database.url", url, "verticles.deploy", "probe"))) {
      Http http = node.admin().http();
      long id = http.postJson("/api/probe/v1/notes", new JsonObject().put("text", "before the outage")).json().getLong("id");
      String apiKey = http.postJson("/api/auth/v1/api-keys", new JsonObject().put("name", "outage")).json().getString("key");

      server.close();
      Http.Response down = http.await("/api/probe/v1/notes/" + id, r -> r.status() == 503, WAIT);
      assertThat(down.json().getString("error")).isEqualTo("database_unavailable");
      assertThat(down.header("Retry-After")).isEqualTo("5");
      Http.Response ready = http.get("/health/ready");
      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.json().getJsonObject("checks").getJsonObject("database").getBoolean("ok")).isFalse();
      assertThat(http.postJson("/api/probe/v1/notes", new JsonObject().put("text", "during")).status()).isEqualTo(503);
      // access control needs the database too: logins and API keys get 503, not 401 or 500
      Http.Response login = node.http().postJson("/api/auth/v1/login",
          new JsonObject().put("username", "admin").put("password", Accounts.PASSWORD));
      assertThat(login.status()).as(login.toString()).isEqualTo(503);
      assertThat(login.json().getString("error")).isEqualTo("database_unavailable");
      Http.Response keyed = node.http().withApiKey(apiKey).get("/api/probe/v1/whoami");
      assertThat(keyed.status()).as(keyed.toString()).isEqualTo(503);
      // a bearer token is checked without the database
      assertThat(http.get("/api/probe/v1/whoami").status()).isEqualTo(200);

      server = startServer(pgData, port);
      Http.Response back = http.await("/api/probe/v1/notes/" + id, r -> r.status() == 200, WAIT);
      assertThat(back.json().getString("text")).isEqualTo("before the outage");
      assertThat(http.await("/health/ready", r -> r.status() == 200, WAIT).json().getBoolean("ready")).isTrue();
    } finally {
      server.close();
    }
  }

  private static EmbeddedPostgres startServer(Path pgData, int port) throws Exception {
    return EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false).setPort(port).start();
  }
}
