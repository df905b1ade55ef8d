package io.kos.actions;

import io.kos.actions.api.ActionsAddresses;
import io.kos.ingest.api.IngestClient;
import io.kos.verticle.ApiError;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.outbound.OutboundHttp;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs jobs: claims due ones (up to its concurrency, by priority then run_at, under a lease it
 * renews while they run), hands each to its executor, and ends the attempts in group-committed
 * batches. Woken at once by a new job ({@code kos.actions.wake}, relayed from NOTIFY by the
 * housekeeper), otherwise every {@code poll_ms}. Scaled: any number per node, any number of nodes.
 */
final class WorkerVerticle extends KosVerticle {

  /** Local publication: due jobs may be waiting. */
  static final String WAKE = "kos.actions.wake";
  private static final Logger LOG = LoggerFactory.getLogger(WorkerVerticle.class);
  /** The longest a receiver's Retry-After is honoured. */
  private static final long MAX_RETRY_AFTER_MS = 86_400_000L;
  /** How long a stopping worker waits for its running jobs (within the node's shutdown.timeout). */
  private static final long DRAIN_MS = 10_000;

  private ActionsSettings settings;
  private ActionStore store;
  private final Map<String, Executor> executors = new HashMap<>();
  private String workerId;
  private int running;
  private boolean stopping;
  private boolean claiming;
  private boolean wokenWhileClaiming;
  private final Set<Long> leased = new HashSet<>();
  private GroupCommit<ActionStore.Completion, Boolean> completions;
  private HttpClient httpClient;
  private final Map<String, Counter> attemptCounters = new HashMap<>();

  @Override
  protected Future<?> setUp() {
    settings = ActionsSettings.parse(env().config());
    store = new ActionStore(pool());
    workerId = env().nodeId() + "/" + UUID.randomUUID().toString().substring(0, 8);
    httpClient = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(10_000).setKeepAliveTimeout(30),
        new PoolOptions().setHttp1MaxSize(64));
    OutboundHttp http = new OutboundHttp(vertx, httpClient, env().outbound());
    TelegramLimiter limiter = (TelegramLimiter) vertx.sharedData().getLocalMap("kos.actions").computeIfAbsent("telegram.limiter",
        k -> new TelegramLimiter(settings.telegramPerSecond(), settings.telegramChatInterval()));
    executors.put("rest", new RestExecutor(http, env().secrets()));
    executors.put("telegram", new TelegramExecutor(http, settings, limiter));
    executors.put("mcp", new McpExecutor(new McpClient(http), new RemoteFiles(http, settings.ipfsGateway(), settings.maxFileBytes()),
        new IngestClient(vertx), store, env().secrets()));
    if (settings.noopExecutor()) {
      executors.put(ActionConfigs.NOOP, job -> Future.succeededFuture(new Attempt.Delivered(null)));
    }
    completions = new GroupCommit<>(this::complete, 1000, 1);
    vertx.eventBus().localConsumer(WAKE, message -> claim());
    vertx.setPeriodic(settings.pollMs(), id -> claim());
    vertx.setPeriodic(settings.leaseSeconds() * 1000L / 3, id -> renew());
    claim();
    return Future.succeededFuture();
  }

  /**
   * Claims nothing more and waits (at most {@link #DRAIN_MS}) for the running jobs' attempts to be
   * recorded, so that a graceful stop repeats no delivery; what is still running after that is
   * reclaimed when its lease expires.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
    long deadline = System.currentTimeMillis() + DRAIN_MS;
    vertx.setPeriodic(20, id -> {
      if (running == 0 || System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        if (running > 0) {
          LOG.warn("actions: stopping with {} jobs still running; they run again once their leases expire", running);
        }
        drained.complete();
      }
    });
    return drained.future().compose(v -> httpClient == null ? Future.succeededFuture() : httpClient.close());
  }

  /** Claims as many due jobs as it has room for; a wake during a claim claims again after it. */
  private void claim() {
    if (stopping) {
      return;
    }
    if (claiming) {
      wokenWhileClaiming = true;
      return;
    }
    int room = settings.concurrency() - running;
    // while jobs run, wait for a quarter of the room to free up: fewer, larger claims
    if (room <= 0 || (running > 0 && room < Math.max(1, settings.concurrency() / 4))) {
      return;
    }
    claiming = true;
    wokenWhileClaiming = false;
    store.claim(workerId, room, settings.leaseSeconds()).onComplete(claimed -> {
      claiming = false;
      if (claimed.failed()) {
        LOG.debug("actions: claim failed: {}", claimed.cause().toString());
        return;
      }
      claimed.result().forEach(this::start);
      if (claimed.result().size() == room || wokenWhileClaiming) {
        claim();
      }
    });
  }

  private void start(Job job) {
    running++;
    leased.add(job.id());
    long started = System.nanoTime();
    Future<Attempt> attempt;
    try {
      Executor executor = executors.get(job.actionType());
      attempt = executor == null ? Future.succeededFuture(Attempt.permanent("this node has no executor for action type "
          + job.actionType())) : executor.run(job);
    } catch (ApiError invalid) {
      attempt = Future.succeededFuture(Attempt.permanent("the stored config is not valid: " + invalid.getMessage()));
    } catch (RuntimeException e) {
      attempt = Future.failedFuture(e);
    }
    attempt.recover(e -> Future.succeededFuture(Attempt.ofFailure(e)))
        .onComplete(done -> finish(job, done.result(), (int) ((System.nanoTime() - started) / 1_000_000)));
  }

  /**
   * Records the attempt; the job's slot frees once the record commits, so that a worker never holds
   * more than {@code concurrency} leased jobs (what a crash can make run twice).
   */
  private void finish(Job job, Attempt attempt, int durationMs) {
    ActionStore.Completion completion = completion(job, attempt, durationMs);
    count(job.actionType(), completion.result() == null ? "deferred" : completion.result());
    completions.add(completion).onComplete(done -> {
      running--;
      leased.remove(job.id());
      if (done.failed()) {
        // the lease runs out and the housekeeper queues the job again: the attempt is repeated, not lost
        LOG.warn("actions: attempt {} of job {} not recorded: {}", job.attempt(), job.id(), done.cause().toString());
      } else if (done.result()) {
        ended(job, completion);
      }
      claim();
    });
  }

  /** After the commit: a final status is published; a retry due soon wakes this worker then. */
  private void ended(Job job, ActionStore.Completion completion) {
    if (completion.status().equals("queued")) {
      vertx.setTimer(Math.max(1, completion.delayMs()), id -> claim());
      return;
    }
    vertx.eventBus().publish(ActionsAddresses.OUTCOME, outcome(job.id(), job.attempt(), job.triggerId(), job.actionId(), job.eventId(),
        job.idempotencyKey(), job.actionType(), completion.status(), completion.error()));
  }

  static JsonObject outcome(long jobId, int attempt, UUID triggerId, Long actionId, String eventId, String key, String type, String status,
                            String error) {
    return new JsonObject().put("job_id", jobId).put("attempt", attempt).put("trigger_id", triggerId == null ? null : triggerId.toString())
        .put("action_id", actionId).put("event_id", eventId).put("idempotency_key", key).put("action_type", type).put("status", status)
        .put("error", error);
  }

  private ActionStore.Completion completion(Job job, Attempt attempt, int durationMs) {
    if (attempt instanceof Attempt.Delivered delivered) {
      return new ActionStore.Completion(job, "succeeded", 0, "success", null, durationMs, delivered.response());
    }
    if (attempt instanceof Attempt.Deferred deferred) {
      return new ActionStore.Completion(job, "queued", deferred.delayMs(), null, null, durationMs, null);
    }
    Attempt.Failed failed = (Attempt.Failed) attempt;
    if (!failed.retryable()) {
      return new ActionStore.Completion(job, "failed", 0, "failed", failed.error(), durationMs, failed.response());
    }
    if (job.lastAttempt()) {
      return new ActionStore.Completion(job, "dead", 0, "failed", failed.error(), durationMs, failed.response());
    }
    long delay = failed.retryAfterMs() >= 0 ? Math.min(failed.retryAfterMs(), MAX_RETRY_AFTER_MS) : backoff(job.attempt());
    return new ActionStore.Completion(job, "queued", delay, "retrying", failed.error(), durationMs, failed.response());
  }

  /** Exponential backoff with full jitter: a random delay up to base * 2^(attempt-1), capped. */
  long backoff(int attempt) {
    long ceiling = Math.min(settings.backoffCapMs(), settings.backoffBaseMs() << Math.min(attempt - 1, 30));
    return ThreadLocalRandom.current().nextLong(ceiling + 1);
  }

  private Future<List<Boolean>> complete(List<ActionStore.Completion> batch) {
    return store.complete(batch, workerId).map(changed -> {
      Set<Long> held = new HashSet<>(changed);
      List<Boolean> out = new ArrayList<>(batch.size());
      batch.forEach(c -> out.add(held.contains(c.job().id())));
      return out;
    });
  }

  private void renew() {
    if (leased.isEmpty()) {
      return;
    }
    store.renew(new ArrayList<>(leased), workerId, settings.leaseSeconds())
        .onFailure(e -> LOG.warn("actions: leases of {} jobs not renewed: {}", leased.size(), e.toString()));
  }

  private void count(String type, String result) {
    attemptCounters.computeIfAbsent(type + ":" + result, k -> Counter.builder("kos_actions_attempts")
        .description("delivery attempts by action type and result (success, retrying, failed, deferred)")
        .tag("type", type).tag("result", result).register(env().meters())).increment();
  }
}
