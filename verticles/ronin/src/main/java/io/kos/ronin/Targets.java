package io.kos.ronin;

import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A discovery job's params checked whole before anything is sent: {@code {target: {type:
 * network_cidr | domain | did, value}, protocols, depth, ports}}. What a job probes is its hosts ×
 * ports, every host inside {@code scan_allow}, at most {@code max_hosts} of them.
 */
final class Targets {

  static final List<String> TYPES = List.of("network_cidr", "domain", "did");
  static final String HTTP_API = "http-api";
  static final String MDNS = "mdns";
  /** What a job discovers with; {@code cluster} members are recorded as they announce themselves, without a job. */
  static final List<String> PROTOCOLS = List.of(HTTP_API, MDNS);
  private static final Pattern DID = Pattern.compile("did:kos:[a-z][a-z0-9]{0,30}:[0-9a-f]{32}");
  private static final Pattern DOMAIN = Pattern.compile("(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?");

  private Targets() {
  }

  /** The params as the job keeps them (defaults filled in); a domain's addresses still to resolve. */
  static JsonObject parse(JsonObject body, RoninSettings settings) {
    JsonFields fields = JsonFields.ofBody(body).onlyKnown(List.of("target", "protocols", "depth", "ports"));
    JsonObject target = fields.object("target", null);
    JsonFields targetFields = JsonFields.ofBody(target, "target").onlyKnown(List.of("type", "value"));
    String type = targetFields.string("type", null, 20);
    if (!TYPES.contains(type)) {
      throw ApiError.invalidField("target.type", "must be one of " + TYPES);
    }
    String value = targetFields.string("value", null, 253);
    switch (type) {
      case "network_cidr" -> checkRange(parseRange(value), settings);
      case "domain" -> {
        if (!DOMAIN.matcher(value).matches()) {
          throw ApiError.invalidField("target.value", "must be a domain name");
        }
      }
      default -> {
        if (!DID.matcher(value).matches()) {
          throw ApiError.invalidField("target.value", "must be a kOS DID (did:kos:<class>:<32 hex digits>)");
        }
      }
    }
    JsonArray protocols = fields.array("protocols", new JsonArray().add("http-api"));
    if (protocols.isEmpty()) {
      throw ApiError.invalidField("protocols", "must name at least one protocol");
    }
    for (int i = 0; i < protocols.size(); i++) {
      Object protocol = protocols.getValue(i);
      if ("cluster".equals(protocol)) {
        throw ApiError.invalidField("protocols[" + i + "]", "cluster members are recorded as they announce themselves on the bus; no job finds them");
      }
      if (!PROTOCOLS.contains(protocol) || protocols.getList().indexOf(protocol) != i) {
        throw ApiError.invalidField("protocols[" + i + "]", "must be one of " + PROTOCOLS + ", each once");
      }
      if (MDNS.equals(protocol)) {
        checkMdns(type, value, i);
      }
    }
    int depth = fields.intValue("depth", 1, 1, 3);
    List<Integer> ports = RoninSettings.ports(fields.array("ports", new JsonArray(new ArrayList<>(settings.ports()))), "ports",
        (field, reason) -> ApiError.invalidField(field, reason));
    // what mDNS hears lies inside the range, so only the probes of every host × port are counted
    long probes = protocols.contains(HTTP_API) ? (type.equals("network_cidr") ? probeHosts(parseRange(value)) : 1) * ports.size() : 0;
    if (probes > settings.maxHosts()) {
      throw RoninErrors.INVALID_TARGET.error("the target is " + probes + " host × port probes; max_hosts is " + settings.maxHosts());
    }
    return new JsonObject().put("target", new JsonObject().put("type", type).put("value", value)).put("protocols", protocols)
        .put("depth", depth).put("ports", new JsonArray(new ArrayList<>(ports)));
  }

  /** mDNS reaches the links this node is on: a network_cidr target that one of its interfaces is inside. */
  private static void checkMdns(String type, String value, int index) {
    if (!type.equals("network_cidr")) {
      throw ApiError.invalidField("protocols[" + index + "]", "mdns browses the link of a network_cidr target; not a " + type);
    }
    if (MdnsBrowser.localAddresses(parseRange(value)).isEmpty()) {
      throw RoninErrors.INVALID_TARGET.error("no multicast interface of this node is inside " + value + ": mDNS announcements there cannot be heard");
    }
  }

  static Cidr parseRange(String value) {
    try {
      return Cidr.parse(value);
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidField("target.value", e.getMessage());
    }
  }

  /** Refused unless the whole range is inside one allowed range, and is not multicast, broadcast or unspecified. */
  static void checkRange(Cidr range, RoninSettings settings) {
    String forbidden = range.forbidden();
    if (forbidden != null) {
      throw RoninErrors.INVALID_TARGET.error(range + " is " + forbidden + ": never scanned");
    }
    if (settings.allowing(range) == null) {
      throw new ApiError(RoninErrors.INVALID_TARGET, range + " is not inside scan_allow " + settings.scanAllow(),
          new JsonObject().put("scan_allow", new JsonArray(settings.scanAllow().stream().map(Cidr::toString).toList())));
    }
  }

  /** A domain none of whose addresses or SRV endpoints may be probed. */
  static ApiError nothingAllowed(String domain, RoninSettings settings) {
    return new ApiError(RoninErrors.INVALID_TARGET, domain + " resolves to no address inside scan_allow " + settings.scanAllow()
        + " (A, AAAA and SRV " + DomainResolver.SRV_PREFIX + domain + ")",
        new JsonObject().put("scan_allow", new JsonArray(settings.scanAllow().stream().map(Cidr::toString).toList())));
  }

  private static long probeHosts(Cidr range) {
    BigInteger size = range.size();
    return size.compareTo(BigInteger.valueOf(1L << 40)) > 0 ? Long.MAX_VALUE / 65536 : size.longValueExact();
  }
}
