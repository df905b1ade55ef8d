package io.kos.hakim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The diagnosis rules on their own: each band's hysteresis over a sequence of figures, and the worst finding first. */
class DiagnosisTest {

  private static final HakimSettings.Thresholds DEFAULTS = HakimSettings.parse(new JsonObject()).thresholds();

  @Test
  void aFigureHoveringAtItsThresholdDoesNotFlap() {
    // cpu: raised at 90, cleared below 75
    double[] figures = {50, 89.9, 90, 89, 76, 75, 74.9, 80, 89.9, 95, 60};
    boolean[] raised = {false, false, true, true, true, true, false, false, false, true, false};
    Set<String> active = new HashSet<>();
    for (int i = 0; i < figures.length; i++) {
      Diagnosis.Result result = diagnose(document(new JsonObject().put("cpu_usage_percent", figures[i]), new JsonArray(), 0), active);
      assertThat(result.codes().contains(Diagnosis.HIGH_CPU_LOAD)).as("cpu %s after %s", figures[i], active).isEqualTo(raised[i]);
      active = result.codes();
    }
  }

  @Test
  void everyBandHasItsOwnThresholds() {
    Object[][] bands = {
        {"memory_usage_percent", 90.0, 80.0, Diagnosis.MEMORY_PRESSURE},
        {"disk_usage_percent", 90.0, 85.0, Diagnosis.DISK_NEARING_CAPACITY},
    };
    for (Object[] band : bands) {
      JsonObject high = new JsonObject().put((String) band[0], band[1]);
      Set<String> raised = diagnose(document(high, new JsonArray(), 0), Set.of()).codes();
      assertThat(raised).containsExactly((String) band[3]);
      JsonObject atClear = new JsonObject().put((String) band[0], band[2]);
      assertThat(diagnose(document(atClear, new JsonArray(), 0), raised).codes()).containsExactly((String) band[3]);
      JsonObject below = new JsonObject().put((String) band[0], (Double) band[2] - 0.1);
      assertThat(diagnose(document(below, new JsonArray(), 0), raised).codes()).isEmpty();
    }
    assertThat(diagnose(document(new JsonObject(), new JsonArray(), 10), Set.of()).codes()).containsExactly(Diagnosis.ERROR_LOG_SPIKE);
    assertThat(diagnose(document(new JsonObject(), new JsonArray(), 5), Set.of(Diagnosis.ERROR_LOG_SPIKE)).codes())
        .containsExactly(Diagnosis.ERROR_LOG_SPIKE);
    assertThat(diagnose(document(new JsonObject(), new JsonArray(), 4), Set.of(Diagnosis.ERROR_LOG_SPIKE)).codes()).isEmpty();
    // a figure the node could not tell (null) raises nothing
    assertThat(diagnose(document(new JsonObject().putNull("cpu_usage_percent"), new JsonArray(), 0), Set.of()).codes()).isEmpty();
  }

  @Test
  void theWorstFindingIsTheDiagnosis() {
    JsonArray dependencies = new JsonArray()
        .add(new JsonObject().put("name", "database").put("status", "Healthy"))
        .add(new JsonObject().put("name", "cluster_member").put("dependency_did", "did:kos:ronin:" + "a".repeat(32)).put("status", "Unreachable"))
        .add(new JsonObject().put("name", "chain").put("chain_id", 1).put("status", "Failing").put("error", "rpc down"))
        .add(new JsonObject().put("name", "chain").put("chain_id", 8453).put("status", "Halted").put("error", "reorg"));
    Diagnosis.Result result = diagnose(document(new JsonObject().put("cpu_usage_percent", 99.0), dependencies, 0), Set.of());
    assertThat(result.status()).isEqualTo("Error");
    assertThat(result.findings().get(0).code()).isEqualTo(Diagnosis.CHAIN_HALTED);
    assertThat(result.codes()).containsExactlyInAnyOrder(Diagnosis.CHAIN_HALTED, Diagnosis.DEPENDENCY_UNREACHABLE, Diagnosis.HIGH_CPU_LOAD);
    assertThat(result.findings().stream().filter(f -> f.code().equals(Diagnosis.DEPENDENCY_UNREACHABLE)).count()).isEqualTo(2);
    JsonObject json = result.toJson();
    assertThat(json.getString("code")).isEqualTo(Diagnosis.CHAIN_HALTED);
    assertThat(json.getString("recommendation")).contains("8453");
    // the node's own status counts: a node that says Warning is at least Warning
    assertThat(diagnose(document(new JsonObject(), new JsonArray(), 0).put("status", "Warning"), Set.of()).status()).isEqualTo("Warning");
    assertThat(diagnose(document(new JsonObject(), new JsonArray(), 0), Set.of()).toJson().getString("code")).isEqualTo(Diagnosis.NONE);
  }

  @Test
  void settingsRefuseABandWhoseClearIsNotBelowItsHigh() {
    for (JsonObject bad : List.of(new JsonObject().put("cpu_high_percent", 80).put("cpu_clear_percent", 80),
        new JsonObject().put("error_log_spike", 5).put("error_log_clear", 9), new JsonObject().put("disk_high_percent", 101),
        new JsonObject().put("watch", new JsonArray().add("ftp://x")), new JsonObject().put("watch_ronin_classes", new JsonArray().add("Bad Class")),
        new JsonObject().put("interval_ms", 10), new JsonObject().put("intervall_ms", 1000),
        new JsonObject().put("raise_after_seconds", -1), new JsonObject().put("clear_after_seconds", 86_401))) {
      assertThatThrownBy(() -> HakimSettings.parse(bad)).as(bad.encode()).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad.fieldNames().iterator().next().replace("cpu_high_percent", "cpu_clear_percent")
              .replace("error_log_spike", "error_log_clear"));
    }
    HakimSettings settings = HakimSettings.parse(new JsonObject().put("watch", new JsonArray().add("http://10.0.0.5:8080/")));
    assertThat(settings.watch()).containsExactly("http://10.0.0.5:8080");
    assertThat(settings.intervalMs()).isEqualTo(30_000);
  }

  @Test
  void aBandWithDwellsWaitsForTheFigureToStayPastItsMark() {
    HakimSettings.Thresholds dwelling = HakimSettings.parse(new JsonObject().put("raise_after_seconds", 60).put("clear_after_seconds", 300)).thresholds();
    // polled every 30 s on a fake clock: cpu {figure at t seconds, raised after that poll}
    double[][] polls = {
        {0, 95, 0}, {30, 95, 0}, {60, 95, 1},      // raised once 60 s past 90
        {90, 70, 1}, {120, 95, 1},                 // a dip below clear that did not last clears nothing
        {150, 70, 1}, {449, 70, 1}, {450, 70, 0},  // below clear since 150: 300 s later it clears
        {451, 60, 0}, {480, 95, 0}, {510, 50, 0},  // a spike that did not last raises nothing
        {540, 95, 0}, {599, 95, 0}, {600, 95, 1}};
    Instant start = Instant.parse("2026-12-03T00:00:00Z");
    Diagnosis.Memory memory = new Diagnosis.Memory(Set.of(), Map.of());
    for (double[] poll : polls) {
      Instant at = start.plusSeconds((long) poll[0]);
      Diagnosis.Result result = Diagnosis.of(document(new JsonObject().put("cpu_usage_percent", poll[1]), new JsonArray(), 0), memory, dwelling, at);
      assertThat(result.codes().contains(Diagnosis.HIGH_CPU_LOAD)).as("cpu %s at +%ss after %s", poll[1], (long) poll[0], memory)
          .isEqualTo(poll[2] == 1);
      memory = new Diagnosis.Memory(result.codes(), result.pending());
    }
    assertThat(memory.pending()).isEmpty();
    assertThat(dwelling.raiseAfter()).isEqualTo(Duration.ofSeconds(60));
    assertThat(DEFAULTS.raiseAfter()).isZero();
    assertThat(DEFAULTS.clearAfter()).isZero();
  }

  private static Diagnosis.Result diagnose(JsonObject document, Set<String> active) {
    return Diagnosis.of(document, new Diagnosis.Memory(active, Map.of()), DEFAULTS, Instant.now());
  }

  private static JsonObject document(JsonObject metrics, JsonArray dependencies, long errors) {
    return new JsonObject().put("status", "Healthy").put("metrics", metrics).put("dependencies", dependencies)
        .put("logs_summary", new JsonObject().put("error_count", errors));
  }
}
