package io.kos.verticle;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * The strict reading of text from outside: integers as plain decimal digits and text without NUL
 * or lone UTF-16 surrogates (PostgreSQL refuses NUL in text, and a lone surrogate would be stored
 * as {@code ?} while memory kept the original). Loops, not regexes: these run on every request.
 */
public final class Text {

  private Text() {
  }

  /**
   * The integer {@code s} spells: an optional {@code -}, then digits without a leading zero (or
   * {@code 0} itself); null for anything else ({@code +5}, {@code 007}, {@code -0}, {@code 1e3},
   * spaces, other scripts' digits, beyond a long).
   */
  public static Long strictLong(String s) {
    if (s == null || s.isEmpty() || s.length() > 20) {
      return null;
    }
    int start = s.charAt(0) == '-' ? 1 : 0;
    if (start == s.length() || (s.charAt(start) == '0' && (s.length() > start + 1 || start == 1))) {
      return null;
    }
    for (int i = start; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null; // out of range
    }
  }

  /** Why {@code s} may not enter as text (NUL, a lone surrogate), or null when it may. */
  public static String flaw(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        return "must not contain NUL (\\u0000)";
      }
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return "must not contain a lone UTF-16 surrogate (\\u" + Integer.toHexString(c) + ")";
        }
      }
    }
    return null;
  }

  /**
   * The first string in a decoded JSON value (object keys included) that may not enter as text, as
   * {@code {path, reason}} with a path such as {@code events[3].token_uri}; null when all are clean.
   */
  public static String[] firstFlaw(Object json) {
    return firstFlaw(json, "");
  }

  private static String[] firstFlaw(Object json, String path) {
    if (json instanceof String s) {
      String flaw = flaw(s);
      return flaw == null ? null : new String[] {path, flaw};
    }
    if (json instanceof JsonObject object) {
      for (Map.Entry<String, Object> entry : object) {
        String at = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
        String keyFlaw = flaw(entry.getKey());
        if (keyFlaw != null) {
          return new String[] {path.isEmpty() ? "(name)" : path, "a name " + keyFlaw};
        }
        String[] found = firstFlaw(entry.getValue(), at);
        if (found != null) {
          return found;
        }
      }
    } else if (json instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        String[] found = firstFlaw(array.getValue(i), path + "[" + i + "]");
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }
}
