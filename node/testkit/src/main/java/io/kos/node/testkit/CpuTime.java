package io.kos.node.testkit;

import java.time.Duration;
import java.util.stream.Stream;

/**
 * CPU time spent from construction on by a node process, every PostgreSQL process and the
 * benchmark's own JVM (the load generator), so that a benchmark's figure says where the cores went.
 */
public final class CpuTime {

  private final long node;
  private final long nodeStart;
  private final long postgresStart;
  private final long benchStart;

  public CpuTime(long nodePid) {
    this.node = nodePid;
    this.nodeStart = of(node);
    this.postgresStart = postgresNanos();
    this.benchStart = cpuNanos(ProcessHandle.current());
  }

  /** {@code node N ms, PostgreSQL N ms, load generator N ms} per 1000 of {@code events} since construction. */
  public String perThousand(long events) {
    double scale = 1000.0 / events / 1e6;
    return String.format("node %.1f ms, PostgreSQL %.1f ms, load generator %.1f ms", (of(node) - nodeStart) * scale,
        (postgresNanos() - postgresStart) * scale, (cpuNanos(ProcessHandle.current()) - benchStart) * scale);
  }

  /** The CPU time so far of one process, in nanoseconds (0 when it is gone). */
  public static long of(long pid) {
    return cpuNanos(ProcessHandle.of(pid).stream());
  }

  private static long postgresNanos() {
    return cpuNanos(ProcessHandle.allProcesses().filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false)));
  }

  private static long cpuNanos(ProcessHandle process) {
    return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  private static long cpuNanos(Stream<ProcessHandle> processes) {
    return processes.mapToLong(CpuTime::cpuNanos).sum();
  }
}
