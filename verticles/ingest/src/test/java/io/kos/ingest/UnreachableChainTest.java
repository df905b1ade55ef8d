package io.kos.ingest;

import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A chain whose RPC endpoint answers nothing (a closed port on loopback) is visible: {@code /chains}
 * shows the last error and since when, the metric counts the seconds, and past
 * {@code unhealthy_after_ms} the node's health says so (degraded), instead of "following" and ok.
 */
class UnreachableChainTest {

  @Test
  void aFailingEndpointShowsInChainsHealthAndMetrics() {
    Path config = TestNode.configFile("""
        verticles:
          config:
            ingest:
              chains:
                - chain_id: 31337
                  rpc_url: http://127.0.0.1:1
                  registries: {identity: "0x00000000000000000000000000000000000000a1"}
                  unhealthy_after_ms: 300
        """);
    try (TestNode node = TestNode.start(Map.of("verticles.deploy", "ingest"), config)) {
      Http admin = node.admin().http();
      JsonObject chain = admin.await("/api/ingest/v1/chains",
          r -> r.json().getJsonArray("chains").getJsonObject(0).getValue("last_error") != null, Duration.ofSeconds(10))
          .json().getJsonArray("chains").getJsonObject(0);
      assertThat(chain.getString("state")).isEqualTo("following");
      assertThat(chain.getLong("head")).isEqualTo(-1);
      JsonObject error = chain.getJsonObject("last_error");
      assertThat(error.getString("message")).contains("chain id");
      assertThat(Instant.parse(error.getString("since"))).isBefore(Instant.now().plusSeconds(1));
      Http.Response ready = node.http().await("/health/ready", r -> "degraded".equals(r.json().getString("status")), Duration.ofSeconds(10));
      assertThat(ready.status()).as("the rest of the node works: still ready").isEqualTo(200);
      JsonObject ingest = ready.json().getJsonObject("checks").getJsonObject("verticles").getJsonObject("health").getJsonObject("ingest");
      assertThat(ingest.getBoolean("ok")).isFalse();
      assertThat(ingest.getString("error")).contains("unhealthy_after_ms");
      Matcher seconds = Pattern.compile("kos_ingest_chain_failing_seconds\\{chain_id=\"31337\"} ([0-9.]+)").matcher(node.http().get("/metrics").text());
      assertThat(seconds.find()).isTrue();
      assertThat(Double.parseDouble(seconds.group(1))).isPositive();
    }
  }
}
