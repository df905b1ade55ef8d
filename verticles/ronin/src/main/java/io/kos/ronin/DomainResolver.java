package io.kos.ronin;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.dns.DnsClient;
import io.vertx.core.dns.DnsClientOptions;
import io.vertx.core.dns.SrvRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * What a {@code domain} target names: its A/AAAA addresses and the endpoints of its SRV records
 * ({@code _kos._tcp.<domain>}, lowest priority first, their targets resolved in turn), each kept
 * only where scan_allow lets it be probed. With {@code dns_server} every query goes to that server;
 * without, addresses come from the system resolver (so {@code /etc/hosts} counts) and SRV from the
 * system's first name server. A name that does not exist, or a server that does not answer, is no
 * records; a domain with none inside scan_allow is {@code invalid_target}.
 */
final class DomainResolver {

  static final String SRV_PREFIX = "_kos._tcp.";

  private final Vertx vertx;
  private final DnsClient dns;
  private final boolean systemAddresses;
  private final RoninSettings settings;

  DomainResolver(Vertx vertx, RoninSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
    DnsClientOptions options = new DnsClientOptions().setQueryTimeout(settings.requestTimeoutMs());
    if (settings.dnsServer() != null) {
      options.setHost(settings.dnsServer().getAddress().getHostAddress()).setPort(settings.dnsServer().getPort());
    }
    this.dns = vertx.createDnsClient(options);
    this.systemAddresses = settings.dnsServer() == null;
  }

  /** {@code {addresses: [ip], srv: [{target, address, port}]}}: what a job on this domain probes. */
  Future<JsonObject> resolve(String domain, List<Integer> ports) {
    Future<List<String>> addresses = addresses(domain);
    Future<JsonArray> srv = dns.resolveSRV(SRV_PREFIX + domain).otherwise(List.of()).compose(this::endpoints);
    return Future.all(addresses, srv).map(done -> {
      List<String> allowed = addresses.result().stream().filter(this::allowed).distinct().toList();
      JsonArray endpoints = srv.result();
      if (allowed.isEmpty() && endpoints.isEmpty()) {
        throw Targets.nothingAllowed(domain, settings);
      }
      long probes = (long) allowed.size() * ports.size() + endpoints.size();
      if (probes > settings.maxHosts()) {
        throw RoninErrors.INVALID_TARGET.error(domain + " names " + probes + " host × port probes; max_hosts is " + settings.maxHosts());
      }
      return new JsonObject().put("addresses", new JsonArray(new ArrayList<>(allowed))).put("srv", endpoints);
    });
  }

  /** The SRV records' targets, resolved, in priority order, heavier weight first within one. */
  private Future<JsonArray> endpoints(List<SrvRecord> records) {
    List<SrvRecord> ordered = records.stream().sorted(Comparator.comparingInt(SrvRecord::priority)
        .thenComparing(Comparator.comparingInt(SrvRecord::weight).reversed())).toList();
    List<Future<List<String>>> resolved = ordered.stream().map(record -> addresses(trimDot(record.target()))).toList();
    return Future.join(resolved).otherwiseEmpty().map(done -> {
      JsonArray endpoints = new JsonArray();
      for (int i = 0; i < ordered.size(); i++) {
        // port 0 or target "." means the service is not offered (RFC 2782)
        if (ordered.get(i).port() < 1 || trimDot(ordered.get(i).target()).isEmpty() || resolved.get(i).failed()) {
          continue;
        }
        for (String address : resolved.get(i).result()) {
          if (allowed(address)) {
            endpoints.add(new JsonObject().put("target", trimDot(ordered.get(i).target())).put("address", address)
                .put("port", ordered.get(i).port()));
          }
        }
      }
      return endpoints;
    });
  }

  private Future<List<String>> addresses(String name) {
    if (systemAddresses) {
      return vertx.executeBlocking(() -> Arrays.stream(InetAddress.getAllByName(name)).map(InetAddress::getHostAddress).toList(), false)
          .otherwise(List.of());
    }
    Future<List<String>> v4 = dns.resolveA(name).otherwise(List.of());
    Future<List<String>> v6 = dns.resolveAAAA(name).otherwise(List.of());
    return Future.all(v4, v6).map(done -> {
      List<String> all = new ArrayList<>(v4.result());
      all.addAll(v6.result());
      return all;
    });
  }

  private boolean allowed(String address) {
    try {
      Cidr one = Cidr.parse(address);
      return one.forbidden() == null && settings.allowing(one) != null;
    } catch (IllegalArgumentException scoped) {
      // a link-local address with its %scope: never in a range
      return false;
    }
  }

  private static String trimDot(String name) {
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }
}
