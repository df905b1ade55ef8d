package io.kos.node;

import io.kos.node.config.ConfigException;
import io.kos.node.config.ConfigLoader;
import io.kos.node.config.NodeConfig;
import io.kos.node.config.Setting;
import io.kos.node.db.Database;
import io.kos.node.db.Migrations;
import io.kos.node.identity.NodeIdentity;
import io.kos.verticle.VerticleModule;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import sun.misc.Signal;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code kos-node [run|migrate|identity] [flags]}. Exit codes: 0 ok, 2 usage or configuration
 * error (one line on stderr, no stack trace), 1 runtime failure.
 */
@Command(name = "kos-node", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
    description = "Runs a kOS node: verticles on one HTTP port, an embedded or external PostgreSQL, an optional cluster.",
    subcommands = {Main.Run.class, Main.Check.class, Main.Migrate.class, Main.Identity.class, KlfCommand.class, ClusterCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;

  @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "YAML config file (default: conf/<class>.yaml or conf/node.yaml when present)")
  Path configFile;
  @Option(names = "--class", scope = ScopeType.INHERIT, paramLabel = "CLASS", description = "node class: allinone, tohunga, ronin, hakim")
  String nodeClass;
  @Option(names = "--verticles", scope = ScopeType.INHERIT, paramLabel = "LIST", description = "verticles to deploy, comma separated, * for all")
  String verticles;
  @Option(names = "--http-port", scope = ScopeType.INHERIT, paramLabel = "PORT", description = "HTTP port (0 = any free port)")
  String httpPort;
  @Option(names = "--data-dir", scope = ScopeType.INHERIT, paramLabel = "DIR", description = "data directory")
  String dataDir;
  @Option(names = "--db-url", scope = ScopeType.INHERIT, paramLabel = "URL", description = "external PostgreSQL URL instead of the embedded one")
  String dbUrl;
  @Option(names = "--cluster", scope = ScopeType.INHERIT, description = "join the clustered event bus")
  boolean cluster;
  @Option(names = "--cluster-host", scope = ScopeType.INHERIT, paramLabel = "HOST", description = "address for Hazelcast and the event bus")
  String clusterHost;
  @Option(names = "--cluster-port", scope = ScopeType.INHERIT, paramLabel = "PORT", description = "Hazelcast member port")
  String clusterPort;
  @Option(names = "--cluster-members", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT,...", description = "other cluster members")
  String clusterMembers;

  private Map<String, String> env = System.getenv();
  private final Map<String, VerticleModule> modules = Modules.discover();

  public static void main(String[] args) {
    System.exit(execute(args, System.getenv()));
  }

  /** Runs the command line and returns the exit code; {@code run} returns only after the node stopped. */
  public static int execute(String[] args, Map<String, String> env) {
    return execute(args, env, new PrintWriter(System.err, true));
  }

  /** As {@link #execute(String[], Map)}, with usage and error lines written to {@code err}. */
  public static int execute(String[] args, Map<String, String> env, PrintWriter err) {
    return execute(args, env, new PrintWriter(System.out, true), err);
  }

  /** As {@link #execute(String[], Map, PrintWriter)}, with what a tool command prints written to {@code out}. */
  public static int execute(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    Main main = new Main();
    main.env = env;
    CommandLine cli = new CommandLine(main).setOut(out).setErr(err);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof ConfigException) {
        err.println("kos-node: " + e.getMessage());
        return USAGE;
      }
      LoggerFactory.getLogger(Main.class).error("node failed", e);
      err.println("kos-node: failed: " + e.getMessage());
      return FAILURE;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() {
    return new Run().runWith(this);
  }

  NodeConfig loadConfig() {
    Map<String, String> flags = new LinkedHashMap<>();
    put(flags, "node.class", nodeClass);
    put(flags, "verticles.deploy", verticles);
    put(flags, "http.port", httpPort);
    put(flags, "node.data_dir", dataDir);
    put(flags, "database.url", dbUrl);
    if (cluster) {
      flags.put("cluster.enabled", "true");
    }
    put(flags, "cluster.host", clusterHost);
    put(flags, "cluster.port", clusterPort);
    put(flags, "cluster.members", clusterMembers);
    NodeConfig config = new ConfigLoader(modules.keySet()).load(configFile, env, flags);
    Logging.configure(config.logFormat(), config.logLevel());
    return config;
  }

  private static void put(Map<String, String> flags, String key, String value) {
    if (value != null) {
      flags.put(key, value);
    }
  }

  @Command(name = "run", description = "start the node (the default command)")
  static final class Run implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main main;

    @Override
    public Integer call() {
      return runWith(main);
    }

    int runWith(Main main) {
      NodeConfig config = main.loadConfig();
      AtomicReference<Node> running = new AtomicReference<>();
      AtomicInteger signals = new AtomicInteger();
      AtomicBoolean stopping = new AtomicBoolean();
      AtomicInteger exitCode = new AtomicInteger(OK);
      CountDownLatch stopped = new CountDownLatch(1);
      Runnable stop = () -> {
        if (stopping.compareAndSet(false, true)) {
          var log = LoggerFactory.getLogger(Main.class);
          log.info("stopping (graceful, at most {})", Setting.displayDuration(config.shutdownTimeout()));
          long begun = System.nanoTime();
          boolean clean = running.get().stop();
          log.info("stopped {} in {} ms", clean ? "cleanly" : "with problems (see above)", (System.nanoTime() - begun) / 1_000_000);
          exitCode.set(clean ? OK : FAILURE);
          stopped.countDown();
        }
      };
      // Exit 0 after a graceful stop on SIGTERM/SIGINT, not the JVM's 143/130. A signal during start
      // stops the node as soon as it is up (so no embedded PostgreSQL is left behind); a second one
      // during start exits at once.
      for (String signal : List.of("TERM", "INT")) {
        Signal.handle(new Signal(signal), s -> {
          if (running.get() != null) {
            new Thread(stop, "kos-shutdown").start();
          } else if (signals.incrementAndGet() > 1) {
            System.exit(FAILURE);
          }
        });
      }
      Node node = Node.start(config, main.modules);
      running.set(node);
      System.out.print(node.banner());
      System.out.flush();
      if (signals.get() > 0) {
        stop.run();
      }
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop.run();
      }
      return exitCode.get();
    }
  }

  @Command(name = "check", description = "start the node as run would, print the banner, then stop gracefully and exit")
  static final class Check implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main main;

    @Override
    public Integer call() {
      NodeConfig config = main.loadConfig();
      Node node = Node.start(config, main.modules);
      System.out.print(node.banner());
      System.out.flush();
      return node.stop() ? OK : FAILURE;
    }
  }

  @Command(name = "migrate", description = "apply the migrations of the node and the configured verticles, then exit")
  static final class Migrate implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main main;

    @Override
    public Integer call() {
      NodeConfig config = main.loadConfig();
      try (DataDirLock ignored = DataDirLock.acquire(config.dataDir()); Database database = Database.open(config)) {
        List<String> owners = new java.util.ArrayList<>(List.of("node"));
        owners.addAll(config.verticles());
        for (String owner : owners) {
          Migrations.Applied applied = Migrations.migrate(database, owner);
          System.out.println(owner + ": version " + applied.version() + ", " + applied.executedNow() + " migration(s) applied now");
        }
      }
      return OK;
    }
  }

  @Command(name = "identity", description = "show the node's DID and public key, creating the key pair on first use")
  static final class Identity implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main main;

    @Override
    public Integer call() {
      NodeConfig config = main.loadConfig();
      NodeIdentity identity = NodeIdentity.loadOrCreate(config.keyFile(), config.nodeClass());
      System.out.println("did:        " + identity.did());
      System.out.println("public key: " + identity.publicKeyBase64());
      System.out.println("key file:   " + config.keyFile());
      return OK;
    }
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"kos-node " + Version.VALUE};
    }
  }
}
