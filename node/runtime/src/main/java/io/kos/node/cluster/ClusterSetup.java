package io.kos.node.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.kos.node.config.NodeConfig;
import io.kos.node.config.TlsFiles;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Hazelcast for the clustered event bus: TCP/IP join to the configured members only (multicast
 * and auto-detection off, no phone-home), bound to {@code cluster.host}, and failure detection in
 * seconds rather than Hazelcast's default minute so a dead node's verticles stop receiving requests.
 */
public final class ClusterSetup {

  private static final Pattern IP_LITERAL = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  private ClusterSetup() {
  }

  public static HazelcastClusterManager clusterManager(NodeConfig config) {
    // vert.x's default-cluster.xml: the maps and multimap settings the event bus relies on
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName(config.clusterName());
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    hazelcast.setProperty("hazelcast.shutdownhook.enabled", "false");
    hazelcast.setProperty("hazelcast.local.localAddress", config.clusterHost());
    hazelcast.setProperty("hazelcast.socket.bind.any", "false");
    hazelcast.setProperty("hazelcast.wait.seconds.before.join", "1");
    hazelcast.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hazelcast.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    hazelcast.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    hazelcast.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    hazelcast.setProperty("hazelcast.health.monitoring.level", "OFF");
    hazelcast.getJetConfig().setEnabled(false);

    NetworkConfig network = hazelcast.getNetworkConfig();
    network.setPort(config.clusterPort()).setPortAutoIncrement(false);
    if (IP_LITERAL.matcher(config.clusterHost()).matches()) {
      // Hazelcast listens on this interface only, not on every address of the machine
      network.getInterfaces().setEnabled(true).addInterface(config.clusterHost());
    }
    network.setPublicAddress(config.clusterHost() + ":" + config.clusterPort());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2).setMembers(config.clusterMembers());
    return new HazelcastClusterManager(hazelcast);
  }

  /**
   * The event bus binds and advertises the cluster host and, unless {@code cluster.tls} is off (on
   * loopback only), speaks mutual TLS: a member presents its certificate from the cluster CA and
   * takes only peers that present one, so a process without one can neither send nor receive.
   */
  public static void configureEventBus(VertxOptions options, NodeConfig config) {
    EventBusOptions bus = options.getEventBusOptions()
        .setHost(config.clusterHost())
        .setPort(config.busPort())
        .setClusterPublicHost(config.clusterHost());
    TlsFiles tls = config.clusterTls();
    if (tls != null) {
      bus.setSsl(true)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert().toString()).setKeyPath(tls.key().toString()))
          .setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()))
          .setClientAuth(ClientAuth.REQUIRED)
          .setEnabledSecureTransportProtocols(Set.of("TLSv1.3"));
    }
  }
}
