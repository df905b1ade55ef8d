package io.kos.verticle;

import io.vertx.core.MultiMap;

import java.util.Locale;
import java.util.Objects;

/**
 * The authenticated user behind a request, set by the ingress in message headers (never read from a
 * body). Roles: {@code admin} sees and changes everything; {@code editor} sees and changes only what
 * it owns; {@code viewer} only reads what it owns.
 *
 * @param userId the user's id (a UUID)
 * @param role   the role when the credential was checked
 * @param via    {@code token} (JWT access token) or {@code api_key}
 */
public record Caller(String userId, Role role, String via) {

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
    return id == null || role == null || via == null ? null : new Caller(id, role, via);
  }
}
