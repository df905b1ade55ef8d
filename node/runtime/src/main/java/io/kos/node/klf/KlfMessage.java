package io.kos.node.klf;

import io.kos.node.identity.NodeIdentity;
import io.kos.verticle.ApiError;
import io.vertx.core.json.JsonObject;
import org.erdtman.jcs.JsonCanonicalizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.PublicKey;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The KLF 1.0 envelope (docs/klf.md): building and signing one, and checking one that arrived —
 * its shape, that {@code sender_key} derives {@code from}, and that {@code signature} verifies over
 * the RFC 8785 canonical JSON of the envelope without {@code signature}.
 */
public final class KlfMessage {

  public static final String VERSION = "1.0";
  public static final String TASK_REQUEST = "task_request";
  public static final String TASK_PROGRESS = "task_progress";
  public static final String TASK_RESPONSE = "task_response";
  public static final String TASK_ERROR = "task_error";
  public static final String DATA_QUERY = "data_query";
  public static final String DATA_RESULT = "data_result";
  public static final String CONTROL_COMMAND = "control_command";
  public static final String EVENT = "event";
  public static final String PING = "ping";
  public static final String PONG = "pong";
  public static final List<String> TYPES = List.of(TASK_REQUEST, TASK_PROGRESS, TASK_RESPONSE, TASK_ERROR, DATA_QUERY, DATA_RESULT,
      CONTROL_COMMAND, EVENT, PING, PONG);

  private static final Set<String> MEMBERS = Set.of("id", "version", "timestamp", "from", "to", "type", "payload", "metadata",
      "sender_key", "signature");
  private static final Set<String> METADATA = Set.of("priority", "ttl_seconds", "correlation_id", "reply_to", "trace_id");
  public static final Pattern DID = Pattern.compile("did:kos:[a-z][a-z0-9]{0,30}:[0-9a-f]{32}");
  private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private KlfMessage() {
  }

  /** A new signed message from this node. */
  public static JsonObject signed(NodeIdentity identity, String to, String type, JsonObject payload, JsonObject metadata) {
    JsonObject envelope = new JsonObject()
        .put("id", UUID.randomUUID().toString())
        .put("version", VERSION)
        .put("timestamp", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString())
        .put("from", identity.did())
        .put("to", to)
        .put("type", type)
        .put("payload", payload)
        .put("metadata", metadata == null ? new JsonObject() : metadata)
        .put("sender_key", identity.publicKeyBase64());
    return envelope.put("signature", Base64.getUrlEncoder().withoutPadding().encodeToString(identity.sign(canonical(envelope))));
  }

  /** RFC 8785 (JCS) canonical UTF-8 of the envelope without its {@code signature}. */
  public static byte[] canonical(JsonObject envelope) {
    JsonObject unsigned = envelope.copy();
    unsigned.remove("signature");
    try {
      return new JsonCanonicalizer(unsigned.encode()).getEncodedUTF8();
    } catch (IOException e) {
      // the input is JSON Vert.x just wrote: only a number JCS cannot represent gets here
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Checks the envelope's shape and its signature; what the receiver decides from it (recipient,
   * clock, trust, replay) is {@link KlfService}'s. Throws an {@link ApiError} naming the flaw.
   */
  public static void checkSigned(JsonObject envelope) {
    checkShape(envelope);
    checkSignature(envelope);
  }

  /** The signature half of {@link #checkSigned}, for an envelope whose shape was checked. */
  static void checkSignature(JsonObject envelope) {
    PublicKey key = NodeIdentity.decodePublicKey(envelope.getString("sender_key"));
    if (key == null || !NodeIdentity.didMatches(envelope.getString("from"), key)) {
      throw KlfErrors.BAD_SENDER_KEY.error(key == null ? "sender_key is not base64 of an Ed25519 public key (X.509 SubjectPublicKeyInfo)"
          : "sender_key does not derive the DID " + envelope.getString("from"));
    }
    byte[] signature;
    try {
      signature = Base64.getUrlDecoder().decode(envelope.getString("signature"));
    } catch (IllegalArgumentException e) {
      throw KlfErrors.BAD_SIGNATURE.error("signature is not base64url");
    }
    byte[] canonical;
    try {
      canonical = canonical(envelope);
    } catch (RuntimeException e) {
      throw KlfErrors.BAD_SIGNATURE.error("the envelope has no RFC 8785 canonical form: " + e.getMessage());
    }
    if (!NodeIdentity.verifies(key, canonical, signature)) {
      throw KlfErrors.BAD_SIGNATURE.error("the signature does not verify over the canonical envelope");
    }
  }

  static void checkShape(JsonObject envelope) {
    for (String member : envelope.fieldNames()) {
      if (!MEMBERS.contains(member)) {
        throw invalid(member, "is not a member of a KLF envelope");
      }
    }
    String id = text(envelope, "id");
    if (!UUID_TEXT.matcher(id).matches()) {
      throw invalid("id", "must be a UUID");
    }
    if (!VERSION.equals(text(envelope, "version"))) {
      throw invalid("version", "must be \"" + VERSION + "\"");
    }
    timestamp(envelope);
    did(envelope, "from");
    did(envelope, "to");
    String type = text(envelope, "type");
    if (!TYPES.contains(type)) {
      throw KlfErrors.UNSUPPORTED_TYPE.error("type '" + shorten(type) + "' is not one of " + String.join(", ", TYPES));
    }
    if (!(envelope.getValue("payload") instanceof JsonObject)) {
      throw invalid("payload", "must be an object");
    }
    if (!(envelope.getValue("metadata") instanceof JsonObject metadata)) {
      throw invalid("metadata", "must be an object");
    }
    for (String member : metadata.fieldNames()) {
      if (!METADATA.contains(member)) {
        throw invalid("metadata." + member, "is not a KLF metadata member");
      }
    }
    integer(metadata, "priority", 0, 4);
    integer(metadata, "ttl_seconds", 1, 86_400);
    for (String member : List.of("correlation_id", "reply_to", "trace_id")) {
      Object value = metadata.getValue(member);
      if (value != null && !(value instanceof String s && s.length() <= 2048)) {
        throw invalid("metadata." + member, "must be a string of at most 2048 characters");
      }
    }
    text(envelope, "sender_key");
    text(envelope, "signature");
  }

  /** The message's timestamp; the envelope was checked. */
  static Instant timestamp(JsonObject envelope) {
    String text = text(envelope, "timestamp");
    if (!text.endsWith("Z")) {
      throw invalid("timestamp", "must be UTC ISO-8601 ending in Z, such as 2026-12-01T10:00:00.000Z");
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw invalid("timestamp", "must be UTC ISO-8601 ending in Z, such as 2026-12-01T10:00:00.000Z");
    }
  }

  private static void did(JsonObject envelope, String member) {
    if (!DID.matcher(text(envelope, member)).matches()) {
      throw invalid(member, "must be a kOS DID, did:kos:<class>:<32 hex digits>");
    }
  }

  private static String text(JsonObject envelope, String member) {
    Object value = envelope.getValue(member);
    if (!(value instanceof String s) || s.isEmpty()) {
      throw invalid(member, "must be a non-empty string");
    }
    return s;
  }

  private static void integer(JsonObject metadata, String member, int min, int max) {
    Object value = metadata.getValue(member);
    if (value != null && !(value instanceof Integer n && n >= min && n <= max)) {
      throw invalid("metadata." + member, "must be an integer from " + min + " to " + max);
    }
  }

  private static ApiError invalid(String field, String reason) {
    return new ApiError(KlfErrors.INVALID_MESSAGE, field + " " + reason, new JsonObject().put("field", field));
  }

  private static String shorten(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }
}
