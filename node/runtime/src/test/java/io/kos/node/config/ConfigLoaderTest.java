package io.kos.node.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

  private final ConfigLoader loader = new ConfigLoader(List.of("ingest", "probe"));

  @TempDir
  Path dir;

  @Test
  void defaultsWithoutAnyFile() {
    NodeConfig config = loader.load(null, Map.of(), Map.of("node.data_dir", dir.toString()));
    assertThat(config.nodeClass()).isEqualTo("allinone");
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.verticles()).containsExactly("ingest", "probe");
    assertThat(config.embeddedDatabase()).isTrue();
    assertThat(config.keyFile()).isEqualTo(dir.resolve("node.key"));
    assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void fileThenEnvironmentThenFlags() throws IOException {
    Path file = write("""
        http:
          port: 9000
          body_limit: 2MiB
        database:
          pool_size: 7
        verticles:
          deploy: [probe]
          config:
            probe: {pool_size: 2, greeting: hi}
        """);
    NodeConfig fromFile = loader.load(file, Map.of(), Map.of());
    assertThat(fromFile.httpPort()).isEqualTo(9000);
    assertThat(fromFile.bodyLimit()).isEqualTo(2 << 20);
    assertThat(fromFile.verticles()).containsExactly("probe");
    assertThat(fromFile.poolSizeOf("probe")).isEqualTo(2);
    assertThat(fromFile.poolSizeOf("ingest")).isEqualTo(7);
    assertThat(fromFile.configOf("probe").getString("greeting")).isEqualTo("hi");

    NodeConfig fromEnv = loader.load(file, Map.of("KOS_HTTP_PORT", "9001"), Map.of());
    assertThat(fromEnv.httpPort()).isEqualTo(9001);

    NodeConfig fromFlag = loader.load(file, Map.of("KOS_HTTP_PORT", "9001"), Map.of("http.port", "9002"));
    assertThat(fromFlag.httpPort()).isEqualTo(9002);
  }

  @Test
  void badPortNamesKeyValueAndSource() {
    assertThatThrownBy(() -> loader.load(null, Map.of("KOS_HTTP_PORT", "70000"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("http.port must be an integer from 0 to 65535, got '70000' (from KOS_HTTP_PORT)");
    assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of("http.port", "eighty")))
        .hasMessageContaining("(from command line)");
  }

  @Test
  void aBadSecretIsRefusedWithoutEchoingIt() {
    String tooShort = java.util.Base64.getEncoder().encodeToString("sixteen bytes!!!".getBytes());
    assertThatThrownBy(() -> loader.load(null, Map.of("KOS_AUTH_JWT_SECRET", tooShort), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.jwt_secret must be base64 of at least 32 bytes")
        .hasMessageNotContaining(tooShort);
    String good = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    assertThat(loader.load(null, Map.of("KOS_AUTH_JWT_SECRET", good), Map.of()).auth().jwtSecret()).isEqualTo(good);
    assertThat(loader.load(null, Map.of("KOS_AUTH_JWT_SECRET", good), Map.of()).toString()).doesNotContain(good);
  }

  @Test
  void unknownVerticleIsRefused() {
    assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of("verticles.deploy", "probe,nope")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("verticles.deploy: unknown verticle 'nope' (known: ingest, probe)");
  }

  @Test
  void unknownKeyInFileIsRefused() throws IOException {
    Path file = write("htp:\n  port: 1\n");
    assertThatThrownBy(() -> loader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unknown setting 'htp.port'");
  }

  @Test
  void invalidYamlNamesTheLine() throws IOException {
    Path file = write("http:\n  port: [1,\n");
    assertThatThrownBy(() -> loader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("is not valid YAML");
  }

  @Test
  void missingConfigFileIsRefused() {
    assertThatThrownBy(() -> loader.load(dir.resolve("absent.yaml"), Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read config file");
  }

  @Test
  void eachTypedSettingRejectsGarbage() {
    Map<String, String> bad = Map.of(
        "node.class", "wizard",
        "http.body_limit", "lots",
        "http.request_timeout", "soon",
        "database.pool_size", "0",
        "cluster.enabled", "maybe",
        "cluster.members", "hostwithoutport",
        "logging.format", "xml",
        "auth.login_lockout", "forever",
        "auth.argon2_memory_kib", "16",
        "database.url", "mysql://x");
    bad.forEach((key, value) -> assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of(key, value)))
        .as(key).isInstanceOf(ConfigException.class).hasMessageContaining(key.equals("database.url") ? "database.url" : key));
  }

  @Test
  void aDurationWithoutAUnitIsRefusedNamingKeyAndUnits() {
    // "5" was taken as 5 ms once, and every request then timed out
    assertThatThrownBy(() -> loader.load(null, Map.of("KOS_HTTP_REQUEST_TIMEOUT", "5"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("http.request_timeout must be a number with a unit (ms, s, m, h, d) such as 500ms, 30s, 5m, 2h, 30d, "
            + "got '5' (from KOS_HTTP_REQUEST_TIMEOUT)");
    for (String bad : List.of("0s", "5 s", "5sec", "-5s", "1.5s", "99999999999999d")) {
      assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of("shutdown.timeout", bad))).as(bad)
          .isInstanceOf(ConfigException.class).hasMessageContaining("shutdown.timeout");
    }
    assertThat(loader.load(null, Map.of(), Map.of("http.request_timeout", "500ms")).requestTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(loader.load(null, Map.of(), Map.of("auth.refresh_token_ttl", "7d")).auth().refreshTokenTtl()).isEqualTo(Duration.ofDays(7));
  }

  @Test
  void integersAreWrittenInPlainDigits() {
    for (String bad : List.of("+8080", "08080", "8080.0", " ")) {
      assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of("http.port", bad))).as(bad)
          .isInstanceOf(ConfigException.class).hasMessageContaining("http.port must be an integer from 0 to 65535");
    }
  }

  @Test
  void badVerticleSectionIsRefused() throws IOException {
    Path file = write("verticles:\n  config:\n    probe: {pool_size: 0}\n");
    assertThatThrownBy(() -> loader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("verticles.config.probe.pool_size");
    Path unknown = write("verticles:\n  config:\n    ghost: {}\n");
    assertThatThrownBy(() -> loader.load(unknown, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("verticles.config.ghost");
  }

  @Test
  void shippedConfigFilesAreValid() {
    Path conf = Path.of(System.getProperty("user.dir")).resolve("../../conf").normalize();
    // the verticles the binary ships (the shipped files configure them by name)
    ConfigLoader shipped = new ConfigLoader(List.of("ingest", "triggers", "actions", "tohunga", "ronin", "hakim", "probe"));
    for (String name : List.of("node.yaml", "tohunga.yaml", "ronin.yaml", "hakim.yaml", "cluster.yaml")) {
      NodeConfig config = shipped.load(conf.resolve(name), Map.of(), Map.of());
      assertThat(config.configSource()).endsWith(name);
    }
  }

  @Test
  void peersComeAsAYamlListOrAsJsonFromTheEnvironment() throws IOException {
    String a = "did:kos:tohunga:" + "a".repeat(32);
    String b = "did:kos:hakim:" + "b".repeat(32);
    Path file = write("""
        klf:
          peers:
            - {did: "%s", role: editor, name: acquisition}
            - {did: "%s", role: admin}
          accept_unknown: viewer
        """.formatted(a, b));
    KlfSettings klf = loader.load(file, Map.of(), Map.of("node.data_dir", dir.toString())).klf();
    assertThat(klf.peers()).containsExactly(new KlfSettings.Peer(a, io.kos.verticle.Caller.Role.EDITOR, "acquisition"),
        new KlfSettings.Peer(b, io.kos.verticle.Caller.Role.ADMIN, ""));
    assertThat(klf.acceptUnknown()).isEqualTo(io.kos.verticle.Caller.Role.VIEWER);
    assertThat(klf.maxClockSkew()).isEqualTo(Duration.ofMinutes(5));
    assertThat(klf.maxMessageBytes()).isEqualTo(1 << 20);

    KlfSettings fromEnv = loader.load(null, Map.of("KOS_KLF_PEERS", "[{\"did\": \"" + a + "\", \"role\": \"viewer\"}]"),
        Map.of("node.data_dir", dir.toString())).klf();
    assertThat(fromEnv.peers()).extracting(KlfSettings.Peer::role).containsExactly(io.kos.verticle.Caller.Role.VIEWER);
    assertThat(fromEnv.acceptUnknown()).isNull();

    for (var bad : Map.of(
        "[{\"did\": \"did:web:x\", \"role\": \"viewer\"}]", "entry 0: did must be a kOS DID",
        "[{\"did\": \"" + a + "\", \"role\": \"owner\"}]", "entry 0: role must be admin, editor or viewer",
        "[{\"did\": \"" + a + "\", \"role\": \"viewer\", \"key\": 1}]", "unknown field 'key'",
        "[{\"did\": \"" + a + "\", \"role\": \"viewer\"}, {\"did\": \"" + a + "\", \"role\": \"admin\"}]", "listed twice",
        "not json", "must be a list of {did, role, name}").entrySet()) {
      assertThatThrownBy(() -> loader.load(null, Map.of("KOS_KLF_PEERS", bad.getKey()), Map.of()))
          .isInstanceOf(ConfigException.class).hasMessageContaining("klf.peers").hasMessageContaining(bad.getValue());
    }
    assertThatThrownBy(() -> loader.load(null, Map.of("KOS_KLF_ACCEPT_UNKNOWN", "admin"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("klf.accept_unknown must be empty (refuse unlisted nodes) or viewer");
  }

  @Test
  void tlsFilesGoTogetherAndTheClusterBusNeedsThemOffLoopback() throws IOException {
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");
    Path key = Files.writeString(dir.resolve("k.pem"), "x");
    Map<String, String> data = Map.of("node.data_dir", dir.toString());
    assertThatThrownBy(() -> loader.load(null, Map.of("KOS_HTTP_TLS_CERT", cert.toString()), data))
        .isInstanceOf(ConfigException.class).hasMessage("http.tls.cert and http.tls.key go together: give both or neither");
    assertThatThrownBy(() -> loader.load(null, Map.of("KOS_HTTP_TLS_CERT", cert.toString(), "KOS_HTTP_TLS_KEY", "/nowhere/k.pem"), data))
        .isInstanceOf(ConfigException.class).hasMessage("http.tls.key: cannot read /nowhere/k.pem");
    TlsFiles https = loader.load(null, Map.of("KOS_HTTP_TLS_CERT", cert.toString(), "KOS_HTTP_TLS_KEY", key.toString()), data).httpTls();
    assertThat(https.cert()).isEqualTo(cert);
    assertThat(loader.load(null, Map.of(), data).httpTls()).isNull();

    Map<String, String> cluster = Map.of("KOS_CLUSTER_ENABLED", "true");
    assertThatThrownBy(() -> loader.load(null, cluster, data)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("cluster.tls needs cluster.cert, cluster.key and cluster.ca");
    assertThatThrownBy(() -> loader.load(null, Map.of("KOS_CLUSTER_ENABLED", "true", "KOS_CLUSTER_CERT", cert.toString(),
        "KOS_CLUSTER_KEY", key.toString()), data)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("cluster.cert, cluster.key and cluster.ca go together");
    assertThat(loader.load(null, Map.of("KOS_CLUSTER_ENABLED", "true", "KOS_CLUSTER_CERT", cert.toString(),
        "KOS_CLUSTER_KEY", key.toString(), "KOS_CLUSTER_CA", cert.toString()), data).clusterTls().ca()).isEqualTo(cert);
    assertThat(loader.load(null, Map.of("KOS_CLUSTER_ENABLED", "true", "KOS_CLUSTER_TLS", "false"), data).clusterTls()).isNull();
    assertThatThrownBy(() -> loader.load(null, Map.of("KOS_CLUSTER_ENABLED", "true", "KOS_CLUSTER_TLS", "false",
        "KOS_CLUSTER_HOST", "10.0.0.5"), data)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("cluster.tls: false is allowed only with a loopback cluster.host, got '10.0.0.5'");
    assertThat(loader.load(null, Map.of("KOS_CLUSTER_TLS", "false", "KOS_CLUSTER_HOST", "10.0.0.5"), data).clusterTls())
        .as("no cluster, nothing to check").isNull();
  }

  private Path write(String yaml) throws IOException {
    Path file = Files.createTempFile(dir, "node", ".yaml");
    Files.writeString(file, yaml);
    return file;
  }
}
