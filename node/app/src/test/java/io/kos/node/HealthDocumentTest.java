package io.kos.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.kos.node.health.LogCounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.kos.verticle.IdentityDocuments;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /klf/v1/health}: signed like the identity, fresh, with the figures a watcher diagnoses from. */
class HealthDocumentTest {

  private static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "probe"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void theDocumentIsSignedFreshAndComplete() {
    JsonObject health = node.http().get("/klf/v1/health").json();
    assertThat(IdentityDocuments.problem(health)).isNull();
    assertThat(health.getString("nodeId")).isEqualTo(node.node().identity().did());
    assertThat(health.getString("publicKey")).isEqualTo(node.http().get("/klf/v1/identity").json().getString("publicKey"));
    assertThat(Duration.between(Instant.parse(health.getString("timestamp")), Instant.now()).abs()).isLessThan(Duration.ofSeconds(10));
    assertThat(health.getString("status")).isEqualTo("Healthy");
    assertThat(health.getString("readiness")).isEqualTo("ready");
    JsonObject metrics = health.getJsonObject("metrics");
    assertThat(metrics.getDouble("memory_usage_mb")).isPositive();
    assertThat(metrics.getDouble("memory_usage_percent")).isBetween(0.0, 100.0);
    assertThat(metrics.getDouble("disk_total_gb")).isPositive();
    assertThat(metrics.getDouble("disk_usage_percent")).isBetween(0.0, 100.0);
    assertThat(metrics.getDouble("network_io_kbps")).isNotNegative();
    assertThat(metrics.containsKey("cpu_usage_percent")).isTrue();
    JsonArray dependencies = health.getJsonArray("dependencies");
    JsonObject database = dependencies.getJsonObject(0);
    assertThat(database.getString("name")).isEqualTo("database");
    assertThat(database.getString("status")).isEqualTo("Healthy");
    assertThat(health.getJsonArray("verticles")).containsExactly(new JsonObject().put("name", "probe").put("ok", true).putNull("error"));
    // a tampered document no longer verifies
    assertThat(IdentityDocuments.problem(health.copy().put("status", "Error"))).isEqualTo("the signature does not verify");
  }

  @Test
  void theLogsOwnErrorsAndWarningsAreCounted() {
    JsonObject before = node.http().get("/klf/v1/health").json().getJsonObject("logs_summary");
    org.slf4j.Logger log = LoggerFactory.getLogger(HealthDocumentTest.class);
    log.error("an error for the health document's count");
    log.warn("a warning for it");
    log.warn("and another");
    JsonObject after = node.http().get("/klf/v1/health").json().getJsonObject("logs_summary");
    assertThat(after.getLong("error_count")).isEqualTo(before.getLong("error_count") + 1);
    assertThat(after.getLong("warning_count")).isEqualTo(before.getLong("warning_count") + 2);
    assertThat(after.getInteger("interval_seconds")).isEqualTo(300);
  }

  @Test
  void countsOlderThanTheWindowAreDropped() {
    LogCounts counts = new LogCounts();
    long start = 1_000_000L * 60_000;
    counts.start();
    counts.doAppend(event(Level.ERROR, start));
    counts.doAppend(event(Level.WARN, start + 60_000));
    counts.doAppend(event(Level.INFO, start + 60_000));
    assertThat(counts.summary(start + 60_000)).isEqualTo(summary(1, 1));
    // five minutes later the first minute has left the window; six, the second too
    assertThat(counts.summary(start + 5 * 60_000)).isEqualTo(summary(0, 1));
    assertThat(counts.summary(start + 6 * 60_000)).isEqualTo(summary(0, 0));
    // a slot reused by a later minute starts from zero
    counts.doAppend(event(Level.ERROR, start + 6 * 60_000));
    assertThat(counts.summary(start + 6 * 60_000)).isEqualTo(summary(1, 0));
  }

  @Test
  void aNodeThatIsNotDiscoverableAnswersACredentialOnly() {
    try (TestNode hidden = TestNode.start(Map.of("verticles.deploy", "", "klf.discoverable", "false"))) {
      Http.Response anonymous = hidden.http().get("/klf/v1/health");
      assertThat(anonymous.status()).isEqualTo(401);
      assertThat(anonymous.json().getString("error")).isEqualTo("unauthorized");
      assertThat(hidden.admin().http().get("/klf/v1/health").status()).isEqualTo(200);
    }
  }

  private static LoggingEvent event(Level level, long at) {
    LoggingEvent event = new LoggingEvent();
    event.setLevel(level);
    event.setTimeStamp(at);
    event.setMessage("x");
    event.setLoggerName("test");
    return event;
  }

  private static JsonObject summary(long errors, long warnings) {
    return new JsonObject().put("error_count", errors).put("warning_count", warnings).put("interval_seconds", 300);
  }
}
