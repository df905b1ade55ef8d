package io.kos.node.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real node in its own JVM, started with {@code io.kos.node.Main run} on this JVM's class path
 * (so test verticles such as the probe are there), its output in a log file. The HTTP port is read
 * from the start banner, so pass {@code --http-port 0} freely.
 */
public final class NodeProcess implements AutoCloseable {

  private static final Pattern HTTP_LINE = Pattern.compile("^  http: +(http://\\S+)$", Pattern.MULTILINE);
  /** Many nodes share a test machine: each gets a small heap and the collector that needs the fewest threads. */
  private static final List<String> TEST_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC");

  private final Process process;
  private final Path log;
  private final long spawnedNanos;
  private String url;
  private long readyMillis;

  private NodeProcess(Process process, Path log, long spawnedNanos) {
    this.process = process;
    this.log = log;
    this.spawnedNanos = spawnedNanos;
  }

  /** Starts {@code kos-node run <args>} and waits until it serves {@code /health/ready} with 200. */
  public static NodeProcess start(List<String> args, Map<String, String> env, Duration timeout) {
    return launch(classpathLauncher(TEST_JVM), args, env, timeout);
  }

  /**
   * As {@link #start}, on the JVM's own defaults (heap size, collector) as {@code java -jar} runs a
   * node: for benchmarks, whose figures must not carry the tests' small heap.
   */
  public static NodeProcess startAsDeployed(List<String> args, Map<String, String> env, Duration timeout) {
    return launch(classpathLauncher(List.of()), args, env, timeout);
  }

  /** As {@link #start}, with these JVM options instead of the tests' (a benchmark's heap limit on the default collector). */
  public static NodeProcess startWithJvm(List<String> jvmOptions, List<String> args, Map<String, String> env, Duration timeout) {
    return launch(classpathLauncher(jvmOptions), args, env, timeout);
  }

  /** As {@link #start}, inside a network namespace the test made ({@code ip netns exec <namespace>}). */
  public static NodeProcess startIn(NetworkNamespace namespace, List<String> args, Map<String, String> env, Duration timeout) {
    List<String> launcher = new ArrayList<>(List.of("ip", "netns", "exec", namespace.name()));
    launcher.addAll(classpathLauncher(TEST_JVM));
    return launch(launcher, args, env, timeout);
  }

  /** As {@link #start}, from the shaded binary: {@code java -jar <jar> run <args>}. */
  public static NodeProcess startJar(Path jar, List<String> args, Map<String, String> env, Duration timeout) {
    return launch(List.of(javaBinary(), "-jar", jar.toString()), args, env, timeout);
  }

  private static List<String> classpathLauncher(List<String> jvmOptions) {
    List<String> command = new ArrayList<>(List.of(javaBinary()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("kos.node.classpath", System.getProperty("java.class.path")), "io.kos.node.Main"));
    return command;
  }

  /** Starts {@code kos-node run <args>} and returns at once, for tests of what happens during start. */
  public static NodeProcess spawn(List<String> args, Map<String, String> env) {
    return spawn(classpathLauncher(TEST_JVM), args, env);
  }

  private static NodeProcess launch(List<String> launcher, List<String> args, Map<String, String> env, Duration timeout) {
    NodeProcess node = spawn(launcher, args, env);
    node.awaitReady(timeout);
    return node;
  }

  private static NodeProcess spawn(List<String> launcher, List<String> args, Map<String, String> env) {
    List<String> command = new ArrayList<>(launcher);
    command.add("run");
    command.addAll(args);
    try {
      Path log = Files.createTempFile("kos-node-process", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("KOS_"));
      builder.environment().putAll(env);
      long spawned = System.nanoTime();
      return new NodeProcess(builder.start(), log, spawned);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code kos-node <args>} to completion, for commands that exit (bad config, identity, migrate). */
  public static Result runToExit(List<String> args, Map<String, String> env, Duration timeout) {
    return runToExit(classpathLauncher(TEST_JVM), args, env, timeout);
  }

  /** As {@link #runToExit(List, Map, Duration)}, from the shaded binary. */
  public static Result runJarToExit(Path jar, List<String> args, Map<String, String> env, Duration timeout) {
    return runToExit(List.of(javaBinary(), "-jar", jar.toString()), args, env, timeout);
  }

  private static Result runToExit(List<String> launcher, List<String> args, Map<String, String> env, Duration timeout) {
    List<String> command = new ArrayList<>(launcher);
    command.addAll(args);
    try {
      Path out = Files.createTempFile("kos-node-out", ".log");
      Path err = Files.createTempFile("kos-node-err", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("KOS_"));
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        throw new IllegalStateException("kos-node " + args + " did not exit within " + timeout + "; output:\n" + Files.readString(out));
      }
      return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String found = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("node exited with " + process.exitValue() + " before it was ready; log:\n" + log());
      }
      if (found == null) {
        Matcher m = HTTP_LINE.matcher(log());
        if (m.find()) {
          found = m.group(1);
        }
      }
      if (found != null) {
        try {
          if (new Http(found).get("/health/ready").status() == 200) {
            url = found;
            readyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spawnedNanos);
            return;
          }
        } catch (UncheckedIOException notYet) {
          // not listening yet
        }
      }
      sleep(100);
    }
    process.destroyForcibly();
    throw new IllegalStateException("node was not ready within " + timeout + "; log:\n" + log());
  }

  /** Waits until the node's output contains the text (a log line, the banner). */
  public void awaitOutput(String text, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!log().contains(text)) {
      if (System.nanoTime() > deadline || !process.isAlive()) {
        throw new IllegalStateException("node output never contained '" + text + "'; log:\n" + log());
      }
      sleep(20);
    }
  }

  public String url() {
    return url;
  }

  public Http http() {
    return new Http(url);
  }

  public long pid() {
    return process.pid();
  }

  /** Milliseconds from process start to the first 200 of /health/ready. */
  public long readyMillis() {
    return readyMillis;
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGTERM, then waits for the exit code. */
  public int terminate(Duration timeout) {
    process.destroy();
    return awaitExit(timeout);
  }

  /** SIGKILL: no shutdown hook, no graceful stop. */
  public int kill() {
    process.destroyForcibly();
    return awaitExit(Duration.ofSeconds(30));
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  private int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        throw new IllegalStateException("node did not exit within " + timeout + "; log:\n" + log());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }

  /** A port free right now on loopback, for settings that cannot take 0 (Hazelcast members list each other). */
  public static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  public record Result(int exitCode, String stdout, String stderr) {
  }
}
