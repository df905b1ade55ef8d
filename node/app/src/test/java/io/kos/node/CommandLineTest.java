package io.kos.node;

import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Usage and configuration errors: exit code 2 and one line naming the problem, nothing started. */
class CommandLineTest {

  private final Path dataDir = TestNode.tempDir();

  @Test
  void badPort() {
    assertUsageError(List.of("--http-port", "99999"), Map.of(), "http.port must be an integer from 0 to 65535, got '99999' (from command line)");
    assertUsageError(List.of(), Map.of("KOS_HTTP_PORT", "http"), "http.port must be an integer from 0 to 65535, got 'http' (from KOS_HTTP_PORT)");
  }

  @Test
  void unknownVerticle() {
    assertUsageError(List.of("--verticles", "probe,ghost"), Map.of(), "verticles.deploy: unknown verticle 'ghost' (known: actions, hakim, ingest, probe, ronin, tohunga, triggers)");
  }

  @Test
  void missingConfigFileOrAUnitlessDuration() {
    assertUsageError(List.of("--config", "no-such.yaml"), Map.of(), "cannot read config file no-such.yaml (from --config): no such file in the working directory");
    assertUsageError(List.of(), Map.of("KOS_CONFIG", "/nowhere/node.yaml"), "cannot read config file /nowhere/node.yaml (from KOS_CONFIG): no such file");
    assertUsageError(List.of(), Map.of("KOS_HTTP_REQUEST_TIMEOUT", "5"),
        "http.request_timeout must be a number with a unit (ms, s, m, h, d) such as 500ms, 30s, 5m, 2h, 30d, got '5' (from KOS_HTTP_REQUEST_TIMEOUT)");
  }

  @Test
  void unknownFlag() {
    assertUsageError(List.of("--http-prot", "1"), Map.of(), "Unknown options: '--http-prot'");
  }

  @Test
  void unreadableKeyFile() throws IOException {
    Path directory = Files.createDirectories(dataDir.resolve("a-directory"));
    assertUsageError(List.of(), Map.of("KOS_IDENTITY_KEY_FILE", directory.toString()), "is not readable");
    Path garbage = Files.writeString(dataDir.resolve("garbage.key"), "not a key");
    assertUsageError(List.of(), Map.of("KOS_IDENTITY_KEY_FILE", garbage.toString()), "must hold a PEM PRIVATE KEY and PUBLIC KEY");
  }

  @Test
  void unreachableExternalDatabase() {
    assertUsageError(List.of("--db-url", "postgresql://postgres@127.0.0.1:1/kos", "--verticles", ""), Map.of(),
        "database 127.0.0.1:1/kos is unreachable");
  }

  @Test
  void httpPortTakenByAnotherProcess() throws IOException {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      assertUsageError(List.of("--http-port", Integer.toString(taken.getLocalPort()), "--db-url", TestDatabase.freshDatabaseUrl(),
          "--verticles", ""), Map.of(), "cannot listen on 127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void dataDirInUseByAnotherNode() {
    try (TestNode running = TestNode.start(Map.of("node.data_dir", dataDir.toString(), "verticles.deploy", ""))) {
      assertUsageError(List.of("--db-url", TestDatabase.freshDatabaseUrl(), "--verticles", ""), Map.of(), "is in use by another running node");
    }
  }

  @Test
  void identityCommandCreatesThenShowsTheSameDid() {
    StringWriter err = new StringWriter();
    var out = new java.io.ByteArrayOutputStream();
    var previous = System.out;
    System.setOut(new java.io.PrintStream(out, true));
    try {
      String[] args = {"identity", "--data-dir", dataDir.toString(), "--class", "ronin"};
      assertThat(Main.execute(args, Map.<String, String>of(), new PrintWriter(err))).isZero();
      assertThat(Main.execute(args, Map.<String, String>of(), new PrintWriter(err))).isZero();
    } finally {
      System.setOut(previous);
    }
    List<String> dids = out.toString().lines().filter(l -> l.startsWith("did:")).toList();
    assertThat(dids).hasSize(2).allMatch(l -> l.matches("did: +did:kos:ronin:[0-9a-f]{32}"));
    assertThat(dids.get(0)).isEqualTo(dids.get(1));
    assertThat(err.toString()).isEmpty();
  }

  private void assertUsageError(List<String> flags, Map<String, String> env, String expected) {
    List<String> args = new ArrayList<>(List.of("run", "--data-dir", dataDir.toString()));
    args.addAll(flags);
    StringWriter err = new StringWriter();
    int code = Main.execute(args.toArray(String[]::new), env, new PrintWriter(err, true));
    assertThat(code).as(err.toString()).isEqualTo(Main.USAGE);
    List<String> lines = err.toString().lines().toList();
    assertThat(lines.get(0)).contains(expected);
    if (!expected.startsWith("Unknown option")) {
      assertThat(lines).as("one line, no stack trace").hasSize(1);
    }
  }
}
