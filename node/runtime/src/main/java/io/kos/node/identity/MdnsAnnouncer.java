package io.kos.node.identity;

import io.kos.verticle.MdnsService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Announces this node as {@link MdnsService#TYPE} (JmDNS), with TXT {@code class}, {@code port},
 * {@code did}, on the interface of the address the ingress binds, or on every multicast interface
 * when it binds all of them. Loopback carries no multicast, so a node on 127.0.0.1 announces nothing.
 * Blocking: JmDNS probes the name before it announces it (about a second); call it off the event loop.
 */
public final class MdnsAnnouncer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MdnsAnnouncer.class);

  private final List<JmDNS> responders;

  private MdnsAnnouncer(List<JmDNS> responders) {
    this.responders = responders;
  }

  /** Announces on what {@code httpHost} names; an interface that cannot announce is logged and skipped. */
  public static MdnsAnnouncer start(String httpHost, int port, String did, String nodeClass) {
    List<JmDNS> responders = new ArrayList<>();
    for (InetAddress address : addresses(httpHost)) {
      try {
        JmDNS responder = JmDNS.create(address, "kos-" + shortId(did));
        responder.registerService(ServiceInfo.create(MdnsService.TYPE, nodeClass + "-" + shortId(did), port, 0, 0,
            Map.of(MdnsService.TXT_CLASS, nodeClass, MdnsService.TXT_PORT, Integer.toString(port), MdnsService.TXT_DID, did)));
        responders.add(responder);
        LOG.info("announced on mDNS as {} on {}", MdnsService.TYPE, address.getHostAddress());
      } catch (IOException | RuntimeException e) {
        LOG.warn("could not announce on mDNS on {}: {}", address.getHostAddress(), e.toString());
      }
    }
    return new MdnsAnnouncer(responders);
  }

  /** Sends the goodbye (TTL 0) records, so browsers forget this node at once. */
  @Override
  public void close() {
    for (JmDNS responder : responders) {
      try {
        responder.unregisterAllServices();
        responder.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("closing the mDNS responder failed: {}", e.toString());
      }
    }
  }

  private static List<InetAddress> addresses(String httpHost) {
    try {
      InetAddress bound = InetAddress.getByName(httpHost);
      if (!bound.isAnyLocalAddress()) {
        return bound.isLoopbackAddress() ? List.of() : List.of(bound);
      }
      List<InetAddress> all = new ArrayList<>();
      for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
        if (nic.isUp() && nic.supportsMulticast() && !nic.isLoopback()) {
          // one responder per interface, on its IPv4 address when it has one
          nic.inetAddresses().filter(a -> a instanceof Inet4Address).findFirst()
              .or(() -> nic.inetAddresses().findFirst()).ifPresent(all::add);
        }
      }
      return all;
    } catch (IOException e) {
      LOG.warn("no interface to announce on mDNS: {}", e.toString());
      return List.of();
    }
  }

  /** The DID's last 12 hex digits: instance and host names are DNS labels (63 bytes at most). */
  private static String shortId(String did) {
    return did.substring(Math.max(0, did.length() - 12));
  }
}
