package io.kos.node.testkit;

import io.kos.node.Modules;
import io.kos.node.cluster.ClusterCa;
import io.kos.node.cluster.ClusterSetup;
import io.kos.node.config.ConfigLoader;
import io.kos.node.config.NodeConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Vert.x in the test JVM that joins a cluster exactly as a node would (ClusterSetup), with or without member files. */
public final class ClusterMember {

  private ClusterMember() {
  }

  /**
   * @param files a directory from {@link ClusterCerts#issue} (mutual TLS), or null for a member without TLS
   */
  public static Vertx join(int port, String members, Path files) throws Exception {
    Map<String, String> flags = new HashMap<>(Map.of("cluster.enabled", "true", "cluster.host", "127.0.0.1",
        "cluster.port", Integer.toString(port), "cluster.members", members, "node.data_dir", TestNode.tempDir().toString(),
        "cluster.tls", Boolean.toString(files != null)));
    if (files != null) {
      flags.put("cluster.cert", files.resolve(ClusterCa.MEMBER_CERT).toString());
      flags.put("cluster.key", files.resolve(ClusterCa.MEMBER_KEY).toString());
      flags.put("cluster.ca", files.resolve(ClusterCa.CA_CERT).toString());
    }
    NodeConfig config = new ConfigLoader(Modules.discover().keySet()).load(null, Map.of(), flags);
    VertxOptions options = new VertxOptions();
    ClusterSetup.configureEventBus(options, config);
    return Vertx.builder().with(options).withClusterManager(ClusterSetup.clusterManager(config)).buildClustered().await(60, TimeUnit.SECONDS);
  }
}
