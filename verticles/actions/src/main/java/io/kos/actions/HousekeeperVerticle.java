package io.kos.actions;

import io.kos.actions.api.ActionsAddresses;
import io.kos.verticle.KosVerticle;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.pubsub.PgSubscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per node: relays the database's {@code NOTIFY kos_action_jobs} to the node's workers (a
 * LISTEN subscriber on a connection of its own, reconnecting every second when it drops), reclaims
 * the jobs of workers that stopped (expired leases, on any node), and deletes what is older than
 * {@code retention_days}.
 */
final class HousekeeperVerticle extends KosVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(HousekeeperVerticle.class);
  private static final long RELISTEN_MS = 1000;
  private static final String CHANNEL = "kos_action_jobs";
  private static final long PRUNE_MS = 3_600_000;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private ActionsSettings settings;
  private ActionStore store;
  private PgSubscriber subscriber;
  private boolean listening;
  private boolean stopped;
  private String reclaimError;

  @Override
  protected Future<?> setUp() {
    settings = ActionsSettings.parse(env().config());
    store = new ActionStore(pool());
    vertx.setPeriodic(Math.max(1000, settings.leaseSeconds() * 1000L / 2), id -> reclaim());
    vertx.setTimer(60_000, id -> prune());
    vertx.setPeriodic(PRUNE_MS, id -> prune());
    reportHealth(() -> {
      boolean connected = listening && subscriber.actualConnection() != null;
      return new JsonObject().put("ok", connected && reclaimError == null).put("listening", connected).put("reclaim_error", reclaimError);
    });
    subscriber = env().listeners().get().reconnectPolicy(retries -> RELISTEN_MS);
    subscriber.channel(CHANNEL)
        .subscribeHandler(v -> {
          listening = true;
          // jobs queued while nobody listened
          vertx.eventBus().publish(WorkerVerticle.WAKE, null, LOCAL);
        })
        .handler(payload -> vertx.eventBus().publish(WorkerVerticle.WAKE, null, LOCAL));
    subscriber.closeHandler(v -> {
      listening = false;
      if (!stopped) {
        LOG.warn("actions: the LISTEN connection is gone for good; workers poll every poll_ms");
      }
    });
    return subscriber.connect();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    return subscriber == null ? Future.succeededFuture() : subscriber.close();
  }

  private void reclaim() {
    store.reclaim().onSuccess(reclaimed -> {
      reclaimError = null;
      boolean requeued = false;
      for (ActionStore.Reclaimed job : reclaimed) {
        LOG.info("actions: job {} reclaimed ({}): {}", job.id(), job.status(), job.error());
        if (job.status().equals("dead")) {
          vertx.eventBus().publish(ActionsAddresses.OUTCOME, WorkerVerticle.outcome(job.id(), job.attempt(), job.triggerId(), job.actionId(),
              job.eventId(), job.idempotencyKey(), job.actionType(), "dead", job.error()));
        } else {
          requeued = true;
        }
      }
      if (requeued) {
        store.wake();
      }
    }).onFailure(e -> reclaimError = e.getMessage());
  }

  /** Deletes in chunks until a chunk comes back short, so a backlog is worked off in one run. */
  private void prune() {
    store.pruneResults(settings.retentionDays()).compose(results -> store.pruneJobs(settings.retentionDays()).map(jobs -> {
      if (results + jobs > 0) {
        LOG.info("actions: retention deleted {} results and {} jobs older than {} days", results, jobs, settings.retentionDays());
      }
      if (!stopped && (results == ActionStore.PRUNE_CHUNK || jobs == ActionStore.PRUNE_CHUNK)) {
        vertx.runOnContext(v -> prune());
      }
      return null;
    })).onFailure(e -> LOG.warn("actions: retention failed: {}", e.toString()));
  }
}
