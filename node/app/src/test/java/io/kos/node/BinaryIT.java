package io.kos.node;

import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded binary as a user runs it ({@code java -jar node/target/kos-node.jar}), after packaging:
 * merged service files, packaged migrations, real exit codes, embedded PostgreSQL, JSON logs.
 */
class BinaryIT {

  private static final Path JAR = Path.of(System.getProperty("kos.node.jar", "../target/kos-node.jar"));
  private static final Duration EXIT = Duration.ofSeconds(60);

  @Test
  void helpAndVersionExitZero() {
    NodeProcess.Result help = NodeProcess.runJarToExit(JAR, List.of("--help"), Map.of(), EXIT);
    assertThat(help.exitCode()).isZero();
    assertThat(help.stdout()).contains("run", "migrate", "identity", "--cluster-members");
    NodeProcess.Result version = NodeProcess.runJarToExit(JAR, List.of("--version"), Map.of(), EXIT);
    assertThat(version.stdout()).startsWith("kos-node ");
  }

  @Test
  void theLauncherRunsTheJarWithItsClassDataArchive() throws Exception {
    Path launcher = JAR.resolveSibling("kos-node");
    assertThat(launcher).isExecutable();
    assertThat(JAR.resolveSibling("kos-node.jsa")).as("the build's class-data archive").isRegularFile();
    ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "--version").redirectErrorStream(true);
    // -Xshare:on makes the JVM fail rather than start without the archive: exit 0 means it is mapped
    builder.environment().put("KOS_JAVA_OPTS", "-Xshare:on");
    Process version = builder.start();
    String out = new String(version.getInputStream().readAllBytes());
    assertThat(version.waitFor()).as(out).isZero();
    assertThat(out).isEqualTo("kos-node " + Version.VALUE + "\n");
  }

  @Test
  void checkStartsTheNodeAndStopsItCleanly() {
    NodeProcess.Result check = NodeProcess.runJarToExit(JAR, List.of("check", "--http-port", "0", "--data-dir", TestNode.tempDir().toString()),
        Map.of(), EXIT);
    assertThat(check.exitCode()).as(check.stderr()).isZero();
    assertThat(check.stdout()).contains("ready in", "did:        did:kos:allinone:");
  }

  @Test
  void configErrorExitsTwoWithOneLine() {
    NodeProcess.Result result = NodeProcess.runJarToExit(JAR, List.of("--http-port", "http", "--data-dir", TestNode.tempDir().toString()),
        Map.of(), EXIT);
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr().lines().toList()).containsExactly(
        "kos-node: http.port must be an integer from 0 to 65535, got 'http' (from command line)");
  }

  @Test
  void runsOnEmbeddedPostgresWithJsonLogsAndStopsCleanly() {
    Path dataDir = TestNode.tempDir();
    NodeProcess.Result migrate = NodeProcess.runJarToExit(JAR, List.of("migrate", "--data-dir", dataDir.toString()), Map.of(), EXIT);
    assertThat(migrate.exitCode()).as(migrate.stderr()).isZero();
    // a fresh database gets every migration of the node schema, all packaged in the jar
    assertThat(migrate.stdout()).containsPattern("node: version (\\d+), \\1 migration\\(s\\) applied now");

    try (NodeProcess node = NodeProcess.startJar(JAR, List.of("--http-port", "0", "--data-dir", dataDir.toString()),
        Map.of("KOS_LOGGING_FORMAT", "json"), Duration.ofSeconds(90))) {
      JsonObject identity = node.http().get("/klf/v1/identity").json();
      assertThat(identity.getString("nodeId")).startsWith("did:kos:allinone:");
      assertThat(node.http().get("/health/ready").json().getBoolean("ready")).isTrue();
      assertThat(node.terminate(Duration.ofSeconds(30))).isZero();
      List<String> logLines = node.log().lines().filter(l -> l.startsWith("{")).toList();
      assertThat(logLines).isNotEmpty().allSatisfy(line -> assertThat(new JsonObject(line).getString("level")).isNotBlank());
      assertThat(node.log()).contains("  did:        " + identity.getString("nodeId"));
      // durations as config writes them, and a last line that says the stop is done (JSON logs keep the arguments apart)
      List<JsonObject> stopLines = logLines.stream().map(JsonObject::new).filter(line -> "io.kos.node.Main".equals(line.getString("loggerName")))
          .toList();
      assertThat(stopLines).extracting(line -> line.getString("message") + " " + line.getJsonArray("arguments").getString(0))
          .containsExactly("stopping (graceful, at most {}) 20s", "stopped {} in {} ms cleanly");
    }
  }
}
