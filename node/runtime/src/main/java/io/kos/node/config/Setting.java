package io.kos.node.config;

import io.kos.verticle.Caller;
import io.kos.verticle.Text;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One configuration key: its dotted YAML path, environment name, default, parser and description.
 * {@link #ALL} is the single source for loading, validation and the README's configuration reference.
 */
public record Setting(String key, Object defaultValue, String description, Function<String, Object> parser) {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})(b|kib|mib)?");
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]{0,30}");
  public static final Set<String> NODE_CLASSES = Set.of("allinone", "tohunga", "ronin", "hakim");

  public static final List<Setting> ALL = List.of(
      new Setting("node.class", "allinone", "node class, part of the DID: " + String.join(", ", NODE_CLASSES.stream().sorted().toList()),
          Setting::nodeClass),
      new Setting("node.event_loops", 0, "Vert.x event-loop threads; 0 = one per core (measured cheaper per request than Vert.x's two per core)",
          v -> integer(v, 0, 256)),
      new Setting("node.data_dir", "./data", "directory for the key pair, the lock file and the embedded database", Setting::text),
      new Setting("node.master_key", "", "AES-256 key (base64 of 32 bytes) that seals the secrets verticles store (MCP tokens, webhook secrets); give every node on one database the same. Empty = <data_dir>/master.key, created owner-only on first start", Setting::masterKey),
      new Setting("verticles.deploy", List.of("*"), "verticles to deploy, comma separated; * = every verticle in the binary", Setting::list),
      new Setting("verticles.instances", 1, "default instances per verticle (verticles.config.<name>.instances overrides)", v -> integer(v, 1, 64)),
      new Setting("http.host", "127.0.0.1", "address the HTTP ingress binds; 0.0.0.0 for all interfaces (loopback by default: the all-in-one node has open registration)", Setting::text),
      new Setting("http.port", 8080, "HTTP ingress port (0 = any free port)", Setting::port),
      new Setting("http.tls.cert", "", "PEM certificate (chain) the ingress serves HTTPS with (TLS 1.2 and 1.3); empty = plain HTTP. Needs http.tls.key", Setting::text),
      new Setting("http.tls.key", "", "PEM private key (PKCS#8) of http.tls.cert", Setting::text),
      new Setting("http.public_url", "", "URL other nodes and clients use to reach this node; default http://<host>:<port>", Setting::text),
      new Setting("http.body_limit", 4194304, "largest accepted request body in bytes (suffix KiB or MiB allowed); larger gets 413. 4 MiB holds an ingest push of batch_max (5000) events of up to 800 bytes each", Setting::size),
      new Setting("http.header_timeout", Duration.ofSeconds(10), "time a client has to send a request's headers, from connecting or from the previous answer (so also how long an idle keep-alive connection stays open); then the connection is closed", Setting::duration),
      new Setting("http.body_timeout", Duration.ofSeconds(60), "time a client has to send a request's whole body once its headers are in; then 408 and the connection is closed", Setting::duration),
      new Setting("http.request_timeout", Duration.ofSeconds(30), "how long the ingress waits for a verticle's reply before 504", Setting::duration),
      new Setting("database.url", "", "external PostgreSQL, postgresql://user:password@host:port/db; empty = embedded PostgreSQL in <data_dir>/pg", Setting::text),
      new Setting("database.pool_size", 4, "connections per verticle pool (verticles.config.<name>.pool_size overrides)", v -> integer(v, 1, 256)),
      new Setting("database.connect_timeout", Duration.ofSeconds(5), "how long to wait for the database at start before giving up", Setting::duration),
      new Setting("database.embedded_port", 0, "port of the embedded PostgreSQL on loopback (0 = any free port)", Setting::port),
      new Setting("cluster.enabled", false, "join a clustered event bus (Hazelcast, TCP/IP members, no multicast)", Setting::bool),
      new Setting("cluster.name", "kos", "cluster name; nodes with another name do not join", Setting::text),
      new Setting("cluster.host", "127.0.0.1", "address Hazelcast and the event bus bind and advertise", Setting::text),
      new Setting("cluster.port", 5701, "Hazelcast member port", Setting::port),
      new Setting("cluster.bus_port", 0, "event bus port (0 = any free port)", Setting::port),
      new Setting("cluster.members", List.of(), "other members, host:port comma separated", Setting::members),
      new Setting("cluster.tls", true, "mutual TLS on the event bus between members, from the cluster CA (cluster.cert, cluster.key, cluster.ca; kos-node cluster init/issue). false is allowed only with a loopback cluster.host", Setting::bool),
      new Setting("cluster.cert", "", "this member's PEM certificate from kos-node cluster issue", Setting::text),
      new Setting("cluster.key", "", "this member's PEM private key from kos-node cluster issue", Setting::text),
      new Setting("cluster.ca", "", "the cluster CA's PEM certificate: only members it signed can send or receive on the bus", Setting::text),
      new Setting("identity.key_file", "", "the node's Ed25519 key pair (PEM); default <data_dir>/node.key, created on first start", Setting::text),
      new Setting("auth.open_registration", false, "anyone may register (as editor); when false only an admin registers users. The first user always needs the setup token", Setting::bool),
      new Setting("auth.jwt_secret", "", "HMAC-SHA256 key for access tokens, base64, at least 32 bytes; give every node of a cluster the same. Empty = <data_dir>/jwt.key, created on first start", Setting::secret),
      new Setting("auth.access_token_ttl", Duration.ofMinutes(15), "lifetime of an access token (JWT)", Setting::duration),
      new Setting("auth.refresh_token_ttl", Duration.ofDays(30), "lifetime of a refresh token; each use rotates it", Setting::duration),
      new Setting("auth.api_key_cache_ttl", Duration.ofSeconds(10), "how long a checked API key is trusted without a database lookup; revoking a key or changing its user evicts it at once on every node", Setting::duration),
      new Setting("auth.login_max_failures", 5, "failed logins for one account within auth.login_lockout before 429", v -> integer(v, 1, 1000)),
      new Setting("auth.login_address_max_failures", 20, "failed logins from one client address within auth.login_lockout before 429", v -> integer(v, 1, 100000)),
      new Setting("auth.login_lockout", Duration.ofMinutes(15), "window in which failed logins count, and how long a 429 lasts", Setting::duration),
      new Setting("auth.argon2_memory_kib", 19456, "argon2id memory cost per password hash in KiB (OWASP: 19456)", v -> integer(v, 1024, 4194304)),
      new Setting("auth.argon2_iterations", 2, "argon2id iterations per password hash (OWASP: 2)", v -> integer(v, 1, 100)),
      new Setting("auth.hash_threads", 0, "password hashes computed at once (each holds auth.argon2_memory_kib); 0 = one per core", v -> integer(v, 0, 256)),
      new Setting("klf.peers", List.of(), "nodes this node trusts: a list of {did, role, name} (role admin, editor or viewer; as JSON in the environment). Peers added with /api/auth/v1/peers add to these", Setting::peers),
      new Setting("klf.discoverable", true, "answer GET /klf/v1/identity, /klf/v1/capabilities and /klf/v1/health to anyone (what discovery probes and Hakim polls); false: to an authenticated caller only (401 otherwise), so that Ronin nodes record nothing of this node", Setting::bool),
      new Setting("klf.mdns", true, "announce this node on the local network as _kos-node._tcp.local (mDNS, TXT class, port, did) when http.host is one non-loopback address, or on every multicast interface when it is 0.0.0.0 or ::; never while klf.discoverable is false; false: never", Setting::bool),
      new Setting("klf.accept_unknown", "", "the role of a verified KLF sender not on the peer list: empty refuses it (403 unknown_node), viewer lets it read", Setting::acceptUnknown),
      new Setting("klf.max_clock_skew", Duration.ofMinutes(5), "a KLF message whose timestamp is further than this from the node's clock is refused", Setting::duration),
      new Setting("klf.replay_window", Duration.ofMinutes(10), "how long a received message id is remembered, so that a copy is refused (keep it above twice klf.max_clock_skew)", Setting::duration),
      new Setting("klf.max_message_bytes", 1048576, "largest KLF message accepted (suffix KiB or MiB allowed); larger gets 413", Setting::size),
      new Setting("klf.task_timeout", Duration.ofMinutes(15), "how long a KLF task may run before it fails with TIMEOUT", Setting::duration),
      new Setting("klf.task_retention", Duration.ofDays(7), "finished KLF tasks older than this are deleted (task_status then answers not_found)", Setting::duration),
      new Setting("klf.maintenance_expiry", Duration.ofHours(24), "a maintenance request this node's admin has not approved or rejected within this is Expired (docs/maintenance.md), and so is an approved one not run within it", Setting::duration),
      new Setting("klf.ca", "", "PEM file of CA certificates trusted, besides the JDK's, when this node calls other nodes over https (a private CA)", Setting::text),
      new Setting("outbound.allow", List.of(), "CIDRs (comma separated) that verticles may call out to although not public: loopback, private, link-local, unique-local, CGNAT (e.g. 127.0.0.0/8,::1/128 for a local receiver). Empty = public addresses only", Setting::cidrs),
      new Setting("logging.format", "text", "text or json (one JSON object per line)", v -> oneOf(v, "text", "json")),
      new Setting("logging.level", "INFO", "root log level: TRACE, DEBUG, INFO, WARN, ERROR", v -> oneOf(v.toUpperCase(Locale.ROOT), "TRACE", "DEBUG", "INFO", "WARN", "ERROR")),
      new Setting("shutdown.timeout", Duration.ofSeconds(20), "bound on graceful shutdown (drain, undeploy, close); past it the node exits 1", Setting::duration));

  /** Command-line flags that set a key (see {@code io.kos.node.Main}). */
  public static final Map<String, String> FLAGS = Map.of(
      "node.class", "--class",
      "node.data_dir", "--data-dir",
      "verticles.deploy", "--verticles",
      "http.port", "--http-port",
      "database.url", "--db-url",
      "cluster.enabled", "--cluster",
      "cluster.host", "--cluster-host",
      "cluster.port", "--cluster-port",
      "cluster.members", "--cluster-members");

  /** The configuration reference as a Markdown table, as it stands in README.md. */
  public static String markdownReference() {
    StringBuilder table = new StringBuilder("| key | environment | flag | default | meaning |\n|---|---|---|---|---|\n");
    for (Setting setting : ALL) {
      table.append("| `").append(setting.key()).append("` | `").append(setting.envName()).append("` | ")
          .append(FLAGS.containsKey(setting.key()) ? "`" + FLAGS.get(setting.key()) + "`" : "").append(" | ")
          .append(display(setting.defaultValue())).append(" | ").append(setting.description().replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")).append(" |\n");
    }
    return table.toString();
  }

  private static String display(Object value) {
    if (value instanceof Duration d) {
      return "`" + displayDuration(d) + "`";
    }
    if (value instanceof List<?> list) {
      return list.isEmpty() ? "(empty)" : "`" + String.join(",", list.stream().map(String::valueOf).toList()) + "`";
    }
    String text = String.valueOf(value);
    return text.isEmpty() ? "(empty)" : "`" + text + "`";
  }

  /** A duration as config writes it: {@code 20s}, {@code 15m}, {@code 500ms} (for log lines and messages too). */
  public static String displayDuration(Duration d) {
    long ms = d.toMillis();
    for (var unit : List.of(Map.entry("d", 86_400_000L), Map.entry("h", 3_600_000L), Map.entry("m", 60_000L), Map.entry("s", 1000L))) {
      if (ms % unit.getValue() == 0) {
        return ms / unit.getValue() + unit.getKey();
      }
    }
    return ms + "ms";
  }

  /** True for a key whose value must never appear in a message or log. */
  public boolean isSecret() {
    return key.endsWith("_secret") || key.endsWith("master_key");
  }

  /** {@code http.port} -> {@code KOS_HTTP_PORT}. */
  public String envName() {
    return "KOS_" + key.replace('.', '_').toUpperCase(Locale.ROOT);
  }

  public static Setting byKey(String key) {
    return ALL.stream().filter(s -> s.key.equals(key)).findFirst().orElse(null);
  }

  static Object text(String value) {
    return value.trim();
  }

  static Object nodeClass(String value) {
    if (!NODE_CLASSES.contains(value)) {
      throw new IllegalArgumentException("must be one of " + NODE_CLASSES.stream().sorted().toList());
    }
    return value;
  }

  /** A base64 key of at least 32 bytes, or empty. */
  static Object secret(String value) {
    String trimmed = value.trim();
    if (trimmed.isEmpty()) {
      return trimmed;
    }
    try {
      if (java.util.Base64.getDecoder().decode(trimmed).length >= 32) {
        return trimmed;
      }
    } catch (IllegalArgumentException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("must be base64 of at least 32 bytes (openssl rand -base64 32)");
  }

  static Object bool(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new IllegalArgumentException("must be true or false");
    };
  }

  static Object port(String value) {
    return integer(value, 0, 65535);
  }

  static int integer(String value, int min, int max) {
    Long n = Text.strictLong(value.trim());
    if (n != null && n >= min && n <= max) {
      return n.intValue();
    }
    throw new IllegalArgumentException("must be an integer from " + min + " to " + max);
  }

  static Object oneOf(String value, String... allowed) {
    if (Arrays.asList(allowed).contains(value)) {
      return value;
    }
    throw new IllegalArgumentException("must be one of " + String.join(", ", allowed));
  }

  static Object duration(String value) {
    Matcher m = DURATION.matcher(value.trim());
    if (!m.matches()) {
      // a bare number is refused too: "5" meant 5 ms once, and every request timed out
      throw new IllegalArgumentException("must be a number with a unit (ms, s, m, h, d) such as 500ms, 30s, 5m, 2h, 30d");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> Duration.ofMillis(n);
    };
    if (d.isZero()) {
      throw new IllegalArgumentException("must be greater than zero");
    }
    return d;
  }

  static Object size(String value) {
    Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("must be a byte count such as 1048576, 512KiB or 4MiB");
    }
    long n = Long.parseLong(m.group(1));
    long bytes = m.group(2) == null || m.group(2).equals("b") ? n : m.group(2).equals("kib") ? n << 10 : n << 20;
    if (bytes < 1 || bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("must be from 1 byte to 2 GiB");
    }
    return (int) bytes;
  }

  /** Exactly 32 bytes of base64, or empty. */
  static Object masterKey(String value) {
    String trimmed = value.trim();
    if (trimmed.isEmpty()) {
      return trimmed;
    }
    try {
      if (java.util.Base64.getDecoder().decode(trimmed).length == io.kos.verticle.SecretBox.KEY_BYTES) {
        return trimmed;
      }
    } catch (IllegalArgumentException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("must be base64 of exactly 32 bytes (openssl rand -base64 32)");
  }

  @SuppressWarnings("unchecked")
  static Object cidrs(String value) {
    List<String> cidrs = (List<String>) list(value);
    io.kos.verticle.outbound.OutboundGuard.allowing(cidrs);
    return cidrs;
  }

  static Object acceptUnknown(String value) {
    String trimmed = value.trim();
    if (trimmed.isEmpty() || trimmed.equals("viewer")) {
      return trimmed;
    }
    throw new IllegalArgumentException("must be empty (refuse unlisted nodes) or viewer");
  }

  /** A JSON array of {did, role, name} objects (what the YAML list becomes). */
  static Object peers(String value) {
    String trimmed = value.trim();
    if (trimmed.isEmpty()) {
      return List.of();
    }
    JsonArray array;
    try {
      array = new JsonArray(trimmed);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("must be a list of {did, role, name}");
    }
    List<KlfSettings.Peer> peers = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject entry)) {
        throw new IllegalArgumentException("entry " + i + " must be a mapping {did, role, name}");
      }
      for (String field : entry.fieldNames()) {
        if (!List.of("did", "role", "name").contains(field)) {
          throw new IllegalArgumentException("entry " + i + " has an unknown field '" + field + "' (did, role, name)");
        }
      }
      Object did = entry.getValue("did");
      if (!(did instanceof String d) || !d.matches("did:kos:[a-z][a-z0-9]{0,30}:[0-9a-f]{32}")) {
        throw new IllegalArgumentException("entry " + i + ": did must be a kOS DID, did:kos:<class>:<32 hex digits>");
      }
      Caller.Role role = entry.getValue("role") instanceof String r ? Caller.Role.parse(r) : null;
      if (role == null) {
        throw new IllegalArgumentException("entry " + i + ": role must be admin, editor or viewer");
      }
      Object name = entry.getValue("name", "");
      if (!(name instanceof String n) || n.length() > 200) {
        throw new IllegalArgumentException("entry " + i + ": name must be a string of at most 200 characters");
      }
      if (!seen.add(d)) {
        throw new IllegalArgumentException("entry " + i + ": " + d + " is listed twice");
      }
      peers.add(new KlfSettings.Peer(d, role, n));
    }
    return List.copyOf(peers);
  }

  static Object list(String value) {
    List<String> items = new ArrayList<>();
    for (String item : value.split(",")) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    return List.copyOf(items);
  }

  @SuppressWarnings("unchecked")
  static Object members(String value) {
    List<String> members = (List<String>) list(value);
    for (String member : members) {
      int colon = member.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("each member must be host:port, got '" + member + "'");
      }
      try {
        port(member.substring(colon + 1));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("member '" + member + "' has a bad port");
      }
    }
    return members;
  }

  static boolean isName(String name) {
    return NAME.matcher(name).matches();
  }
}
