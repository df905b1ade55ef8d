package io.kos.node.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Node.js tools a test runs beside the node (a local chain, an MCP server, a reference verifier):
 * their {@code package.json}, lock file and scripts live under {@code src/test/<name>} and are
 * installed once per build into {@code target/<name>} with {@code npm ci}, so nothing is installed
 * by hand and the versions are the lock file's.
 */
public final class NpmTools {

  private NpmTools() {
  }

  /** True where Node.js is installed. */
  public static boolean available() {
    try {
      return new ProcessBuilder("node", "--version").redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /**
   * Copies {@code files} from {@code src/test/<name>} to {@code target/<name>} and installs the
   * packages unless {@code node_modules/<marker>} is there already; answers the directory.
   */
  public static Path install(String name, List<String> files, String marker) throws Exception {
    Path sources = Path.of(System.getProperty("user.dir"), "src", "test", name);
    Path tools = Path.of(System.getProperty("user.dir"), "target", name);
    Files.createDirectories(tools);
    for (String file : files) {
      Files.copy(sources.resolve(file), tools.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.exists(tools.resolve("node_modules").resolve(marker))) {
      run(tools, List.of("npm", "ci", "--no-audit", "--no-fund"), null, Duration.ofMinutes(5));
    }
    return tools;
  }

  /** Runs a command in {@code dir} with {@code input} on its stdin (null: none); its output, or a failure with it. */
  public static String run(Path dir, List<String> command, String input, Duration timeout) throws Exception {
    Path log = Files.createTempFile(dir, "run", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    Process process = builder.start();
    if (input != null) {
      process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
    }
    process.getOutputStream().close();
    boolean done = process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
    String output = Files.readString(log, StandardCharsets.UTF_8);
    Files.deleteIfExists(log);
    if (!done || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
    return output;
  }
}
