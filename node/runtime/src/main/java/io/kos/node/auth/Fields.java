package io.kos.node.auth;

import io.kos.verticle.ApiError;
import io.vertx.core.json.JsonObject;

import java.text.Normalizer;
import java.util.regex.Pattern;

/** Checks of request bodies: each failure is a 422 naming the field and why. */
final class Fields {

  private static final Pattern CONTROL = Pattern.compile("\\p{Cc}");
  private static final Pattern USERNAME = Pattern.compile("[\\p{L}\\p{N}._-]{3,64}");
  private static final Pattern EMAIL = Pattern.compile("[^\\s@]+@[^\\s@.]+(\\.[^\\s@.]+)+");
  static final int PASSWORD_MIN = 10;
  // argon2 hashes any length, but a megabyte password should not cost a megabyte of hashing
  static final int PASSWORD_MAX = 1024;

  private Fields() {
  }

  /** A required string, NFC-normalised, without control characters, within length bounds. */
  static String text(JsonObject body, String field, int min, int max) {
    String value = optionalText(body, field, max);
    if (value == null) {
      throw ApiError.invalidField(field, "is required");
    }
    if (value.codePointCount(0, value.length()) < min) {
      throw ApiError.invalidField(field, "must have at least " + min + " characters");
    }
    return value;
  }

  static String optionalText(JsonObject body, String field, int max) {
    Object raw = body.getValue(field);
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof String s)) {
      throw ApiError.invalidField(field, "must be a string");
    }
    String value = Normalizer.normalize(s, Normalizer.Form.NFC);
    if (value.codePointCount(0, value.length()) > max) {
      throw ApiError.invalidField(field, "must have at most " + max + " characters");
    }
    if (CONTROL.matcher(value).find()) {
      throw ApiError.invalidField(field, "must not contain control characters");
    }
    return value;
  }

  static String username(JsonObject body) {
    String value = text(body, "username", 3, 64);
    if (!USERNAME.matcher(value).matches()) {
      throw ApiError.invalidField("username", "use 3 to 64 letters, digits, '.', '_' or '-'");
    }
    return value;
  }

  static String email(JsonObject body) {
    String value = text(body, "email", 3, 254);
    if (!EMAIL.matcher(value).matches()) {
      throw ApiError.invalidField("email", "is not an email address");
    }
    return value;
  }

  /** The password policy: 10 to 1024 characters, not the username or the email. */
  static String newPassword(JsonObject body, String username, String email) {
    String value = password(body);
    if (value.codePointCount(0, value.length()) < PASSWORD_MIN) {
      throw ApiError.invalidField("password", "must have at least " + PASSWORD_MIN + " characters");
    }
    if (value.equalsIgnoreCase(username) || value.equalsIgnoreCase(email)) {
      throw ApiError.invalidField("password", "must not be the username or the email");
    }
    return value;
  }

  /** A password as given (any characters), only bounded in length. */
  static String password(JsonObject body) {
    Object raw = body.getValue("password");
    if (!(raw instanceof String value) || value.isEmpty()) {
      throw ApiError.invalidField("password", "is required");
    }
    if (value.length() > PASSWORD_MAX) {
      throw ApiError.invalidField("password", "must have at most " + PASSWORD_MAX + " characters");
    }
    return value;
  }
}
