package io.kos.node;

import io.kos.node.cluster.ClusterCa;
import io.kos.node.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code kos-node cluster init|issue}: the cluster CA and its members' certificates for the event bus's mutual TLS. */
@Command(name = "cluster", description = "make the cluster CA, or a member's key and certificate (docs/architecture.md, Cluster)",
    subcommands = {ClusterCommand.Init.class, ClusterCommand.Issue.class})
final class ClusterCommand {

  @Command(name = "init", description = "make a cluster CA in DIR: ca.crt (give it to every member) and ca.key (keep it off the members)")
  static final class Init implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "DIR", description = "directory for the CA (created)")
    Path dir;
    @Option(names = "--name", paramLabel = "NAME", description = "the cluster's name, in the CA's subject (default kos)")
    String name = "kos";

    @Override
    public Integer call() {
      Path cert = ClusterCa.init(dir, name);
      spec.commandLine().getOut().println("cluster CA: " + cert + " (key " + dir.resolve(ClusterCa.CA_KEY) + ", owner-only)");
      spec.commandLine().getOut().flush();
      return Main.OK;
    }
  }

  @Command(name = "issue", description = "issue a member's key and certificate for HOST (its cluster.host), signed by the CA")
  static final class Issue implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "the CA's directory (from cluster init)")
    Path ca;
    @Option(names = "--host", required = true, paramLabel = "HOST", description = "the member's address: an IP address or a DNS name")
    String host;
    @Option(names = "--out", paramLabel = "DIR", description = "where member.crt, member.key and ca.crt go (default DIR-of-the-CA/HOST)")
    Path out;
    @Option(names = "--days", paramLabel = "DAYS", description = "validity in days (default 825)")
    int days = 825;

    @Override
    public Integer call() {
      if (days < 1 || days > 3650) {
        throw new ConfigException("--days must be from 1 to 3650");
      }
      Path target = out != null ? out : ca.resolve(host);
      Path cert = ClusterCa.issue(ca, host, target, Duration.ofDays(days));
      spec.commandLine().getOut().println("member certificate for " + host + ": " + cert + " (key " + target.resolve(ClusterCa.MEMBER_KEY)
          + ", CA " + target.resolve(ClusterCa.CA_CERT) + ")");
      spec.commandLine().getOut().println("config: cluster.cert: " + cert + ", cluster.key: " + target.resolve(ClusterCa.MEMBER_KEY)
          + ", cluster.ca: " + target.resolve(ClusterCa.CA_CERT));
      spec.commandLine().getOut().flush();
      return Main.OK;
    }
  }
}
