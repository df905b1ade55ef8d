package io.kos.node;

import io.kos.node.cluster.ClusterCa;
import io.kos.node.identity.NodeIdentity;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The ingress over HTTPS with a certificate the test makes (from a CA of its own): TLS 1.3 by
 * default, 1.2 accepted, nothing older, no plain HTTP; and a node calling it verifies the
 * certificate against {@code klf.ca}.
 */
class HttpsTest {

  private static final Path CA = TestNode.tempDir().resolve("ca");
  private static final Path KEY = TestNode.tempDir().resolve("caller.key");
  private static final NodeIdentity CALLER = NodeIdentity.loadOrCreate(KEY, "hakim");
  private static TestNode node;
  private static String url;

  @BeforeAll
  static void start() {
    ClusterCa.init(CA, "https-test");
    Path cert = ClusterCa.issue(CA, "127.0.0.1", CA.resolve("server"), Duration.ofDays(2));
    node = TestNode.start(Map.of("verticles.deploy", "", "http.tls.cert", cert.toString(),
        "http.tls.key", CA.resolve("server").resolve(ClusterCa.MEMBER_KEY).toString(),
        "klf.peers", new JsonArray().add(new JsonObject().put("did", CALLER.did()).put("role", "viewer")).encode()));
    url = node.node().httpUrl();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void servesHttpsWithTls13AndAcceptsTls12() throws Exception {
    assertThat(url).startsWith("https://127.0.0.1:");
    HttpResponse<String> live = client(trusting(CA.resolve(ClusterCa.CA_CERT)), null).send(get("/health/live"), HttpResponse.BodyHandlers.ofString());
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.sslSession().orElseThrow().getProtocol()).isEqualTo("TLSv1.3");
    HttpResponse<String> identity = client(trusting(CA.resolve(ClusterCa.CA_CERT)), null).send(get("/klf/v1/identity"), HttpResponse.BodyHandlers.ofString());
    assertThat(new JsonObject(identity.body()).getString("endpoint")).isEqualTo(url);

    HttpResponse<String> tls12 = client(trusting(CA.resolve(ClusterCa.CA_CERT)), "TLSv1.2").send(get("/health/live"), HttpResponse.BodyHandlers.ofString());
    assertThat(tls12.sslSession().orElseThrow().getProtocol()).isEqualTo("TLSv1.2");
  }

  @Test
  void refusesOldTlsUntrustedCertificatesAndPlainHttp() throws Exception {
    assertThatThrownBy(() -> client(trusting(CA.resolve(ClusterCa.CA_CERT)), "TLSv1.1").send(get("/health/live"), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> client(SSLContext.getDefault(), null).send(get("/health/live"), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(SSLHandshakeException.class);
    HttpRequest plain = HttpRequest.newBuilder(URI.create(url.replace("https://", "http://") + "/health/live")).timeout(Duration.ofSeconds(10)).build();
    assertThatThrownBy(() -> HttpClient.newHttpClient().send(plain, HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
  }

  @Test
  void aNodeCallingItVerifiesTheCertificateAgainstKlfCa() {
    String[] ping = {"klf", "send", "--to", url, "--key", KEY.toString(), "--class", "hakim", "--type", "ping"};
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertThat(Main.execute(ping, Map.of("KOS_KLF_CA", CA.resolve(ClusterCa.CA_CERT).toString()), new PrintWriter(out), new PrintWriter(err)))
        .as(out + " " + err).isZero();
    assertThat(out.toString()).contains("\"type\" : \"pong\"");

    StringWriter refusedOut = new StringWriter();
    StringWriter refusedErr = new StringWriter();
    assertThat(Main.execute(ping, Map.of(), new PrintWriter(refusedOut), new PrintWriter(refusedErr))).isEqualTo(Main.FAILURE);
    assertThat(refusedErr.toString()).as("the JDK's CAs do not know the test CA").containsIgnoringCase("certificat");
  }

  private static HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).build();
  }

  private static HttpClient client(SSLContext context, String protocol) {
    HttpClient.Builder builder = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5));
    if (protocol != null) {
      SSLParameters parameters = new SSLParameters();
      parameters.setProtocols(new String[] {protocol});
      builder.sslParameters(parameters);
    }
    return builder.build();
  }

  static SSLContext trusting(Path caPem) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }
}
