package io.kos.ronin;

import io.kos.ronin.api.RoninAddresses;
import io.kos.verticle.Addresses;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.IdentityDocuments;
import io.kos.verticle.KosVerticle;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Runs this node's discovery jobs, up to {@code max_running_jobs} at once: each probes its hosts ×
 * ports with at most {@code concurrency} probes in flight and {@code probes_per_second} new
 * connections, records what it finds in the map as it goes, and reports progress; and keeps the map
 * true (forgets, re-probes). One per node: at start it marks the jobs this node left pending or
 * running as failed with INTERRUPTED.
 */
final class DiscoveryRunner extends KosVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(DiscoveryRunner.class);
  private static final String START = "runner.start";
  /** Header of a start whose reply waits for the job's end (the KLF task). */
  static final String WAIT = "kos-ronin-wait";
  /** Published by the API: {@code {job_id}}; the node running it stops it. */
  static final String CANCEL = "kos.ronin.runner.cancel";
  private static final long TICK_MS = 50;

  private record Queued(UUID jobId, Message<JsonObject> message) {
  }

  private RoninSettings settings;
  private RoninStore store;
  private HttpClient client;
  private Prober prober;
  private final ArrayDeque<Queued> waiting = new ArrayDeque<>();
  private final Map<UUID, Scan> running = new HashMap<>();

  static String startAddress(String did) {
    return Addresses.onNode(RoninModule.NAME, START, did);
  }

  @Override
  protected Future<?> setUp() {
    settings = RoninSettings.parse(env().config());
    store = new RoninStore(pool(), settings.staleAfterSeconds());
    // a new connection per probe: thousands of hosts, each asked once
    client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(settings.connectTimeoutMs()).setKeepAlive(false)
        .setIdleTimeout(settings.requestTimeoutMs()).setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS),
        new PoolOptions().setHttp1MaxSize(4).setMaxWaitQueueSize(-1));
    prober = new Prober(client, settings.requestTimeoutMs());
    vertx.eventBus().<JsonObject>consumer(startAddress(env().nodeId()), this::accept);
    vertx.eventBus().<JsonObject>consumer(CANCEL, message -> {
      Scan scan = running.get(UUID.fromString(message.body().getString("job_id")));
      if (scan != null) {
        scan.stop(RoninErrors.CANCELLED, "cancelled by request");
      }
    });
    reportHealth(() -> new JsonObject().put("ok", true).put("running_jobs", running.size()).put("waiting_jobs", waiting.size()));
    vertx.setPeriodic(settings.sweepMs(), id -> sweep());
    vertx.eventBus().<JsonObject>consumer(Addresses.NODE_ANNOUNCE, message -> announced(message.body())).completion()
        // the members that joined before this runner listened say so again now
        .onSuccess(registered -> vertx.eventBus().publish(Addresses.NODE_ANNOUNCE_REQUEST, null));
    return store.run(RoninStore.INTERRUPT_JOBS, Tuple.of(env().nodeId())).onSuccess(rows -> {
      if (rows.size() > 0) {
        LOG.warn("{} discovery job(s) were unfinished when this node stopped; marked failed with INTERRUPTED", rows.size());
      }
    });
  }

  private void accept(Message<JsonObject> message) {
    if (!message.headers().contains(WAIT)) {
      message.reply(new JsonObject().put("accepted", true));
    }
    waiting.add(new Queued(UUID.fromString(message.body().getString("job_id")), message));
    drain();
  }

  private void drain() {
    while (running.size() < settings.maxRunningJobs() && !waiting.isEmpty()) {
      launch(waiting.poll());
    }
  }

  private void launch(Queued queued) {
    // held while the job starts, so the limit counts it
    running.put(queued.jobId(), null);
    store.run(RoninStore.START_JOB, Tuple.of(queued.jobId())).compose(rows -> rows.size() == 0 ? Future.succeededFuture()
        : execute(rows.iterator().next(), queued.message().headers())).onComplete(done -> {
          running.remove(queued.jobId());
          if (done.failed()) {
            LOG.error("discovery job {} could not be run or recorded", queued.jobId(), done.cause());
          }
          if (queued.message().headers().contains(WAIT)) {
            store.one(RoninStore.JOB, Tuple.of(queued.jobId()).addValue(null), RoninStore::job)
                .onComplete(job -> queued.message().reply(job), failure -> queued.message().fail(500, failure.getMessage()));
          }
          drain();
        });
  }

  private Future<Void> execute(Row row, MultiMap headers) {
    UUID jobId = row.getUUID("job_id");
    JsonObject params = (JsonObject) row.getValue("params");
    return targets(params).compose(targets -> {
      Scan scan = new Scan(jobId, params, targets, new ApiRequest(new JsonObject(), headers));
      running.put(jobId, scan);
      return scan.run();
    }, failure -> finish(jobId, "failed", 0, new JsonArray(), failure.getMessage(),
        new JsonObject().put("code", RoninErrors.SCAN_FAILED).put("message", failure.getMessage())));
  }

  /**
   * The host, port and protocol triples the job probes: what mDNS heard inside the range first (when
   * the job browses), then a range's hosts, a domain's addresses, or where the map last saw a DID.
   */
  private Future<List<String[]>> targets(JsonObject params) {
    JsonArray protocols = params.getJsonArray("protocols");
    Future<List<String[]>> probed = protocols.contains(Targets.HTTP_API) ? probedTargets(params) : Future.succeededFuture(List.of());
    if (!protocols.contains(Targets.MDNS)) {
      return probed;
    }
    Cidr range = Cidr.parse(params.getJsonObject("target").getString("value"));
    return vertx.executeBlocking(() -> MdnsBrowser.browse(range, settings.mdnsBrowseMs()), false).compose(heard -> probed.map(pairs -> {
      List<String[]> all = new ArrayList<>();
      Set<String> seen = new java.util.HashSet<>();
      for (String[] pair : heard) {
        seen.add(pair[0] + " " + pair[1]);
        all.add(new String[] {pair[0], pair[1], Targets.MDNS});
      }
      for (String[] pair : pairs) {
        if (seen.add(pair[0] + " " + pair[1])) {
          all.add(pair);
        }
      }
      return all;
    }));
  }

  private Future<List<String[]>> probedTargets(JsonObject params) {
    JsonObject target = params.getJsonObject("target");
    List<Integer> ports = params.getJsonArray("ports").stream().map(port -> (Integer) port).toList();
    return switch (target.getString("type")) {
      case "network_cidr" -> vertx.executeBlocking(() -> pairs(Cidr.parse(target.getString("value")).hosts().stream()
          .map(InetAddress::getHostAddress).toList(), ports), false);
      case "domain" -> {
        List<String[]> pairs = pairs(params.getJsonArray("addresses").stream().map(String::valueOf).toList(), ports);
        Set<String> seen = new java.util.HashSet<>(pairs.stream().map(pair -> pair[0] + " " + pair[1]).toList());
        // what the SRV records name, after the domain's own addresses
        for (Object named : params.getJsonArray("srv", new JsonArray())) {
          JsonObject endpoint = (JsonObject) named;
          if (seen.add(endpoint.getString("address") + " " + endpoint.getInteger("port"))) {
            pairs.add(new String[] {endpoint.getString("address"), Integer.toString(endpoint.getInteger("port")), Targets.HTTP_API});
          }
        }
        yield Future.succeededFuture(pairs);
      }
      default -> store.run(RoninStore.ENDPOINT_OF, Tuple.of(target.getString("value"))).map(rows -> {
        List<String[]> pairs = new ArrayList<>();
        for (Row found : rows) {
          URI endpoint = URI.create(found.getString("endpoint"));
          String host = endpoint.getHost().replace("[", "").replace("]", "");
          // where the map saw it is probed only while that address may still be scanned
          if (settings.allowing(Cidr.parse(host)) != null) {
            pairs.add(new String[] {host, Integer.toString(endpoint.getPort()), Targets.HTTP_API});
          }
        }
        return pairs;
      });
    };
  }

  /** Upserts the service a probe found (by {@code protocol}: what led to the probe); its id, or null when the probe found none. */
  private Future<String> record(Prober.Probe probe, UUID jobId, String protocol) {
    if (probe.kind() != Prober.Kind.SERVICE) {
      return Future.succeededFuture();
    }
    JsonObject document = probe.document();
    boolean verified = probe.problem() == null;
    String serviceId = verified ? document.getString("nodeId") : "unverified:" + probe.endpoint();
    JsonArray capabilities = document.getValue("capabilities") instanceof JsonArray list ? list : new JsonArray();
    JsonObject metadata = new JsonObject().put("discovery_method", protocol).put("response_time_ms", probe.millis())
        .put("last_seen", java.time.Instant.now().toString()).put("claimed_endpoint", document.getValue("endpoint"))
        .put("version", document.getValue("version"));
    Tuple row = Tuple.of(serviceId, document.getString("nodeId"), String.valueOf(document.getValue("nodeClass")), probe.endpoint(),
        capabilities.encode(), new JsonArray().add(protocol).encode()).addValue(verified).addValue(probe.problem())
        .addValue(metadata.encode()).addValue(jobId);
    return store.run(RoninStore.UPSERT_SERVICE, row).map(serviceId);
  }

  /**
   * A cluster member's announcement: recorded without a probe (protocol {@code cluster}), verified
   * from the signed document it carries; a member that leaves keeps its row with {@code last_error}
   * until it is forgotten.
   */
  private void announced(JsonObject announcement) {
    if (!(announcement.getValue("document") instanceof JsonObject document) || !(document.getValue("nodeId") instanceof String did)
        || did.equals(env().nodeId())) {
      return;
    }
    String problem = IdentityDocuments.problem(document);
    String serviceId = problem == null ? did : "unverified:cluster:" + did;
    if ("leave".equals(announcement.getString("event"))) {
      store.run(RoninStore.PROBE_FAILED, Tuple.of(serviceId, "left the cluster at " + java.time.Instant.now()))
          .onFailure(e -> LOG.warn("could not record that {} left: {}", did, e.toString()));
      return;
    }
    JsonArray capabilities = document.getValue("capabilities") instanceof JsonArray list ? list : new JsonArray();
    JsonObject metadata = new JsonObject().put("discovery_method", "cluster").put("last_seen", java.time.Instant.now().toString())
        .put("claimed_endpoint", document.getValue("endpoint")).put("version", document.getValue("version"));
    Tuple row = Tuple.of(serviceId, did, String.valueOf(document.getValue("nodeClass")), String.valueOf(document.getValue("endpoint")),
        capabilities.encode(), new JsonArray().add("cluster").encode()).addValue(problem == null).addValue(problem)
        .addValue(metadata.encode()).addValue(null);
    store.run(RoninStore.UPSERT_SERVICE, row).onFailure(e -> LOG.warn("could not record cluster member {}: {}", did, e.toString()));
  }

  /**
   * Forgets the services not seen for forget_after, and probes again those not probed for
   * reprobe_interval_seconds (a batch of them each sweep): an answer refreshes {@code last_seen};
   * none, or another node at the endpoint, sets {@code last_error}, and the service goes stale.
   */
  private void sweep() {
    store.run(RoninStore.FORGET, Tuple.of(settings.forgetAfterSeconds())).onSuccess(rows -> {
      if (rows.rowCount() > 0) {
        LOG.info("forgot {} service(s) not seen for forget_after_seconds", rows.rowCount());
      }
    }).onFailure(e -> LOG.warn("could not forget old services: {}", e.toString()));
    if (settings.reprobeSeconds() == 0) {
      return;
    }
    store.run(RoninStore.DUE, Tuple.of(settings.reprobeSeconds(), settings.concurrency())).onSuccess(rows -> {
      for (Row due : rows) {
        reprobe(due.getString("service_id"), due.getString("endpoint"));
      }
    }).onFailure(e -> LOG.warn("could not pick services to re-probe: {}", e.toString()));
  }

  private void reprobe(String serviceId, String endpoint) {
    URI uri = URI.create(endpoint);
    String host = uri.getHost().replace("[", "").replace("]", "");
    if (settings.allowing(Cidr.parse(host)) == null) {
      store.run(RoninStore.PROBE_FAILED, Tuple.of(serviceId, "re-probe skipped: " + host + " is outside scan_allow"));
      return;
    }
    prober.probe(host, uri.getPort()).compose(probe -> record(probe, null, Targets.HTTP_API).compose(found -> {
      if (serviceId.equals(found)) {
        return Future.succeededFuture();
      }
      String why = found != null ? "re-probe: " + endpoint + " now answers as " + found
          : "re-probe: no kOS identity at " + endpoint + " (" + probe.kind().name().toLowerCase(java.util.Locale.ROOT)
              + (probe.problem() == null ? "" : ": " + probe.problem()) + ")";
      return store.run(RoninStore.PROBE_FAILED, Tuple.of(serviceId, why)).mapEmpty();
    })).onFailure(e -> LOG.warn("could not re-probe {}: {}", serviceId, e.toString()));
  }

  private static List<String[]> pairs(List<String> hosts, List<Integer> ports) {
    List<String[]> pairs = new ArrayList<>(hosts.size() * ports.size());
    for (String host : hosts) {
      for (int port : ports) {
        pairs.add(new String[] {host, Integer.toString(port), Targets.HTTP_API});
      }
    }
    return pairs;
  }

  private Future<Void> finish(UUID jobId, String status, int probesDone, JsonArray found, String message, JsonObject error) {
    return store.one(RoninStore.FINISH_JOB, Tuple.of(jobId, status, probesDone, message, found, error), RoninStore::job)
        .onSuccess(job -> publish(job)).mapEmpty();
  }

  private void publish(JsonObject job) {
    if (job != null) {
      vertx.eventBus().publish(RoninAddresses.JOB_PROGRESS, new JsonObject().put("job_id", job.getString("job_id"))
          .put("status", job.getString("status")).put("progress", job.getInteger("progress")).put("probes_done", job.getInteger("probes_done"))
          .put("probes_total", job.getInteger("probes_total")).put("services_found", job.getJsonArray("services_found").size())
          .put("message", job.getString("message")));
    }
  }

  /** One job's probes: a pump that keeps up to {@code concurrency} in flight, paced by a token bucket refilled every tick. */
  private final class Scan {

    private final UUID jobId;
    private final List<String[]> targets;
    private final ApiRequest klf;
    private final Set<String> found = new LinkedHashSet<>();
    private final JsonObject target;
    private final int depth;
    /** 1 while the job's own targets are probed; each expansion (asking Ronin nodes) adds one. */
    private int level = 1;
    private boolean expanding;
    private final Set<String> queued = new java.util.HashSet<>();
    private final Set<String> asked = new java.util.HashSet<>();
    private final Promise<Void> done = Promise.promise();
    private int next;
    private int inFlight;
    private int probesDone;
    private double tokens;
    private long timer;
    private long lastReport;
    private String current = "";
    private String stopCode;
    private String stopMessage;
    private boolean ended;

    Scan(UUID jobId, JsonObject params, List<String[]> targets, ApiRequest klf) {
      this.jobId = jobId;
      this.target = params.getJsonObject("target");
      this.depth = params.getInteger("depth", 1);
      this.targets = new ArrayList<>(targets);
      this.klf = klf;
      targets.forEach(pair -> queued.add(pair[0] + " " + pair[1]));
    }

    Future<Void> run() {
      tokens = Math.min(settings.probesPerSecond(), settings.concurrency());
      timer = vertx.setPeriodic(TICK_MS, id -> {
        tokens = Math.min(settings.probesPerSecond(), tokens + settings.probesPerSecond() * TICK_MS / 1000.0);
        pump();
        if (System.currentTimeMillis() - lastReport >= settings.progressIntervalMs()) {
          report();
        }
      });
      reportProgress(klf, 0, "Scanning " + targets.size() + " host × port pairs");
      pump();
      return done.future();
    }

    void stop(String code, String message) {
      if (stopCode == null) {
        stopCode = code;
        stopMessage = message;
      }
    }

    private void pump() {
      while (stopCode == null && inFlight < settings.concurrency() && next < targets.size() && tokens >= 1) {
        tokens -= 1;
        String[] target = targets.get(next++);
        current = target[0];
        inFlight++;
        prober.probe(target[0], Integer.parseInt(target[1])).compose(probe -> record(probe, target[2])).onComplete(recorded -> {
          if (recorded.failed()) {
            stop(RoninErrors.SCAN_FAILED, "could not record a service: " + recorded.cause().getMessage());
          }
          inFlight--;
          probesDone++;
          pump();
        });
      }
      if (inFlight == 0 && (stopCode != null || next == targets.size()) && !expanding) {
        if (stopCode != null || level >= depth) {
          end();
          return;
        }
        expanding = true;
        expand().onComplete(added -> {
          expanding = false;
          level++;
          pump();
        });
      }
    }

    /**
     * The next level: what other Ronin nodes report, probed before anything of it is stored (only
     * what this node's own probe verifies is recorded). A DID: the Ronin nodes this node's map
     * knows are asked {@code resolve_did}; otherwise the Ronin nodes this job found are asked for
     * their maps ({@code list_services}, verified only).
     */
    private Future<Void> expand() {
      boolean did = target.getString("type").equals("did");
      // addValue: Tuple.of(a, (String[]) b) would take b for its varargs array
      Tuple query = Tuple.of(env().nodeId()).addValue(did ? null : found.toArray(String[]::new));
      return store.run(RoninStore.RONINS, query).compose(rows -> {
        List<Future<Void>> asks = new ArrayList<>();
        for (Row ronin : rows) {
          if (asked.add(ronin.getString("node_id"))) {
            asks.add(ask(ronin.getString("node_id"), ronin.getString("endpoint"), did));
          }
        }
        return Future.join(asks).<Void>mapEmpty().otherwiseEmpty();
      });
    }

    private Future<Void> ask(String ronin, String endpoint, boolean did) {
      JsonObject payload = did
          ? new JsonObject().put("query_name", "resolve_did").put("params", new JsonObject().put("did", target.getString("value")))
          : new JsonObject().put("query_name", "list_services").put("params", new JsonObject().put("verified", "true").put("limit", 500));
      return sendKlf(ronin, endpoint, "data_query", payload, settings.requestTimeoutMs() + 5000L).map(answer -> {
        JsonObject result = answer.ok() ? answer.payload().getJsonObject("result") : null;
        if (result == null) {
          LOG.debug("ronin {} did not answer {}: {} {}", ronin, payload.getString("query_name"), answer.errorCode(), answer.errorMessage());
          return null;
        }
        List<String> endpoints = did ? List.of(result.getString("endpoint"))
            : result.getJsonArray("services").stream().map(s -> ((JsonObject) s).getString("endpoint")).toList();
        for (String reported : endpoints) {
          queue(reported);
        }
        return null;
      }).<Void>mapEmpty().otherwise(failure -> {
        LOG.debug("ronin {} could not be asked: {}", ronin, failure.getMessage());
        return null;
      });
    }

    /** A reported endpoint, probed later when it is inside scan_allow and not probed by this job yet. */
    private void queue(String endpoint) {
      URI uri;
      try {
        uri = URI.create(endpoint);
      } catch (IllegalArgumentException | NullPointerException e) {
        return;
      }
      if (uri.getHost() == null || uri.getPort() < 1) {
        return;
      }
      String host = uri.getHost().replace("[", "").replace("]", "");
      Cidr address;
      try {
        address = Cidr.parse(host);
      } catch (IllegalArgumentException e) {
        return;
      }
      if (address.forbidden() == null && settings.allowing(address) != null && queued.add(host + " " + uri.getPort())) {
        targets.add(new String[] {host, Integer.toString(uri.getPort()), Targets.HTTP_API});
      }
    }

    private Future<Void> record(Prober.Probe probe, String protocol) {
      return DiscoveryRunner.this.record(probe, jobId, protocol).map(serviceId -> {
        if (serviceId != null) {
          found.add(serviceId);
        }
        return null;
      });
    }

    private int percent() {
      return targets.isEmpty() ? 100 : (int) (100L * probesDone / targets.size());
    }

    private void report() {
      lastReport = System.currentTimeMillis();
      String message = "Scanning " + current + "... (" + probesDone + " of " + targets.size() + " probes, " + found.size() + " found)";
      store.run(RoninStore.JOB_PROGRESS, Tuple.of(jobId, (short) percent(), targets.size(), probesDone, message, new JsonArray(new ArrayList<>(found))))
          .onSuccess(rows -> {
            if (rows.size() > 0 && rows.iterator().next().getBoolean("cancel_requested")) {
              stop(RoninErrors.CANCELLED, "cancelled by request");
            }
          });
      publish(new JsonObject().put("job_id", jobId.toString()).put("status", "running").put("progress", percent()).put("probes_done", probesDone)
          .put("probes_total", targets.size()).put("services_found", new JsonArray(new ArrayList<>(found))).put("message", message));
      reportProgress(klf, percent(), message);
    }

    private void end() {
      if (ended) {
        return;
      }
      ended = true;
      vertx.cancelTimer(timer);
      JsonArray services = new JsonArray(new ArrayList<>(found));
      Future<Void> finished = stopCode == null
          ? finish(jobId, "completed", probesDone, services, probesDone + " probes, " + found.size() + " services found", null)
          : finish(jobId, stopCode.equals(RoninErrors.CANCELLED) ? "cancelled" : "failed", probesDone, services, stopMessage,
              new JsonObject().put("code", stopCode).put("message", stopMessage));
      finished.onComplete(done);
    }
  }

  @Override
  public Future<?> stop() {
    running.values().forEach(scan -> {
      if (scan != null) {
        scan.stop(RoninErrors.INTERRUPTED, "the node is stopping");
      }
    });
    return client.close();
  }
}
