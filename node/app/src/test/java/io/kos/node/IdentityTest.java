package io.kos.node;

import io.kos.node.identity.NodeIdentity;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityTest {

  private static TestNode node;
  private static JsonObject document;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("verticles.deploy", "probe"));
    document = node.http().get("/klf/v1/identity").json();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void documentDescribesTheNode() {
    assertThat(document.getString("nodeId")).isEqualTo(node.node().identity().did()).matches("did:kos:allinone:[0-9a-f]{32}");
    assertThat(document.getString("nodeClass")).isEqualTo("allinone");
    assertThat(document.getString("version")).isNotBlank();
    assertThat(document.getString("endpoint")).isEqualTo("http://127.0.0.1:" + node.port());
    assertThat(document.getJsonArray("capabilities").getList()).containsExactly("probe.ping");
    assertThat(document.getJsonObject("signature").getString("algorithm")).isEqualTo("Ed25519");
  }

  @Test
  void didIsDerivedFromThePublishedKey() throws Exception {
    byte[] spki = Base64.getDecoder().decode(document.getString("publicKey"));
    String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(spki), 0, 16);
    assertThat(document.getString("nodeId")).endsWith(":" + id);
  }

  /** Verifies with the JDK alone, following the documented rule, not with the node's own code. */
  @Test
  void signatureVerifiesWithThePublishedKey() throws Exception {
    assertThat(verifyIndependently(document)).isTrue();
    assertThat(NodeIdentity.verifyDocument(document)).isTrue();
  }

  @Test
  void tamperedDocumentDoesNotVerify() throws Exception {
    JsonObject otherEndpoint = document.copy().put("endpoint", "http://evil.example:1");
    assertThat(verifyIndependently(otherEndpoint)).isFalse();
    assertThat(NodeIdentity.verifyDocument(otherEndpoint)).isFalse();

    JsonObject extraCapability = document.copy();
    extraCapability.getJsonArray("capabilities").add("admin.everything");
    assertThat(NodeIdentity.verifyDocument(extraCapability)).isFalse();

    String otherKey = Base64.getEncoder().encodeToString(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded());
    assertThat(NodeIdentity.verifyDocument(document.copy().put("publicKey", otherKey))).isFalse();

    JsonObject badSignature = document.copy();
    badSignature.getJsonObject("signature").put("value", "AAAA");
    assertThat(NodeIdentity.verifyDocument(badSignature)).isFalse();
  }

  private static boolean verifyIndependently(JsonObject signed) throws Exception {
    JsonObject unsigned = signed.copy();
    unsigned.remove("signature");
    // documented canonical form: members sorted by name, no white space; this document is flat but for one array
    StringBuilder canonical = new StringBuilder("{");
    unsigned.fieldNames().stream().sorted().forEach(name -> {
      if (canonical.length() > 1) {
        canonical.append(',');
      }
      canonical.append('"').append(name).append("\":").append(io.vertx.core.json.Json.encode(unsigned.getValue(name)));
    });
    canonical.append('}');
    PublicKey key = KeyFactory.getInstance("Ed25519")
        .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(unsigned.getString("publicKey"))));
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(key);
    verifier.update(canonical.toString().getBytes(StandardCharsets.UTF_8));
    return verifier.verify(Base64.getUrlDecoder().decode(signed.getJsonObject("signature").getString("value")));
  }
}
