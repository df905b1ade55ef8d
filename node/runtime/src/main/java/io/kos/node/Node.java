package io.kos.node;

import io.kos.node.auth.AccessControl;
import io.kos.node.cluster.ClusterSetup;
import io.kos.node.config.ConfigException;
import io.kos.node.config.NodeConfig;
import io.kos.node.config.Setting;
import io.kos.node.db.Database;
import io.kos.node.db.Migrations;
import io.kos.node.http.IngressVerticle;
import io.kos.node.health.HealthDocuments;
import io.kos.node.health.LogCounts;
import io.kos.node.health.SystemMetrics;
import io.kos.node.identity.MdnsAnnouncer;
import io.kos.node.maintenance.MaintenanceModule;
import io.kos.node.maintenance.NodeControl;
import io.kos.node.identity.NodeIdentity;
import io.kos.node.klf.KlfService;
import io.kos.verticle.Addresses;
import io.kos.verticle.Deployable;
import io.kos.verticle.SecretBox;
import io.kos.verticle.VerticleEnv;
import io.kos.verticle.VerticleModule;
import io.kos.verticle.outbound.OutboundGuard;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One running node: data-dir lock, identity, database, migrations, Vert.x (clustered or not),
 * one pool and deployment per verticle, the HTTP ingress. {@link #start} blocks until ready;
 * {@link #stop} drains and releases everything within {@code shutdown.timeout}.
 */
public final class Node {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);
  private static final String NODE_SCHEMA = "node";
  /** The master key file when node.master_key is not set (KeyFiles: owner-only, created on first start). */
  private static final String MASTER_KEY_FILE = "master.key";

  private final NodeConfig config;
  private final NodeIdentity identity;
  private final DataDirLock lock;
  private final Database database;
  private final NodeState state;
  private final long startNanos;
  private Pool nodePool;
  private AccessControl accessControl;
  private final Map<String, Pool> pools = new LinkedHashMap<>();
  private final List<String> verticleDeployments = new ArrayList<>();
  /** Each module's deployment ids, and what it was deployed with: what restart_verticle needs. */
  private final Map<String, List<String>> moduleDeployments = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, VerticleEnv> envs = new java.util.concurrent.ConcurrentHashMap<>();
  private Map<String, VerticleModule> modulesByName = Map.of();
  private Serving runtime;
  private long runId;
  private long readyMillis;
  /** The timer of the periodic {@code alive} announcement of a cluster member; -1 when not clustered. */
  private long announcer = -1;
  private static final long ANNOUNCE_EVERY_MS = 30_000;
  /** How often the network rate of the health document is sampled. */
  private static final long SAMPLE_EVERY_MS = 5_000;
  /** The mDNS announcement, started once the node serves; null when it does not announce. */
  private Future<MdnsAnnouncer> mdns;

  private Node(NodeConfig config, NodeIdentity identity, DataDirLock lock, Database database, NodeState state, long startNanos) {
    this.config = config;
    this.identity = identity;
    this.lock = lock;
    this.database = database;
    this.state = state;
    this.startNanos = startNanos;
  }

  /**
   * Starts a node; on failure releases what was already acquired and rethrows. Vert.x, the cluster
   * join and the HTTP ingress come up on a second thread while PostgreSQL starts and migrates, so
   * {@code /health/live} answers early and {@code /health/ready} says {@code starting} until the
   * verticles are deployed.
   */
  public static Node start(NodeConfig config, Map<String, VerticleModule> modules) {
    long startNanos = System.nanoTime();
    checkVerticleConfigs(config, modules);
    DataDirLock lock = DataDirLock.acquire(config.dataDir());
    NodeState state = new NodeState(config.clusterEnabled());
    List<VerticleModule> served = new ArrayList<>(modules.values());
    // every node's own maintenance record: its routes and KLF operations, whatever verticles it deploys
    served.add(new MaintenanceModule());
    CompletableFuture<Serving> runtimeStarting = CompletableFuture.supplyAsync(() -> Serving.start(config, served, state),
        task -> new Thread(task, "kos-runtime-start").start());
    Database database = null;
    Node node = null;
    try {
      NodeIdentity identity = NodeIdentity.loadOrCreate(config.keyFile(), config.nodeClass());
      Migrations.preloadInBackground();
      database = Database.open(config);
      // the node pool's first connection (and the client's class loading) overlaps the migrations
      Database opened = database;
      CompletableFuture<Pool> nodePoolWarming = runtimeStarting.thenApply(runtime -> {
        Pool pool = pool(runtime.vertx(), opened, NODE_SCHEMA, config.poolSize());
        pool.query("SELECT 1").execute();
        return pool;
      });
      long databaseReady = System.nanoTime();
      List<Migrations.Applied> applied = new ArrayList<>();
      applied.add(Migrations.migrate(database, NODE_SCHEMA));
      for (String name : config.verticles()) {
        applied.add(Migrations.migrate(database, name));
      }
      applied.stream().filter(m -> m.executedNow() > 0)
          .forEach(m -> LOG.info("schema {}: {} migration(s) applied, now at version {}", m.schema(), m.executedNow(), m.version()));
      state.migrated(applied);
      long migrated = System.nanoTime();
      node = new Node(config, identity, lock, database, state, startNanos);
      node.runtime = join(runtimeStarting);
      long runtimeReady = System.nanoTime();
      node.deploy(modules, served, join(nodePoolWarming));
      LOG.info("start phases (ms): database {}, migrations {}, then waited {} for Vert.x{} and the ingress, deploy {}",
          millis(startNanos, databaseReady), millis(databaseReady, migrated), millis(migrated, runtimeReady),
          config.clusterEnabled() ? ", the cluster" : "", millis(runtimeReady, System.nanoTime()));
      return node;
    } catch (RuntimeException | Error e) {
      if (node != null && node.runtime != null) {
        node.releaseQuietly();
      } else {
        runtimeStarting.thenAccept(runtime -> runtime.vertx().close());
        if (database != null) {
          database.close();
        }
        lock.close();
      }
      throw e;
    }
  }

  /** Vert.x with its ingress listening: what can start before the database is there. */
  private record Serving(Vertx vertx, String ingressDeployment, int httpPort) {

    static Serving start(NodeConfig config, Collection<VerticleModule> modules, NodeState state) {
      Vertx vertx = createVertx(config, state.metricsRegistry());
      try {
        IngressVerticle[] first = new IngressVerticle[1];
        String deployment = vertx.deployVerticle(() -> {
          IngressVerticle ingress = new IngressVerticle(config, modules, state);
          if (first[0] == null) {
            first[0] = ingress;
          }
          return ingress;
        }, new DeploymentOptions().setInstances(config.eventLoopThreads())).await();
        return new Serving(vertx, deployment, first[0].actualPort());
      } catch (Exception e) { // await() rethrows the bind failure as it is, checked or not
        vertx.close();
        throw new ConfigException("cannot listen on " + config.httpHost() + ":" + config.httpPort() + ": " + e.getMessage());
      }
    }
  }

  private static <T> T join(CompletableFuture<T> starting) {
    try {
      return starting.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  private static Vertx createVertx(NodeConfig config, String metricsRegistry) {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setRegistryName(metricsRegistry)
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        // per-connection gauges of the PostgreSQL clients duplicate the pool metrics
        .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
        .addLabels(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE, Label.POOL_TYPE, Label.POOL_NAME, Label.NAMESPACE);
    // one event loop per core: fewer threads to hop between on the ingress -> verticle path
    VertxOptions options = new VertxOptions().setMetricsOptions(metrics).setEventLoopPoolSize(config.eventLoopThreads());
    var builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory());
    if (!config.clusterEnabled()) {
      return builder.with(options).build();
    }
    ClusterSetup.configureEventBus(options, config);
    return builder.with(options).withClusterManager(ClusterSetup.clusterManager(config)).buildClustered().await();
  }

  private void deploy(Map<String, VerticleModule> modules, List<VerticleModule> served, Pool nodePool) {
    this.nodePool = nodePool;
    this.modulesByName = modules;
    state.nodePool(nodePool);
    accessControl = AccessControl.start(vertx(), nodePool, config);
    state.accessControl(accessControl);
    SecretBox secrets = new SecretBox(KeyFiles.load(config.masterKey().base64(), config.dataDir().resolve(MASTER_KEY_FILE),
        SecretBox.KEY_BYTES, "master key"));
    OutboundGuard outbound = OutboundGuard.allowing(config.outboundAllow());
    state.klf(KlfService.start(vertx(), nodePool, identity, config.klf(), accessControl.peers(), served, outbound,
        BackendRegistries.getNow(state.metricsRegistry())));
    for (String name : config.verticles()) {
      VerticleModule module = modules.get(name);
      Pool pool = pool(vertx(), database, name, config.poolSizeOf(name));
      pools.put(name, pool);
      VerticleEnv env = new VerticleEnv(name, pool, config.configOf(name), identity.did(), identity.nodeClass(),
          BackendRegistries.getNow(state.metricsRegistry()), secrets, outbound,
          () -> PgSubscriber.subscriber(vertx(), database.connectOptions(name)), config.dataDir());
      envs.put(name, env);
      List<String> ids = deployModule(module, env);
      verticleDeployments.addAll(ids);
      moduleDeployments.put(name, ids);
      LOG.info("verticle {} deployed: {}", name, module.deployables().stream()
          .map(d -> d.role() + " x" + (d.single() ? 1 : config.instancesOf(name))).toList());
    }
    VerticleEnv nodeEnv = new VerticleEnv(MaintenanceModule.NAME, nodePool, new JsonObject().put("expiry_ms", config.klf().maintenanceExpiry().toMillis()),
        identity.did(), identity.nodeClass(), BackendRegistries.getNow(state.metricsRegistry()), secrets, outbound,
        () -> PgSubscriber.subscriber(vertx(), database.connectOptions(NODE_SCHEMA)), config.dataDir());
    verticleDeployments.add(vertx().deployVerticle(MaintenanceModule.verticle(control()).bind(nodeEnv)).await());
    state.deployed(config.verticles());
    state.documents(identity.signedDocument(Version.VALUE, endpoint(), capabilities(modules)), capabilityDocument(modules));
    runId = nodePool.preparedQuery("INSERT INTO node_runs (node_id, version) VALUES ($1, $2) RETURNING id")
        .execute(Tuple.of(identity.did(), Version.VALUE)).await().iterator().next().getLong(0);
    SystemMetrics system = new SystemMetrics(config.dataDir());
    system.sample();
    vertx().setPeriodic(SAMPLE_EVERY_MS, id -> system.sample());
    HealthDocuments health = new HealthDocuments(identity, state, system, LogCounts.installed());
    state.health(health);
    state.started();
    if (config.clusterEnabled()) {
      vertx().eventBus().<JsonObject>consumer(Addresses.NODE_ANNOUNCE, heard -> health.heard(heard.body()));
      announce("join");
      announcer = vertx().setPeriodic(ANNOUNCE_EVERY_MS, id -> announce("alive"));
      vertx().eventBus().consumer(Addresses.NODE_ANNOUNCE_REQUEST, asked -> announce("alive"));
    }
    if (config.klf().mdns() && config.klf().discoverable()) {
      // not awaited: JmDNS spends about a second probing the name, and readiness does not wait on the LAN
      mdns = vertx().executeBlocking(() -> MdnsAnnouncer.start(config.httpHost(), httpPort(), identity.did(), identity.nodeClass()), false);
    }
    readyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  /** Tells the cluster this member is here (or going): its signed identity document, on {@link Addresses#NODE_ANNOUNCE}. */
  private void announce(String event) {
    vertx().eventBus().publish(Addresses.NODE_ANNOUNCE, new JsonObject().put("event", event)
        .put("document", new JsonObject(state.identityDocument())));
  }

  private static void checkVerticleConfigs(NodeConfig config, Map<String, VerticleModule> modules) {
    for (String name : config.verticles()) {
      try {
        modules.get(name).checkConfig(config.configOf(name));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("verticles.config." + name + ": " + e.getMessage());
      }
    }
  }

  private static Pool pool(Vertx vertx, Database database, String schema, int size) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(size).setName("kos-" + schema).setShared(false))
        .connectingTo(database.connectOptions(schema))
        .using(vertx)
        .build();
  }

  private String endpoint() {
    if (!config.publicUrl().isEmpty()) {
      return config.publicUrl();
    }
    return httpUrl();
  }

  private List<String> capabilities(Map<String, VerticleModule> modules) {
    TreeSet<String> all = new TreeSet<>();
    config.verticles().forEach(name -> all.addAll(modules.get(name).capabilities()));
    return List.copyOf(all);
  }

  private JsonObject capabilityDocument(Map<String, VerticleModule> modules) {
    return new JsonObject()
        .put("nodeId", identity.did())
        .put("nodeClass", identity.nodeClass())
        .put("version", Version.VALUE)
        .put("verticles", new JsonArray(new ArrayList<>(config.verticles())))
        .put("capabilities", new JsonArray(new ArrayList<>(capabilities(modules))))
        .put("cluster", config.clusterEnabled());
  }

  public NodeIdentity identity() {
    return identity;
  }

  /** What the node's parts share (its KLF service, access control, ...), for tests and commands that reach into them. */
  public NodeState state() {
    return state;
  }

  public NodeConfig config() {
    return config;
  }

  public Database database() {
    return database;
  }

  public Vertx vertx() {
    return runtime.vertx();
  }

  public int httpPort() {
    return runtime.httpPort();
  }

  public long readyMillis() {
    return readyMillis;
  }

  public String httpUrl() {
    String host = config.httpHost().equals("0.0.0.0") || config.httpHost().equals("::") ? "127.0.0.1" : config.httpHost();
    return (config.httpTls() != null ? "https://" : "http://") + host + ":" + httpPort();
  }

  /** The start banner: DID, HTTP address, database and every deployed verticle's API. */
  public String banner() {
    StringBuilder b = new StringBuilder();
    b.append("kOS node ").append(Version.VALUE).append(" ready in ").append(readyMillis).append(" ms\n");
    b.append("  did:        ").append(identity.did()).append('\n');
    b.append("  http:       ").append(httpUrl()).append('\n');
    b.append("  database:   ").append(database.describe()).append('\n');
    b.append("  cluster:    ").append(config.clusterEnabled()
        ? config.clusterHost() + ":" + config.clusterPort() + " members " + config.clusterMembers() : "off").append('\n');
    b.append("  config:     ").append(config.configSource()).append('\n');
    b.append("  identity:   ").append(httpUrl()).append("/klf/v1/identity\n");
    b.append("  health:     ").append(httpUrl()).append("/health/ready\n");
    b.append("  metrics:    ").append(httpUrl()).append("/metrics\n");
    if (config.verticles().isEmpty()) {
      b.append("  verticles:  none deployed\n");
    }
    b.append("  auth:       ").append(httpUrl()).append("/api/auth/v1 (passwords: ").append(accessControl.passwordCost()).append(")\n");
    for (String name : config.verticles()) {
      b.append("  api:        ").append(httpUrl()).append("/api/").append(name).append("/v1\n");
    }
    String setupToken = accessControl.pendingSetupToken();
    if (setupToken != null) {
      b.append("  setup:      no user yet; register the first (admin) user with this one-time token:\n")
          .append("              setup_token ").append(setupToken).append("\n")
          .append("              (also in ").append(accessControl.setupTokenFile()).append(", deleted once used)\n");
    }
    return b.toString();
  }

  /**
   * Graceful stop: readiness turns 503, the ingress stops accepting and drains in-flight requests,
   * verticles are undeployed, pools closed, the cluster left, the embedded database stopped.
   *
   * @return true when everything finished within {@code shutdown.timeout}
   */
  public boolean stop() {
    long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
    state.stopping();
    if (config.clusterEnabled() && announcer >= 0) {
      vertx().cancelTimer(announcer);
      announce("leave");
    }
    if (mdns != null) {
      try {
        mdns.await(remaining(deadline), TimeUnit.NANOSECONDS).close();
      } catch (TimeoutException | RuntimeException e) {
        LOG.warn("the mDNS announcement did not close: {}", e.toString());
      }
    }
    boolean clean = true;
    try {
      Future<?> drained = vertx().undeploy(runtime.ingressDeployment());
      drained.recover(e -> Future.succeededFuture())
          .compose(v -> undeployInReverse(verticleDeployments.size() - 1))
          .compose(v -> nodePool.preparedQuery("UPDATE node_runs SET stopped_at = now() WHERE id = $1").execute(Tuple.of(runId)))
          .recover(e -> Future.succeededFuture())
          .compose(v -> Future.join(pools.values().stream().map(Pool::close).toList()))
          .compose(v -> nodePool.close())
          .await(remaining(deadline), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      LOG.warn("graceful shutdown did not finish within {}; stopping the rest now", Setting.displayDuration(config.shutdownTimeout()));
      clean = false;
    } catch (RuntimeException e) {
      LOG.warn("shutdown step failed: {}", e.toString());
      clean = false;
    }
    try {
      // leaves the cluster; awaited on its own since it stops the event loops the chain above runs on
      vertx().close().await(Math.max(remaining(deadline), TimeUnit.SECONDS.toNanos(5)), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | RuntimeException e) {
      LOG.warn("Vert.x did not close cleanly: {}", e.toString());
      clean = false;
    }
    database.close();
    lock.close();
    return clean;
  }

  /**
   * A module's verticles, in order (each with its instances): their deployment ids. Blocking, and
   * called off any Vert.x context, so that they are deployed at the top level: deployed from a
   * verticle's context they would become that verticle's children, and go when it goes.
   */
  private List<String> deployModule(VerticleModule module, VerticleEnv env) {
    List<String> ids = new ArrayList<>();
    for (Deployable deployable : module.deployables()) {
      int instances = deployable.single() ? 1 : config.instancesOf(module.name());
      ids.add(vertx().deployVerticle(() -> deployable.factory().get().bind(env), new DeploymentOptions().setInstances(instances)).await());
    }
    return ids;
  }

  /** What maintenance tasks may do to this node (docs/maintenance.md). */
  private NodeControl control() {
    return new NodeControl() {
      @Override
      public List<String> deployedVerticles() {
        return config.verticles();
      }

      @Override
      public Future<JsonObject> restartVerticle(String name) {
        Promise<JsonObject> restarted = Promise.promise();
        // a thread of its own: the new deployments must not become children of the maintenance verticle that asks
        new Thread(() -> {
          try {
            List<String> old = moduleDeployments.get(name);
            for (int i = old.size() - 1; i >= 0; i--) {
              vertx().undeploy(old.get(i)).await();
            }
            List<String> ids = deployModule(modulesByName.get(name), envs.get(name));
            synchronized (verticleDeployments) {
              int at = verticleDeployments.indexOf(old.get(0));
              verticleDeployments.removeAll(old);
              verticleDeployments.addAll(at, ids);
            }
            moduleDeployments.put(name, ids);
            LOG.info("verticle {} restarted by maintenance: {} -> {}", name, old, ids);
            restarted.complete(new JsonObject().put("verticle", name).put("undeployed", new JsonArray(new ArrayList<>(old)))
                .put("deployed", new JsonArray(new ArrayList<>(ids))));
          } catch (RuntimeException e) {
            restarted.fail(e);
          }
        }, "kos-restart-" + name).start();
        return restarted.future();
      }

      @Override
      public int reloadPeers() {
        return accessControl.peers().reload();
      }

      @Override
      public Pool poolOf(String schema) {
        return schema.equals(NODE_SCHEMA) ? nodePool : pools.get(schema);
      }
    };
  }

  /** Last deployed first: a module's single-instance verticles outlive the instances that call them. */
  private Future<Void> undeployInReverse(int index) {
    if (index < 0) {
      return Future.succeededFuture();
    }
    return vertx().undeploy(verticleDeployments.get(index)).recover(e -> {
      LOG.warn("undeploying a verticle failed: {}", e.toString());
      return Future.succeededFuture();
    }).compose(v -> undeployInReverse(index - 1));
  }

  private void releaseQuietly() {
    try {
      if (runtime != null) {
        vertx().close().await(10, TimeUnit.SECONDS);
      }
    } catch (Exception ignored) {
      // start already failed; the original failure is what matters
    }
    database.close();
    lock.close();
  }

  private static long millis(long fromNanos, long toNanos) {
    return TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
  }

  private static long remaining(long deadline) {
    return Math.max(1, deadline - System.nanoTime());
  }
}
