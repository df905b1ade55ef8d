package io.kos.node.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.kos.verticle.Caller;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Builds a {@link NodeConfig} from defaults &lt; YAML file &lt; {@code KOS_*} environment &lt; CLI flags,
 * and validates every value. Any problem is a {@link ConfigException} naming the key and where the
 * bad value came from.
 */
public final class ConfigLoader {

  public static final String ALL_VERTICLES = "*";
  private static final String VERTICLE_CONFIG = "verticles.config";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Set<String> knownVerticles;

  /** @param knownVerticles names of the verticle modules in this binary */
  public ConfigLoader(Collection<String> knownVerticles) {
    this.knownVerticles = new TreeSet<>(knownVerticles);
  }

  /**
   * @param explicitFile the {@code --config} file, or null to pick {@code conf/<class>.yaml} or
   *                     {@code conf/node.yaml} from the working directory when present
   * @param env          the process environment
   * @param flags        CLI overrides by setting key ({@code http.port} -> "8081")
   */
  public NodeConfig load(Path explicitFile, Map<String, String> env, Map<String, String> flags) {
    Path file = explicitFile != null ? explicitFile
        : env.containsKey("KOS_CONFIG") ? Path.of(env.get("KOS_CONFIG")) : defaultFile(flags, env);
    Map<String, String> values = new HashMap<>();
    Map<String, String> sources = new HashMap<>();
    JsonObject verticleConfig = new JsonObject();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        String named = explicitFile != null ? "--config" : env.containsKey("KOS_CONFIG") ? "KOS_CONFIG" : "the node class";
        throw new ConfigException("cannot read config file " + file + " (from " + named + "): no such file"
            + (file.isAbsolute() ? "" : " in the working directory " + Path.of("").toAbsolutePath()));
      }
      verticleConfig = readFile(file, values, sources);
    }
    for (Setting setting : Setting.ALL) {
      String fromEnv = env.get(setting.envName());
      if (fromEnv != null) {
        values.put(setting.key(), fromEnv);
        sources.put(setting.key(), setting.envName());
      }
    }
    flags.forEach((key, value) -> {
      if (Setting.byKey(key) == null) {
        throw new IllegalArgumentException("no setting " + key);
      }
      values.put(key, value);
      sources.put(key, "command line");
    });

    Map<String, Object> typed = new HashMap<>();
    for (Setting setting : Setting.ALL) {
      String raw = values.get(setting.key());
      if (raw == null) {
        typed.put(setting.key(), setting.defaultValue());
        continue;
      }
      try {
        typed.put(setting.key(), setting.parser().apply(raw));
      } catch (IllegalArgumentException e) {
        String shown = setting.isSecret() ? "(value hidden)" : "'" + raw + "'";
        throw new ConfigException(setting.key() + " " + e.getMessage() + ", got " + shown + " (from " + sources.get(setting.key()) + ")");
      }
    }
    return build(file, typed, verticleConfig);
  }

  private static Path defaultFile(Map<String, String> flags, Map<String, String> env) {
    String nodeClass = flags.getOrDefault("node.class", env.get("KOS_NODE_CLASS"));
    if (nodeClass != null) {
      Path classFile = Path.of("conf", nodeClass + ".yaml");
      if (Files.isRegularFile(classFile)) {
        return classFile;
      }
    }
    Path defaultFile = Path.of("conf", "node.yaml");
    return Files.isRegularFile(defaultFile) ? defaultFile : null;
  }

  private JsonObject readFile(Path file, Map<String, String> values, Map<String, String> sources) {
    Object root;
    try {
      root = YAML.readValue(Files.readString(file), Object.class);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
      throw new ConfigException("config file " + file + " is not valid YAML" + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    if (root == null) {
      return new JsonObject();
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new ConfigException("config file " + file + " must hold a YAML mapping");
    }
    JsonObject[] verticleConfig = {new JsonObject()};
    flatten("", map, file, values, sources, verticleConfig);
    return verticleConfig[0];
  }

  private void flatten(String prefix, Map<?, ?> map, Path file, Map<String, String> values, Map<String, String> sources,
                       JsonObject[] verticleConfig) {
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String key = prefix + entry.getKey();
      Object value = entry.getValue();
      if (key.equals(VERTICLE_CONFIG)) {
        verticleConfig[0] = verticleConfig(value, file);
      } else if (Setting.byKey(key) != null) {
        if (value != null) {
          values.put(key, value instanceof List<?> list ? listValue(list) : String.valueOf(value));
          sources.put(key, file.toString());
        }
      } else if (value instanceof Map<?, ?> child) {
        flatten(key + ".", child, file, values, sources, verticleConfig);
      } else {
        throw new ConfigException("unknown setting '" + key + "' in " + file);
      }
    }
  }

  /** A list of scalars as the comma list the environment would give; one holding mappings as JSON (klf.peers). */
  private static String listValue(List<?> list) {
    if (list.stream().anyMatch(item -> item instanceof Map<?, ?>)) {
      return Json.encode(list);
    }
    return list.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  private JsonObject verticleConfig(Object value, Path file) {
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new ConfigException(VERTICLE_CONFIG + " in " + file + " must be a mapping of verticle name to settings");
    }
    @SuppressWarnings("unchecked")
    JsonObject json = new JsonObject(new LinkedHashMap<>((Map<String, Object>) map));
    for (String name : json.fieldNames()) {
      if (!knownVerticles.contains(name)) {
        throw new ConfigException(VERTICLE_CONFIG + "." + name + " in " + file + ": unknown verticle" + known());
      }
      Object section = json.getValue(name);
      if (section != null && !(section instanceof JsonObject)) {
        throw new ConfigException(VERTICLE_CONFIG + "." + name + " in " + file + " must be a mapping");
      }
      JsonObject settings = section == null ? new JsonObject() : (JsonObject) section;
      checkInt(settings, "pool_size", 1, 256, name, file);
      checkInt(settings, "instances", 1, 64, name, file);
      json.put(name, settings);
    }
    return json;
  }

  private static void checkInt(JsonObject settings, String field, int min, int max, String verticle, Path file) {
    Object value = settings.getValue(field);
    if (value != null && !(value instanceof Integer n && n >= min && n <= max)) {
      throw new ConfigException(VERTICLE_CONFIG + "." + verticle + "." + field + " must be an integer from " + min + " to " + max
          + ", got '" + value + "' (from " + file + ")");
    }
  }

  @SuppressWarnings("unchecked")
  private NodeConfig build(Path file, Map<String, Object> v, JsonObject verticleConfig) {
    List<String> deploy = (List<String>) v.get("verticles.deploy");
    for (String name : deploy) {
      if (!name.equals(ALL_VERTICLES) && !knownVerticles.contains(name)) {
        throw new ConfigException("verticles.deploy: unknown verticle '" + name + "'" + known());
      }
    }
    List<String> verticles = deploy.contains(ALL_VERTICLES) ? List.copyOf(knownVerticles) : deploy.stream().distinct().toList();
    Path dataDir = Path.of((String) v.get("node.data_dir")).toAbsolutePath().normalize();
    String keyFile = (String) v.get("identity.key_file");
    String host = (String) v.get("http.host");
    if (host.isEmpty()) {
      throw new ConfigException("http.host must not be empty");
    }
    String databaseUrl = (String) v.get("database.url");
    if (!databaseUrl.isEmpty() && !databaseUrl.matches("(jdbc:)?postgres(ql)?://.+")) {
      throw new ConfigException("database.url must look like postgresql://user:password@host:port/database");
    }
    return new NodeConfig(
        file == null ? "built-in defaults" : file.toString(),
        (String) v.get("node.class"),
        (Integer) v.get("node.event_loops"),
        dataDir,
        verticles,
        (Integer) v.get("verticles.instances"),
        host,
        (Integer) v.get("http.port"),
        tlsFiles(v, "http.tls.cert", "http.tls.key", null),
        (String) v.get("http.public_url"),
        (Integer) v.get("http.body_limit"),
        (Duration) v.get("http.header_timeout"),
        (Duration) v.get("http.body_timeout"),
        (Duration) v.get("http.request_timeout"),
        databaseUrl.startsWith("jdbc:") ? databaseUrl.substring(5) : databaseUrl,
        (Integer) v.get("database.pool_size"),
        (Duration) v.get("database.connect_timeout"),
        (Integer) v.get("database.embedded_port"),
        (Boolean) v.get("cluster.enabled"),
        (String) v.get("cluster.name"),
        (String) v.get("cluster.host"),
        (Integer) v.get("cluster.port"),
        (Integer) v.get("cluster.bus_port"),
        (List<String>) v.get("cluster.members"),
        clusterTls(v),
        keyFile.isEmpty() ? dataDir.resolve("node.key") : Path.of(keyFile).toAbsolutePath().normalize(),
        new MasterKeySetting((String) v.get("node.master_key")),
        (List<String>) v.get("outbound.allow"),
        new KlfSettings(
            (List<KlfSettings.Peer>) v.get("klf.peers"),
            Caller.Role.parse((String) v.get("klf.accept_unknown")),
            (Duration) v.get("klf.max_clock_skew"),
            (Duration) v.get("klf.replay_window"),
            (Integer) v.get("klf.max_message_bytes"),
            (Duration) v.get("klf.task_timeout"),
            (Duration) v.get("klf.task_retention"),
            (Duration) v.get("klf.maintenance_expiry"),
            ((String) v.get("klf.ca")).isEmpty() ? null : Path.of((String) v.get("klf.ca")).toAbsolutePath().normalize(),
            (Boolean) v.get("klf.discoverable"),
            (Boolean) v.get("klf.mdns")),
        (String) v.get("logging.format"),
        (String) v.get("logging.level"),
        (Duration) v.get("shutdown.timeout"),
        new AuthSettings(
            (Boolean) v.get("auth.open_registration"),
            (String) v.get("auth.jwt_secret"),
            (Duration) v.get("auth.access_token_ttl"),
            (Duration) v.get("auth.refresh_token_ttl"),
            (Duration) v.get("auth.api_key_cache_ttl"),
            (Integer) v.get("auth.login_max_failures"),
            (Integer) v.get("auth.login_address_max_failures"),
            (Duration) v.get("auth.login_lockout"),
            (Integer) v.get("auth.argon2_memory_kib"),
            (Integer) v.get("auth.argon2_iterations"),
            (Integer) v.get("auth.hash_threads")),
        verticleConfig);
  }

  /** The http.tls files, or null for plain HTTP; both named and readable, or a one-line refusal. */
  private static TlsFiles tlsFiles(Map<String, Object> v, String certKey, String keyKey, String caKey) {
    String cert = (String) v.get(certKey);
    String key = (String) v.get(keyKey);
    String ca = caKey == null ? "" : (String) v.get(caKey);
    if (cert.isEmpty() && key.isEmpty() && ca.isEmpty()) {
      return null;
    }
    if (cert.isEmpty() || key.isEmpty() || (caKey != null && ca.isEmpty())) {
      throw new ConfigException(caKey == null ? certKey + " and " + keyKey + " go together: give both or neither"
          : certKey + ", " + keyKey + " and " + caKey + " go together (kos-node cluster issue writes all three)");
    }
    return new TlsFiles(readable(certKey, cert), readable(keyKey, key), caKey == null ? null : readable(caKey, ca));
  }

  private static Path readable(String key, String file) {
    Path path = Path.of(file).toAbsolutePath().normalize();
    if (!Files.isReadable(path)) {
      throw new ConfigException(key + ": cannot read " + path);
    }
    return path;
  }

  /** The event bus's mutual TLS, required unless the cluster stays on loopback with cluster.tls false. */
  private static TlsFiles clusterTls(Map<String, Object> v) {
    if (!(Boolean) v.get("cluster.enabled")) {
      return null;
    }
    if (!(Boolean) v.get("cluster.tls")) {
      if (!isLoopback((String) v.get("cluster.host"))) {
        throw new ConfigException("cluster.tls: false is allowed only with a loopback cluster.host, got '" + v.get("cluster.host")
            + "'; make a CA and member certificates with kos-node cluster init / issue");
      }
      return null;
    }
    TlsFiles files = tlsFiles(v, "cluster.cert", "cluster.key", "cluster.ca");
    if (files == null) {
      throw new ConfigException("cluster.tls needs cluster.cert, cluster.key and cluster.ca (kos-node cluster init DIR, then "
          + "kos-node cluster issue --ca DIR --host <cluster.host>), or cluster.tls: false on a loopback cluster.host");
    }
    return files;
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
  }

  private String known() {
    return knownVerticles.isEmpty() ? " (this binary has no verticles)" : " (known: " + String.join(", ", knownVerticles) + ")";
  }
}
