package io.kos.node.testkit;

import io.kos.node.cluster.ClusterCa;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** A cluster CA in a temp dir, and member certificates from it, as {@code kos-node cluster init/issue} make them. */
public final class ClusterCerts {

  private final Path dir;
  private final AtomicInteger members = new AtomicInteger();

  private ClusterCerts(Path dir) {
    this.dir = dir;
  }

  public static ClusterCerts create(String name) {
    Path dir = TestNode.tempDir().resolve("ca");
    ClusterCa.init(dir, name);
    return new ClusterCerts(dir);
  }

  public Path caCert() {
    return dir.resolve(ClusterCa.CA_CERT);
  }

  /** A new member's certificate for {@code host}; the directory holding member.crt, member.key and ca.crt. */
  public Path issue(String host) {
    Path out = dir.resolve("member-" + members.incrementAndGet());
    ClusterCa.issue(dir, host, out, Duration.ofDays(2));
    return out;
  }

  /** The environment of a node process that is a member with a new certificate for {@code host}. */
  public Map<String, String> memberEnv(String host) {
    Path member = issue(host);
    return Map.of("KOS_CLUSTER_CERT", member.resolve(ClusterCa.MEMBER_CERT).toString(),
        "KOS_CLUSTER_KEY", member.resolve(ClusterCa.MEMBER_KEY).toString(),
        "KOS_CLUSTER_CA", member.resolve(ClusterCa.CA_CERT).toString());
  }
}
