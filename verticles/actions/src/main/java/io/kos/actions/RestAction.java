package io.kos.actions;

import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A {@code rest} action's config.
 *
 * @param expected       the statuses that count as delivered; empty: any 2xx
 * @param bodyTemplate   the JSON body, rendered ({@link Template#renderJson}); null: the default body
 * @param secretSealed   the Standard Webhooks secret, sealed
 */
record RestAction(HttpMethod method, String url, JsonObject headers, Object bodyTemplate, int timeoutMs, List<Integer> expected,
                  boolean followRedirects, String secretSealed) {

  static final List<String> FIELDS = List.of("method", "url", "headers", "body_template", "timeout_ms", "expected_status",
      "follow_redirects", "secret", "secret_sealed");
  static final List<String> METHODS = List.of("POST", "PUT", "PATCH", "GET", "DELETE");
  static final int MAX_REDIRECTS = 5;
  /** Headers the node sets itself: a config may not override them. */
  static final Set<String> RESERVED_HEADERS = Set.of("host", "content-length", "transfer-encoding", "connection", "upgrade",
      "webhook-id", "webhook-timestamp", "webhook-signature", "x-kos-delivery-id");
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
  private static final Pattern WEBHOOK_SECRET = Pattern.compile("whsec_[A-Za-z0-9+/]{32,88}={0,2}");
  private static final SecureRandom RANDOM = new SecureRandom();

  static RestAction parse(JsonObject config, String path) {
    JsonFields fields = JsonFields.ofBody(config, path).onlyKnown(FIELDS);
    String method = fields.string("method", "POST", 10).toUpperCase(Locale.ROOT);
    if (!METHODS.contains(method)) {
      throw fields.invalid("method", "must be one of " + String.join(", ", METHODS));
    }
    String url = fields.string("url", null, 2000);
    Template.check(url, path + ".url", false);
    String problem = OutboundHttp.urlProblem(Template.withPlaceholders(url));
    if (problem != null) {
      throw fields.invalid("url", problem);
    }
    JsonObject headers = fields.object("headers", new JsonObject());
    headers.forEach(header -> {
      String name = header.getKey();
      if (!TOKEN.matcher(name).matches()) {
        throw ApiError.invalidField(path + ".headers", "'" + name + "' is not a valid header name");
      }
      if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        throw ApiError.invalidField(path + ".headers." + name, "is set by the node and cannot be configured");
      }
      if (!(header.getValue() instanceof String value) || value.length() > 4000) {
        throw ApiError.invalidField(path + ".headers." + name, "must be a string of at most 4000 characters");
      }
      Template.check(value, path + ".headers." + name, false);
    });
    Object body = config.getValue("body_template");
    if (body != null && (method.equals("GET") || method.equals("DELETE"))) {
      throw fields.invalid("body_template", method + " sends no body");
    }
    Template.check(body, path + ".body_template", false);
    int timeout = fields.intValue("timeout_ms", 30_000, 1000, 300_000);
    List<Integer> expected = expected(config.getValue("expected_status"), path + ".expected_status");
    boolean follow = fields.bool("follow_redirects", true);
    String secret = fields.string("secret", "", 200);
    if (!secret.isEmpty() && !WEBHOOK_SECRET.matcher(secret).matches()) {
      throw fields.invalid("secret", "must be a Standard Webhooks secret: whsec_ and the base64 of 24 to 64 random bytes");
    }
    String sealed = fields.string("secret_sealed", "", 1000);
    return new RestAction(HttpMethod.valueOf(method), url, headers, body, timeout, expected, follow, sealed.isEmpty() ? null : sealed);
  }

  boolean sendsBody() {
    return method != HttpMethod.GET && method != HttpMethod.DELETE;
  }

  boolean accepts(int status) {
    return expected.isEmpty() ? status >= 200 && status < 300 : expected.contains(status);
  }

  /** A new Standard Webhooks secret: 32 random bytes. */
  static String newSecret() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  private static List<Integer> expected(Object value, String field) {
    if (value == null) {
      return List.of();
    }
    JsonArray statuses = value instanceof JsonArray array ? array : new JsonArray().add(value);
    if (statuses.isEmpty() || statuses.size() > 20) {
      throw ApiError.invalidField(field, "must be a status or a list of 1 to 20 statuses");
    }
    List<Integer> out = new ArrayList<>();
    for (Object status : statuses) {
      if (!(status instanceof Integer code) || code < 100 || code > 599) {
        throw ApiError.invalidField(field, "must hold HTTP statuses from 100 to 599, not " + status);
      }
      out.add(code);
    }
    return List.copyOf(out);
  }
}
