package io.kos.node.health;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine figures of a node's health document: CPU load of the machine and of the process,
 * the JVM heap against its limit, the disk that holds the data dir (and so the embedded
 * PostgreSQL), and network throughput over the interfaces other than loopback, as a rate between
 * two samples ({@link #sample}, called every few seconds).
 */
public final class SystemMetrics {

  private static final Path NET_DEV = Path.of("/proc/net/dev");

  private final Path dataDir;
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private long lastBytes = -1;
  private long lastNanos;
  private volatile double networkKbps;

  public SystemMetrics(Path dataDir) {
    this.dataDir = dataDir;
  }

  /** Takes a network sample: the rate is over the time since the one before. */
  public synchronized void sample() {
    long bytes = networkBytes();
    long nanos = System.nanoTime();
    if (bytes >= 0 && lastBytes >= 0 && nanos > lastNanos) {
      networkKbps = Math.max(0, bytes - lastBytes) * 8.0 / 1000 / ((nanos - lastNanos) / 1e9);
    }
    lastBytes = bytes;
    lastNanos = nanos;
  }

  public JsonObject metrics() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    long heapLimit = heap.getMax() > 0 ? heap.getMax() : heap.getCommitted();
    JsonObject metrics = new JsonObject()
        .put("cpu_usage_percent", percent(os.getCpuLoad()))
        .put("process_cpu_percent", percent(os.getProcessCpuLoad()))
        .put("memory_usage_mb", round(heap.getUsed() / 1048576.0))
        .put("memory_limit_mb", round(heapLimit / 1048576.0))
        .put("memory_usage_percent", round(100.0 * heap.getUsed() / heapLimit))
        .put("network_io_kbps", round(networkKbps));
    try {
      FileStore store = Files.getFileStore(dataDir);
      double total = store.getTotalSpace();
      double used = total - store.getUnallocatedSpace();
      metrics.put("disk_usage_gb", round(used / 1e9)).put("disk_total_gb", round(total / 1e9))
          .put("disk_usage_percent", total > 0 ? round(100 * used / total) : null);
    } catch (IOException e) {
      metrics.put("disk_usage_gb", null).put("disk_total_gb", null).put("disk_usage_percent", null);
    }
    return metrics;
  }

  /** Received plus sent bytes of every interface but loopback; -1 where /proc/net/dev is not there. */
  private static long networkBytes() {
    try {
      List<String> lines = Files.readAllLines(NET_DEV);
      long total = 0;
      for (String line : lines.subList(Math.min(2, lines.size()), lines.size())) {
        int colon = line.indexOf(':');
        if (colon < 0 || line.substring(0, colon).trim().equals("lo")) {
          continue;
        }
        String[] fields = line.substring(colon + 1).trim().split("\\s+");
        total += Long.parseLong(fields[0]) + Long.parseLong(fields[8]);
      }
      return total;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** A load (0 to 1; negative when the JVM cannot tell yet) as a percent with one decimal, or null. */
  private static Double percent(double load) {
    return load < 0 ? null : round(load * 100);
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
