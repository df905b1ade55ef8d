package io.kos.node.identity;

import io.kos.node.PrivateFiles;
import io.kos.node.config.ConfigException;
import io.kos.verticle.IdentityDocuments;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node's Ed25519 key pair and DID {@code did:kos:<class>:<id>}, where id is the first 16 bytes
 * of SHA-256 over the public key's X.509 encoding, in hex. The pair lives in one PEM file
 * (PRIVATE KEY and PUBLIC KEY blocks) with owner-only permissions.
 */
public final class NodeIdentity {

  public static final String ALGORITHM = "Ed25519";
  private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

  private final KeyPair keyPair;
  private final String nodeClass;
  private final String did;
  private final Ed25519PrivateKeyParameters signingKey;

  private NodeIdentity(KeyPair keyPair, String nodeClass) {
    this.keyPair = keyPair;
    this.nodeClass = nodeClass;
    this.did = "did:kos:" + nodeClass + ":" + fingerprint(keyPair.getPublic());
    this.signingKey = signingKey(keyPair.getPrivate());
  }

  /** Loads the key file, or creates it (and its directory) when it does not exist yet. */
  public static NodeIdentity loadOrCreate(Path keyFile, String nodeClass) {
    if (Files.exists(keyFile)) {
      return new NodeIdentity(read(keyFile), nodeClass);
    }
    try {
      KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
      write(keyFile, pair);
      return new NodeIdentity(pair, nodeClass);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot generate Ed25519 keys", e);
    } catch (IOException e) {
      throw new ConfigException("cannot create key file " + keyFile + ": " + e.getMessage());
    }
  }

  /** Loads an existing key file (never creates one): for tools that act as the node, such as {@code kos-node klf send}. */
  public static NodeIdentity load(Path keyFile, String nodeClass) {
    return new NodeIdentity(read(keyFile), nodeClass);
  }

  private static KeyPair read(Path keyFile) {
    String text;
    try {
      text = Files.readString(keyFile, StandardCharsets.US_ASCII);
    } catch (AccessDeniedException e) {
      throw new ConfigException("key file " + keyFile + " is not readable (permission denied)");
    } catch (NoSuchFileException e) {
      throw new ConfigException("key file " + keyFile + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("key file " + keyFile + " is not readable: " + e.getMessage());
    }
    Map<String, byte[]> blocks = new TreeMap<>();
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      blocks.put(m.group(1), Base64.getMimeDecoder().decode(m.group(2)));
    }
    if (!blocks.containsKey("PRIVATE KEY") || !blocks.containsKey("PUBLIC KEY")) {
      throw new ConfigException("key file " + keyFile + " must hold a PEM PRIVATE KEY and PUBLIC KEY (Ed25519)");
    }
    try {
      KeyFactory factory = KeyFactory.getInstance(ALGORITHM);
      PrivateKey privateKey = factory.generatePrivate(new PKCS8EncodedKeySpec(blocks.get("PRIVATE KEY")));
      PublicKey publicKey = factory.generatePublic(new X509EncodedKeySpec(blocks.get("PUBLIC KEY")));
      KeyPair pair = new KeyPair(publicKey, privateKey);
      byte[] probe = "kos-key-check".getBytes(StandardCharsets.US_ASCII);
      Ed25519Signer signer = new Ed25519Signer();
      signer.init(true, signingKey(privateKey));
      signer.update(probe, 0, probe.length);
      if (!verifies(publicKey, probe, signer.generateSignature())) {
        throw new ConfigException("key file " + keyFile + ": the public key does not match the private key");
      }
      return pair;
    } catch (GeneralSecurityException e) {
      throw new ConfigException("key file " + keyFile + " does not hold an Ed25519 key pair: " + e.getMessage());
    }
  }

  private static void write(Path keyFile, KeyPair pair) throws IOException {
    // whole or absent: a half-written key would change the DID
    PrivateFiles.write(keyFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()) + pem("PUBLIC KEY", pair.getPublic().getEncoded()));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /**
   * Signs bytes with the node's private key (Ed25519). BouncyCastle's Ed25519 signs about ten times
   * faster than the JDK 17 provider (measured by KlfBench: ~750 us there per KLF message), with the
   * same RFC 8032 signatures.
   */
  public byte[] sign(byte[] data) {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, signingKey);
    signer.update(data, 0, data.length);
    return signer.generateSignature();
  }

  /** The private key as BouncyCastle's signer takes it: the RFC 8032 seed inside the PKCS#8 encoding. */
  private static Ed25519PrivateKeyParameters signingKey(PrivateKey key) {
    try {
      return new Ed25519PrivateKeyParameters(ASN1OctetString.getInstance(PrivateKeyInfo.getInstance(key.getEncoded()).parsePrivateKey()).getOctets(), 0);
    } catch (IOException e) {
      throw new IllegalStateException("the node key is not an Ed25519 PKCS#8 key", e);
    }
  }

  /** A public key from base64 of its X.509 encoding (what {@link #publicKeyBase64} writes); null when it is not an Ed25519 key. */
  public static PublicKey decodePublicKey(String base64) {
    return IdentityDocuments.decodePublicKey(base64);
  }

  /** True when the DID is {@code did:kos:<class>:<id>} with the id that key derives (the rule above). */
  public static boolean didMatches(String did, PublicKey key) {
    return IdentityDocuments.didMatches(did, key);
  }

  /** True when the signature over data verifies under the key (BouncyCastle, as {@link #sign}); false for any malformed input. */
  public static boolean verifies(PublicKey key, byte[] data, byte[] signature) {
    try {
      byte[] raw = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getPublicKeyData().getBytes();
      Ed25519Signer verifier = new Ed25519Signer();
      verifier.init(false, new Ed25519PublicKeyParameters(raw, 0));
      verifier.update(data, 0, data.length);
      return signature.length == Ed25519PrivateKeyParameters.SIGNATURE_SIZE && verifier.verifySignature(signature);
    } catch (RuntimeException e) {
      return false;
    }
  }

  static String fingerprint(PublicKey key) {
    return IdentityDocuments.fingerprint(key);
  }

  public String did() {
    return did;
  }

  public String nodeClass() {
    return nodeClass;
  }

  /** Base64 of the X.509 SubjectPublicKeyInfo encoding, loadable by any Ed25519 library. */
  public String publicKeyBase64() {
    return Base64.getEncoder().encodeToString(keyPair.getPublic().getEncoded());
  }

  /**
   * The identity document, signed: {@code signature.value} is the base64url Ed25519 signature over
   * {@link #canonical} of the document without its {@code signature} member.
   */
  public JsonObject signedDocument(String version, String endpoint, List<String> capabilities) {
    JsonObject document = new JsonObject()
        .put("nodeId", did)
        .put("nodeClass", nodeClass)
        .put("version", version)
        .put("endpoint", endpoint)
        .put("capabilities", new JsonArray(new ArrayList<>(capabilities)));
    return sign(document);
  }

  /**
   * A document of this node's (identity, health), signed: {@code publicKey} added, and
   * {@code signature.value} the base64url Ed25519 signature over {@link #canonical} of the
   * document without its {@code signature} member. Changes and returns {@code document}.
   */
  public JsonObject sign(JsonObject document) {
    document.put("publicKey", publicKeyBase64());
    byte[] signature = sign(canonical(document));
    return document.put("signature", new JsonObject()
        .put("algorithm", ALGORITHM)
        .put("value", Base64.getUrlEncoder().withoutPadding().encodeToString(signature)));
  }

  /** Verifies a document from {@link #signedDocument} against the public key it carries. */
  public static boolean verifyDocument(JsonObject signed) {
    return IdentityDocuments.verify(signed);
  }

  /** UTF-8 of the JSON with object members sorted by name at every level and no white space. */
  public static byte[] canonical(JsonObject document) {
    return IdentityDocuments.canonical(document);
  }
}
