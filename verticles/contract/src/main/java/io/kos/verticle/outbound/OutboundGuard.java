package io.kos.verticle.outbound;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Which addresses a verticle may connect out to: every public unicast address, and of the rest
 * (loopback, private, link-local, unique-local, CGNAT, multicast, unspecified, reserved and
 * documentation ranges, and the IPv4 inside an IPv4-mapped or NAT64 IPv6 address) only what the
 * node-wide {@code outbound.allow} lists. Checked on the address actually connected, after DNS
 * resolution and on every redirect ({@link OutboundHttp}).
 */
public final class OutboundGuard {

  private static final List<Cidr> REFUSED = List.of(
      Cidr.parse("0.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("100.64.0.0/10"), Cidr.parse("127.0.0.0/8"),
      Cidr.parse("169.254.0.0/16"), Cidr.parse("172.16.0.0/12"), Cidr.parse("192.0.0.0/24"), Cidr.parse("192.0.2.0/24"),
      Cidr.parse("192.168.0.0/16"), Cidr.parse("198.18.0.0/15"), Cidr.parse("198.51.100.0/24"), Cidr.parse("203.0.113.0/24"),
      Cidr.parse("224.0.0.0/4"), Cidr.parse("240.0.0.0/4"),
      Cidr.parse("::/128"), Cidr.parse("::1/128"), Cidr.parse("100::/64"), Cidr.parse("2001:db8::/32"),
      Cidr.parse("fc00::/7"), Cidr.parse("fe80::/10"), Cidr.parse("fec0::/10"), Cidr.parse("ff00::/8"));
  private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");

  private final List<Cidr> allow;

  private OutboundGuard(List<Cidr> allow) {
    this.allow = allow;
  }

  /** @param cidrs {@code outbound.allow}: CIDRs (or single addresses) allowed although not public */
  public static OutboundGuard allowing(List<String> cidrs) {
    return new OutboundGuard(cidrs.stream().map(Cidr::parse).toList());
  }

  /** Why a connection to this address is refused, or null when it is allowed. */
  public String refusal(InetAddress address) {
    for (Cidr allowed : allow) {
      if (allowed.contains(address)) {
        return null;
      }
    }
    InetAddress checked = embeddedIpv4(address);
    for (Cidr refused : REFUSED) {
      if (refused.contains(checked)) {
        return address.getHostAddress() + " is in " + refused + ", which is not a public address (outbound.allow does not list it)";
      }
    }
    return null;
  }

  private static InetAddress embeddedIpv4(InetAddress address) {
    // an IPv4-mapped IPv6 address is an Inet4Address already (InetAddress converts it); NAT64 is not
    if (address instanceof Inet6Address && NAT64.contains(address)) {
      byte[] raw = address.getAddress();
      try {
        return InetAddress.getByAddress(java.util.Arrays.copyOfRange(raw, 12, 16));
      } catch (UnknownHostException impossible) {
        throw new IllegalStateException(impossible);
      }
    }
    return address;
  }

  /** An address range; a bare address is a range of one. */
  record Cidr(byte[] network, int prefix, String text) {

    static Cidr parse(String text) {
      String trimmed = text.trim();
      int slash = trimmed.indexOf('/');
      String host = slash < 0 ? trimmed : trimmed.substring(0, slash);
      if (!host.matches("[0-9a-fA-F:.]+") || (!host.contains(":") && !host.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
        throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR");
      }
      byte[] address;
      try {
        address = InetAddress.getByName(host).getAddress();
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR");
      }
      int bits = address.length * 8;
      int prefix;
      try {
        prefix = slash < 0 ? bits : Integer.parseInt(trimmed.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + text + "' has no valid prefix length");
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0.." + bits);
      }
      return new Cidr(address, prefix, trimmed);
    }

    boolean contains(InetAddress address) {
      byte[] raw = address.getAddress();
      if (raw.length != network.length || (address instanceof Inet4Address) != (network.length == 4)) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (raw[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xff << (8 - rest) & 0xff;
      return (raw[full] & mask) == (network[full] & mask);
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
