package io.kos.node;

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
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** The node's own PostgreSQL server goes away and comes back: 503 with Retry-After meanwhile, then service again. */
class DatabaseOutageTest {

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
      Http http = node.http();
      long id = http.postJson("/api/probe/v1/notes", new JsonObject().put("text", "before the outage")).json().getLong("id");

      server.close();
      Http.Response down = await(http, "/api/probe/v1/notes/" + id, r -> r.status() == 503);
      assertThat(down.json().getString("error")).isEqualTo("database_unavailable");
      assertThat(down.header("Retry-After")).isEqualTo("5");
      Http.Response ready = http.get("/health/ready");
      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.json().getJsonObject("checks").getJsonObject("database").getBoolean("ok")).isFalse();
      assertThat(http.postJson("/api/probe/v1/notes", new JsonObject().put("text", "during")).status()).isEqualTo(503);

      server = startServer(pgData, port);
      Http.Response back = await(http, "/api/probe/v1/notes/" + id, r -> r.status() == 200);
      assertThat(back.json().getString("text")).isEqualTo("before the outage");
      assertThat(await(http, "/health/ready", r -> r.status() == 200).json().getBoolean("ready")).isTrue();
    } finally {
      server.close();
    }
  }

  private static EmbeddedPostgres startServer(Path pgData, int port) throws Exception {
    return EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false).setPort(port).start();
  }

  private static Http.Response await(Http http, String path, Predicate<Http.Response> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Http.Response last = null;
    while (System.nanoTime() < deadline) {
      last = http.get(path);
      if (condition.test(last)) {
        return last;
      }
      ClusterTest.sleep(200);
    }
    throw new AssertionError("condition not met; last response: " + last);
  }
}
