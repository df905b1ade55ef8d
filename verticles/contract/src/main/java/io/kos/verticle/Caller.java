package io.kos.verticle;

import io.vertx.core.MultiMap;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * The authenticated user or node behind a request, set by the node in message headers (never read
 * from a body). Roles: {@code admin} sees and changes everything; {@code editor} sees and changes
 * only what it owns; {@code viewer} only reads what it owns.
 *
 * <p>A node (a verified KLF sender) is a caller with its DID and the role the receiving node's peer
 * list gives it. Its {@code userId} is {@link #nodeOwnerId} of the DID, so {@link OwnerScope} scopes
 * nodes and users with the same {@code owner_id uuid} column: a node owns what it creates, and no
 * user id (random, version 4) can equal a node's (version 8).
 *
 * @param userId the user's id (a UUID), or a node's {@link #nodeOwnerId}
 * @param role   the role when the credential was checked
 * @param via    {@code token} (JWT access token), {@code api_key}, or {@link #VIA_KLF} for a node
 * @param did    the node's DID when the caller is a node, else null
 */
public record Caller(String userId, Role role, String via, String did) {

  /** How a node caller proved itself: a KLF message signed with the key its DID derives from. */
  public static final String VIA_KLF = "klf";

  public enum Role {
    ADMIN, EDITOR, VIEWER;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The role named {@code admin}, {@code editor} or {@code viewer}; null for anything else. */
    public static Role parse(String name) {
      if (name == null) {
        return null;
      }
      return switch (name) {
        case "admin" -> ADMIN;
        case "editor" -> EDITOR;
        case "viewer" -> VIEWER;
        default -> null;
      };
    }
  }

  public Caller {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(via, "via");
  }

  /** A user. */
  public Caller(String userId, Role role, String via) {
    this(userId, role, via, null);
  }

  /** A node, by its verified DID, with the role its peer entry gives it. */
  public static Caller node(String did, Role role) {
    return new Caller(nodeOwnerId(did).toString(), role, VIA_KLF, Objects.requireNonNull(did, "did"));
  }

  public boolean isNode() {
    return did != null;
  }

  /**
   * The owner id of what a node creates: a name-based UUID (RFC 9562 version 8) of SHA-256 over
   * the DID, so the same DID owns the same rows on every node and after every restart.
   */
  public static UUID nodeOwnerId(String did) {
    byte[] hash;
    try {
      hash = MessageDigest.getInstance("SHA-256").digest(("kos-node-owner:" + did).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    hash[6] = (byte) ((hash[6] & 0x0f) | 0x80);
    hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
    long high = 0;
    long low = 0;
    for (int i = 0; i < 8; i++) {
      high = (high << 8) | (hash[i] & 0xff);
      low = (low << 8) | (hash[8 + i] & 0xff);
    }
    return new UUID(high, low);
  }

  public boolean isAdmin() {
    return role == Role.ADMIN;
  }

  /** 403 unless the caller may change data (admin or editor). */
  public Caller requireWriter() {
    if (role == Role.VIEWER) {
      throw Errors.READ_ONLY.error("a viewer can read but not change anything");
    }
    return this;
  }

  /** 403 unless the caller is an admin. */
  public Caller requireAdmin() {
    if (role != Role.ADMIN) {
      throw Errors.ADMIN_ONLY.error("only an admin may do this");
    }
    return this;
  }

  /** The caller a message carries, or null when it carries none (or a malformed one). */
  public static Caller fromHeaders(MultiMap headers) {
    String id = headers.get(Addresses.HEADER_CALLER_ID);
    Role role = Role.parse(headers.get(Addresses.HEADER_CALLER_ROLE));
    String via = headers.get(Addresses.HEADER_CALLER_VIA);
    return id == null || role == null || via == null ? null : new Caller(id, role, via, headers.get(Addresses.HEADER_CALLER_DID));
  }

  /** Adds this caller to the headers of a message to a verticle (what {@link #fromHeaders} reads). */
  public MultiMap addTo(MultiMap headers) {
    headers.add(Addresses.HEADER_CALLER_ID, userId).add(Addresses.HEADER_CALLER_ROLE, role.wireName()).add(Addresses.HEADER_CALLER_VIA, via);
    if (did != null) {
      headers.add(Addresses.HEADER_CALLER_DID, did);
    }
    return headers;
  }
}
