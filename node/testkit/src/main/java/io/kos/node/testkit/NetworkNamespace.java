package io.kos.node.testkit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace a test makes, joined to this one by a veth pair on a /30 of its own
 * (10.77.x.y): this side takes the first address, the namespace the second. For what loopback
 * cannot carry, such as multicast (mDNS), without any traffic leaving the machine. Needs root and
 * iproute2; {@link #available()} says whether this machine can. Closing it deletes the namespace
 * and with it the pair.
 */
public final class NetworkNamespace implements AutoCloseable {

  private final String name;
  private final String outside;
  private final String inside;

  private NetworkNamespace(String name, String outside, String inside) {
    this.name = name;
    this.outside = outside;
    this.inside = inside;
  }

  /** Whether namespaces can be made here (root and iproute2): tests that need one are skipped otherwise. */
  public static boolean available() {
    String probe = "kos-probe-" + ThreadLocalRandom.current().nextInt(1 << 20);
    if (run(List.of("ip", "netns", "add", probe)) != 0) {
      return false;
    }
    run(List.of("ip", "netns", "del", probe));
    return true;
  }

  public static NetworkNamespace create() {
    int id = ThreadLocalRandom.current().nextInt(1, 1 << 14);
    String name = "kos-ns" + id;
    String here = "kos-h" + id;
    String there = "kos-t" + id;
    // a /30 of 10.77.0.0/16 from the id: .1 here, .2 there
    int base = id * 4;
    String prefix = "10.77." + (base >> 8) + ".";
    String outside = prefix + ((base & 0xff) + 1);
    String inside = prefix + ((base & 0xff) + 2);
    NetworkNamespace namespace = new NetworkNamespace(name, outside, inside);
    try {
      must(List.of("ip", "netns", "add", name));
      must(List.of("ip", "link", "add", here, "type", "veth", "peer", "name", there));
      must(List.of("ip", "link", "set", there, "netns", name));
      must(List.of("ip", "addr", "add", outside + "/30", "dev", here));
      must(List.of("ip", "link", "set", here, "up"));
      must(inNamespace(name, "ip", "addr", "add", inside + "/30", "dev", there));
      must(inNamespace(name, "ip", "link", "set", there, "up"));
      must(inNamespace(name, "ip", "link", "set", "lo", "up"));
      return namespace;
    } catch (RuntimeException e) {
      namespace.close();
      throw e;
    }
  }

  public String name() {
    return name;
  }

  /** This side's address on the pair. */
  public String outsideAddress() {
    return outside;
  }

  /** The namespace's address on the pair. */
  public String insideAddress() {
    return inside;
  }

  /** The pair's /30. */
  public String range() {
    String[] octets = outside.split("\\.");
    return octets[0] + "." + octets[1] + "." + octets[2] + "." + (Integer.parseInt(octets[3]) - 1) + "/30";
  }

  @Override
  public void close() {
    run(List.of("ip", "netns", "del", name));
  }

  private static List<String> inNamespace(String name, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(List.of(command));
    return full;
  }

  private static void must(List<String> command) {
    if (run(command) != 0) {
      throw new IllegalStateException("failed: " + String.join(" ", command));
    }
  }

  private static int run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return -1;
      }
      return process.exitValue();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
