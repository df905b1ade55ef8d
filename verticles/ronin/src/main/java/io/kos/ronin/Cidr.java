package io.kos.ronin;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An address range, IPv4 or IPv6: {@code 127.0.0.0/29}, {@code ::1/128}, or one address (a full
 * prefix). Parsed from literals only: a name is never resolved here.
 */
record Cidr(InetAddress network, int prefix) {

  private static final Pattern LITERAL = Pattern.compile("[0-9a-fA-F:.]+");

  /** The range, or IllegalArgumentException saying why not. */
  static Cidr parse(String text) {
    String[] parts = text.trim().split("/", -1);
    if (parts.length > 2 || !LITERAL.matcher(parts[0]).matches()) {
      throw new IllegalArgumentException("'" + text + "' is not an address range (a.b.c.d/n or an IPv6 prefix)");
    }
    // a literal only: InetAddress.getByName would look up what merely resembles one (999.1.1.1)
    InetAddress address = io.netty.util.NetUtil.createInetAddressFromIpAddressString(parts[0]);
    if (address == null) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address");
    }
    int bits = address.getAddress().length * 8;
    int prefix;
    try {
      prefix = parts.length == 1 ? bits : Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "': the prefix length is not a number");
    }
    if (prefix < 0 || prefix > bits) {
      throw new IllegalArgumentException("'" + text + "': the prefix length must be 0 to " + bits);
    }
    return new Cidr(at(address, toNumber(address).and(mask(bits, prefix))), prefix);
  }

  private int bits() {
    return network.getAddress().length * 8;
  }

  /** How many addresses the range holds. */
  BigInteger size() {
    return BigInteger.ONE.shiftLeft(bits() - prefix);
  }

  InetAddress last() {
    return at(network, toNumber(network).add(size()).subtract(BigInteger.ONE));
  }

  boolean contains(InetAddress address) {
    return address.getAddress().length == network.getAddress().length
        && toNumber(address).and(mask(bits(), prefix)).equals(toNumber(network));
  }

  boolean contains(Cidr other) {
    return contains(other.network) && contains(other.last());
  }

  /**
   * The hosts to probe: every address, but an IPv4 range of more than two addresses without its
   * network and broadcast address. At most {@code max} (the caller checked the size).
   */
  List<InetAddress> hosts() {
    BigInteger first = toNumber(network);
    BigInteger count = size();
    boolean trim = network instanceof Inet4Address && prefix <= 30;
    if (trim) {
      first = first.add(BigInteger.ONE);
      count = count.subtract(BigInteger.TWO);
    }
    List<InetAddress> hosts = new ArrayList<>(count.intValueExact());
    for (long i = 0; i < count.longValueExact(); i++) {
      hosts.add(at(network, first.add(BigInteger.valueOf(i))));
    }
    return hosts;
  }

  /** Why the range may not be a target whatever the allow-list says (multicast, broadcast, unspecified), or null. */
  String forbidden() {
    if (network.isMulticastAddress()) {
      return "a multicast range";
    }
    if (network.isAnyLocalAddress()) {
      return "the unspecified address";
    }
    if (network instanceof Inet4Address && (last().getHostAddress().equals("255.255.255.255") || prefix == 0)) {
      return "the broadcast address";
    }
    return null;
  }

  @Override
  public String toString() {
    // RFC 5952 text (::1, not 0:0:0:0:0:0:0:1), as operators write it in scan_allow
    return io.netty.util.NetUtil.toAddressString(network) + "/" + prefix;
  }

  private static BigInteger mask(int bits, int prefix) {
    return BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE).xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
  }

  private static BigInteger toNumber(InetAddress address) {
    return new BigInteger(1, address.getAddress());
  }

  private static InetAddress at(InetAddress family, BigInteger value) {
    byte[] raw = value.toByteArray();
    byte[] bytes = new byte[family.getAddress().length];
    int copy = Math.min(raw.length, bytes.length);
    System.arraycopy(raw, raw.length - copy, bytes, bytes.length - copy, copy);
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
