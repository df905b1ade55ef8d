package io.kos.verticle;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.TreeSet;

/**
 * Checks a node's signed identity document ({@code GET /klf/v1/identity}, docs/identity.md) without
 * its key: the Ed25519 signature over the canonical document, and the DID derived from the public
 * key ({@code did:kos:<class>:<first 16 bytes of SHA-256 of the X.509 key, hex>}). The node runtime
 * signs with these rules; a verticle that meets other nodes (ronin) checks with them.
 */
public final class IdentityDocuments {

  public static final String ALGORITHM = "Ed25519";
  /** id-Ed25519 (RFC 8410). */
  private static final String ED25519_OID = "1.3.101.112";

  private IdentityDocuments() {
  }

  /** True when the document's signature verifies under the public key it carries. */
  public static boolean verify(JsonObject signed) {
    try {
      JsonObject document = signed.copy();
      JsonObject signature = (JsonObject) document.remove("signature");
      byte[] key = ed25519Key(Base64.getDecoder().decode(document.getString("publicKey")));
      return key != null && verifies(key, canonical(document), Base64.getUrlDecoder().decode(signature.getString("value")));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Why a document is not a verified kOS identity, or null when it is: signed by its key, and that key derives its DID. */
  public static String problem(JsonObject document) {
    Object did = document.getValue("nodeId");
    Object key = document.getValue("publicKey");
    if (!(did instanceof String text) || !(key instanceof String encoded) || !(document.getValue("signature") instanceof JsonObject)) {
      return "not a kOS identity document (nodeId, publicKey and signature are required)";
    }
    byte[] x509;
    try {
      x509 = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      return "publicKey is not an Ed25519 public key";
    }
    if (ed25519Key(x509) == null) {
      return "publicKey is not an Ed25519 public key";
    }
    if (!verify(document)) {
      return "the signature does not verify";
    }
    int last = text.lastIndexOf(':');
    if (!text.startsWith("did:kos:") || last <= "did:kos:".length() || !text.substring(last + 1).equals(fingerprint(x509))) {
      return "the public key does not derive the DID " + text;
    }
    return null;
  }

  /** The raw 32-byte Ed25519 key of an X.509 SubjectPublicKeyInfo, or null when it is not one. */
  private static byte[] ed25519Key(byte[] x509) {
    try {
      SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(x509);
      byte[] raw = info.getPublicKeyData().getBytes();
      return ED25519_OID.equals(info.getAlgorithm().getAlgorithm().getId()) && raw.length == Ed25519PublicKeyParameters.KEY_SIZE
          ? raw : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** BouncyCastle's Ed25519: JDK 17's provider is many times slower (docs/klf.md, benchmark), and a Hakim verifies every poll. */
  private static boolean verifies(byte[] key, byte[] data, byte[] signature) {
    if (signature.length != Ed25519PrivateKeyParameters.SIGNATURE_SIZE) {
      return false;
    }
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, new Ed25519PublicKeyParameters(key, 0));
    verifier.update(data, 0, data.length);
    return verifier.verifySignature(signature);
  }

  /** A public key from base64 of its X.509 encoding; null when it is not an Ed25519 key. */
  public static PublicKey decodePublicKey(String base64) {
    try {
      PublicKey key = KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
      return ALGORITHM.equals(key.getAlgorithm()) || "EdDSA".equals(key.getAlgorithm()) ? key : null;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return null;
    }
  }

  /** True when the DID is {@code did:kos:<class>:<id>} with the id that key derives. */
  public static boolean didMatches(String did, PublicKey key) {
    int last = did.lastIndexOf(':');
    return did.startsWith("did:kos:") && last > "did:kos:".length() && did.substring(last + 1).equals(fingerprint(key));
  }

  /** The id part of the DID a key derives. */
  public static String fingerprint(PublicKey key) {
    return fingerprint(key.getEncoded());
  }

  private static String fingerprint(byte[] x509) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(x509);
      return HexFormat.of().formatHex(hash, 0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** UTF-8 of the JSON with object members sorted by name at every level and no white space. */
  public static byte[] canonical(JsonObject document) {
    return ((JsonObject) sorted(document)).encode().getBytes(StandardCharsets.UTF_8);
  }

  private static Object sorted(Object value) {
    if (value instanceof JsonObject object) {
      JsonObject result = new JsonObject(new LinkedHashMap<>());
      new TreeSet<>(object.fieldNames()).forEach(name -> result.put(name, sorted(object.getValue(name))));
      return result;
    }
    if (value instanceof JsonArray array) {
      JsonArray result = new JsonArray();
      array.forEach(item -> result.add(sorted(item)));
      return result;
    }
    return value;
  }
}
