package io.kos.tohunga;

import io.kos.verticle.ApiError;
import io.kos.verticle.SecretBox;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A source's {@code connection_config}: checked by its type when written (422 naming the field), its
 * secrets sealed with the node's master key (the mechanism actions uses for MCP tokens), masked when
 * read, opened only to run a job. A sealed value is stored as {@code {"sealed": "v1.…"}}, bound to
 * the source and the field, so it opens nowhere else. Sending the mask back in an update keeps the secret.
 */
final class SourceConfigs {

  static final String MASK = "********";
  static final List<String> TYPES = List.of("http_api", "postgresql", "s3_bucket", "upload");
  static final List<String> RUNNABLE_TYPES = TYPES;
  /** Header names whose values are credentials: sealed like passwords. */
  private static final Pattern CREDENTIAL_HEADER = Pattern.compile("(?i)authorization|proxy-authorization|cookie|.*(token|secret|key|auth|password|session).*");
  private static final String SEALED = "sealed";

  private final SecretBox box;

  SourceConfigs(SecretBox box) {
    this.box = box;
  }

  /**
   * The config to store: checked, secrets sealed. {@code previous} is the stored config of the source
   * being updated (null for a new one): a secret sent as {@link #MASK} keeps its stored value.
   */
  JsonObject seal(String type, JsonObject config, JsonObject previous, UUID sourceId) {
    if (!RUNNABLE_TYPES.contains(type)) {
      throw ApiError.invalidField("source_type", TYPES.contains(type)
          ? "'" + type + "' sources are not available on this node yet; available: " + String.join(", ", RUNNABLE_TYPES)
          : "must be one of " + String.join(", ", RUNNABLE_TYPES));
    }
    walk(config, new ArrayList<>(), (path, sealed) -> {
      throw ApiError.invalidField("connection_config." + String.join(".", path), "a {\"sealed\": …} value is the node's own form; send the secret itself");
    });
    JsonObject normal = config.copy();
    if (type.equals("postgresql")) {
      PostgresSource.Config.moveUriPassword(normal);
    }
    for (List<String> path : secretPaths(type, normal)) {
      Object value = at(normal, path);
      String field = "connection_config." + String.join(".", path);
      if (!(value instanceof String text)) {
        throw ApiError.invalidField(field, "must be a string (a secret)");
      }
      String sealed;
      if (text.equals(MASK)) {
        Object kept = previous == null ? null : at(previous, path);
        if (!(kept instanceof JsonObject keptSealed) || keptSealed.getString(SEALED) == null) {
          throw ApiError.invalidField(field, "is the mask; send the secret itself (there is no stored one to keep)");
        }
        sealed = keptSealed.getString(SEALED);
      } else {
        sealed = box.seal(text, purpose(sourceId, path));
      }
      put(normal, path, new JsonObject().put(SEALED, sealed));
    }
    // checked on the plain form, so the checks read real values
    check(type, open(normal, sourceId));
    return normal;
  }

  /** Checks the opened config by its type (what a job would do with it). */
  static void check(String type, JsonObject opened) {
    if (type.equals("http_api")) {
      HttpSource.Config.parse(opened);
    } else if (type.equals("upload")) {
      uploadId(opened);
    } else if (type.equals("s3_bucket")) {
      S3Source.Config.parse(opened);
    } else {
      PostgresSource.Config.parse(opened);
    }
  }

  /** An upload source's {@code {upload_id}}. */
  static UUID uploadId(JsonObject config) {
    String raw = io.kos.verticle.JsonFields.ofBody(config, "connection_config").onlyKnown(List.of("upload_id")).string("upload_id", null, 36);
    try {
      return UUID.fromString(raw);
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidField("connection_config.upload_id", "must be an upload id (a UUID)");
    }
  }

  /** The config with every secret in plain text, for a job that uses it; never returned or logged. */
  JsonObject open(JsonObject stored, UUID sourceId) {
    JsonObject opened = stored.copy();
    walk(opened, new ArrayList<>(), (path, sealed) -> put(opened, path, box.open(sealed, purpose(sourceId, path))));
    return opened;
  }

  /** The config as callers see it: every secret replaced by {@link #MASK}. */
  static JsonObject masked(JsonObject stored) {
    JsonObject masked = stored.copy();
    walk(masked, new ArrayList<>(), (path, sealed) -> put(masked, path, MASK));
    return masked;
  }

  private static String purpose(UUID sourceId, List<String> path) {
    return "tohunga.source:" + sourceId + ":" + String.join(".", path);
  }

  /** Where the secrets of a config of this type are. */
  private static List<List<String>> secretPaths(String type, JsonObject config) {
    List<List<String>> paths = new ArrayList<>();
    if (type.equals("http_api")) {
      if (config.getValue("auth") instanceof JsonObject auth) {
        for (String field : List.of("token", "value", "password")) {
          if (auth.containsKey(field)) {
            paths.add(List.of("auth", field));
          }
        }
      }
      if (config.getValue("headers") instanceof JsonObject headers) {
        for (String name : headers.fieldNames()) {
          if (CREDENTIAL_HEADER.matcher(name).matches()) {
            paths.add(List.of("headers", name));
          }
        }
      }
    } else if (type.equals("postgresql") && config.containsKey("password")) {
      paths.add(List.of("password"));
    } else if (type.equals("s3_bucket")) {
      for (String field : List.of("secret_access_key", "session_token")) {
        if (config.containsKey(field)) {
          paths.add(List.of(field));
        }
      }
    }
    return paths;
  }

  private interface SealedVisitor {
    void visit(List<String> path, String sealed);
  }

  private static void walk(JsonObject object, List<String> path, SealedVisitor visitor) {
    for (Map.Entry<String, Object> entry : List.copyOf(object.getMap().entrySet())) {
      List<String> here = new ArrayList<>(path);
      here.add(entry.getKey());
      Object value = object.getValue(entry.getKey());
      if (value instanceof JsonObject child) {
        if (child.size() == 1 && child.getValue(SEALED) instanceof String sealed) {
          visitor.visit(here, sealed);
        } else {
          walk(child, here, visitor);
        }
      } else if (value instanceof JsonArray) {
        // no secrets live in lists
      }
    }
  }

  private static Object at(JsonObject object, List<String> path) {
    Object value = object;
    for (String segment : path) {
      if (!(value instanceof JsonObject current)) {
        return null;
      }
      value = current.getValue(segment);
    }
    return value;
  }

  private static void put(JsonObject root, List<String> path, Object value) {
    JsonObject at = root;
    for (int i = 0; i < path.size() - 1; i++) {
      at = at.getJsonObject(path.get(i));
    }
    at.put(path.get(path.size() - 1), value);
  }
}
