package io.kos.ronin;

import io.kos.verticle.MdnsService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Listens for {@link MdnsService#TYPE} announcements (JmDNS) on this host's interfaces inside a
 * job's range, and gives the addresses and ports they name inside that range: where the job then
 * probes, since a TXT record proves nothing. Blocking (it listens for {@code browseMs}).
 */
final class MdnsBrowser {

  private static final Logger LOG = LoggerFactory.getLogger(MdnsBrowser.class);

  private MdnsBrowser() {
  }

  /** This host's multicast interface addresses inside the range (the links the range is on); none on loopback. */
  static List<InetAddress> localAddresses(Cidr range) {
    List<InetAddress> addresses = new ArrayList<>();
    try {
      for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
        if (nic.isUp() && nic.supportsMulticast() && !nic.isLoopback()) {
          nic.inetAddresses().filter(range::contains).forEach(addresses::add);
        }
      }
    } catch (SocketException e) {
      LOG.warn("could not list the network interfaces: {}", e.toString());
    }
    return addresses;
  }

  /** Host and port pairs ({@code [host, port]}) announced inside the range, each once. */
  static List<String[]> browse(Cidr range, long browseMs) {
    Set<String> heard = new LinkedHashSet<>();
    for (InetAddress local : localAddresses(range)) {
      try (JmDNS listener = JmDNS.create(local, "kos-ronin-browser")) {
        for (ServiceInfo announced : listener.list(MdnsService.TYPE, browseMs)) {
          for (InetAddress address : announced.getInetAddresses()) {
            if (range.contains(address) && announced.getPort() > 0) {
              heard.add(address.getHostAddress() + " " + announced.getPort());
            }
          }
        }
      } catch (IOException e) {
        LOG.warn("could not browse mDNS on {}: {}", local.getHostAddress(), e.toString());
      }
    }
    return heard.stream().map(pair -> pair.split(" ")).toList();
  }
}
