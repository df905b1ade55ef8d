package io.kos.ronin;

import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code verticles.config.ronin}: checked at start (a bad key stops the node with exit 2).
 *
 * @param scanAllow         the ranges a job may probe (a target must lie inside one of them)
 * @param ports             the ports probed on each host when a job names none (the conf files' node ports)
 * @param maxHosts          the most hosts × ports one job probes
 * @param concurrency       probes in flight at once, per job
 * @param probesPerSecond   new connections per second, per job
 * @param connectTimeoutMs  a probe whose connection is not open after this counts as a closed port
 * @param requestTimeoutMs  a probe whose answer has not come after this counts as no kOS node
 * @param maxRunningJobs    jobs one node runs at once; later ones wait, pending
 * @param progressIntervalMs how often a running job's counts are written to its row and published
 * @param staleAfterSeconds  a service not seen for this long is {@code stale}
 * @param forgetAfterSeconds a service not seen for this long is removed from the map
 * @param reprobeSeconds     a known service not probed for this long is probed again (0: never)
 * @param sweepMs            how often services are forgotten and re-probed
 * @param mdnsBrowseMs       how long an {@code mdns} job listens for announcements before it probes what it heard
 * @param dnsServer          the DNS server ({@code host:port}) a domain target is resolved with; null: the system's resolver
 */
record RoninSettings(List<Cidr> scanAllow, List<Integer> ports, int maxHosts, int concurrency, int probesPerSecond, int connectTimeoutMs,
                     int requestTimeoutMs, int maxRunningJobs, long progressIntervalMs, long staleAfterSeconds, long forgetAfterSeconds,
                     long reprobeSeconds, long sweepMs, long mdnsBrowseMs, java.net.InetSocketAddress dnsServer) {

  static RoninSettings parse(JsonObject config) {
    JsonFields fields = JsonFields.ofSettings(config).onlyKnown(List.of("scan_allow", "ports", "max_hosts", "concurrency", "probes_per_second",
        "connect_timeout_ms", "request_timeout_ms", "max_running_jobs", "progress_interval_ms", "stale_after_seconds", "forget_after_seconds",
        "reprobe_interval_seconds", "sweep_ms", "mdns_browse_ms", "dns_server"));
    List<Cidr> allow = new ArrayList<>();
    JsonArray ranges = fields.array("scan_allow", new JsonArray().add("127.0.0.0/8").add("::1/128"));
    for (int i = 0; i < ranges.size(); i++) {
      try {
        allow.add(Cidr.parse(String.valueOf(ranges.getValue(i))));
      } catch (IllegalArgumentException e) {
        throw fields.invalid("scan_allow", "[" + i + "] " + e.getMessage());
      }
    }
    long stale = fields.integer("stale_after_seconds", 3600L, 1, 365 * 86_400L);
    long forget = fields.integer("forget_after_seconds", 7 * 86_400L, 1, 3650 * 86_400L);
    if (forget <= stale) {
      throw fields.invalid("forget_after_seconds", "must be above stale_after_seconds (" + stale + ")");
    }
    return new RoninSettings(allow, ports(fields.array("ports", new JsonArray().add(8080).add(8081).add(8082).add(8083)), "ports",
        fields::invalid), fields.intValue("max_hosts", 4096, 1, 1 << 20), fields.intValue("concurrency", 64, 1, 4096),
        fields.intValue("probes_per_second", 500, 1, 100_000), fields.intValue("connect_timeout_ms", 1000, 10, 60_000),
        fields.intValue("request_timeout_ms", 3000, 10, 120_000), fields.intValue("max_running_jobs", 2, 1, 64),
        fields.integer("progress_interval_ms", 500L, 10, 60_000), stale, forget, fields.integer("reprobe_interval_seconds", 600L, 0, 365 * 86_400L),
        fields.integer("sweep_ms", 60_000L, 50, 3_600_000), fields.integer("mdns_browse_ms", 3000L, 100, 60_000),
        dnsServer(fields.string("dns_server", "", 300), fields::invalid));
  }

  /** {@code ip}, {@code ip:port} or {@code [ipv6]:port} (53 by default); empty: none. A literal address, so that naming the resolver needs no resolver. */
  static java.net.InetSocketAddress dnsServer(String raw, java.util.function.BiFunction<String, String, RuntimeException> invalid) {
    if (raw.isEmpty()) {
      return null;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[([0-9a-fA-F:.]+)](?::([0-9]{1,5}))?|([0-9.]+)(?::([0-9]{1,5}))?").matcher(raw);
    if (!m.matches()) {
      throw invalid.apply("dns_server", "must be an IP address with an optional port (10.0.0.53, 10.0.0.53:5353, [::1]:53), not " + raw);
    }
    String host = m.group(1) != null ? m.group(1) : m.group(3);
    String port = m.group(1) != null ? m.group(2) : m.group(4);
    int number = port == null ? 53 : Integer.parseInt(port);
    java.net.InetAddress address = io.netty.util.NetUtil.createInetAddressFromIpAddressString(host);
    if (address == null || number < 1 || number > 65535) {
      throw invalid.apply("dns_server", "must be an IP address with a port from 1 to 65535 (53 when absent), not " + raw);
    }
    return new java.net.InetSocketAddress(address, number);
  }

  /** A list of 1 to 64 distinct port numbers. */
  static List<Integer> ports(JsonArray raw, String field, java.util.function.BiFunction<String, String, RuntimeException> invalid) {
    if (raw.isEmpty() || raw.size() > 64) {
      throw invalid.apply(field, "must list 1 to 64 ports");
    }
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      if (!(raw.getValue(i) instanceof Integer port) || port < 1 || port > 65535 || ports.contains(port)) {
        throw invalid.apply(field + "[" + i + "]", "must be a port number, 1 to 65535, each once");
      }
      ports.add(port);
    }
    return ports;
  }

  /** The allowed range that holds all of {@code target}, or null. */
  Cidr allowing(Cidr target) {
    return scanAllow.stream().filter(range -> range.contains(target)).findFirst().orElse(null);
  }
}
