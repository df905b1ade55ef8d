package io.kos.actions;

import io.kos.actions.api.ActionsAddresses;
import io.kos.verticle.KosVerticle;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.SqlConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per node: relays the database's {@code NOTIFY kos_action_jobs} to the node's workers (on one
 * connection it keeps LISTENing, reconnecting when it drops), reclaims the jobs of workers that
 * stopped (expired leases, on any node), and deletes what is older than {@code retention_days}.
 */
final class HousekeeperVerticle extends KosVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(HousekeeperVerticle.class);
  private static final long RELISTEN_MS = 1000;
  private static final long PRUNE_MS = 3_600_000;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private ActionsSettings settings;
  private ActionStore store;
  private SqlConnection listening;
  private boolean stopped;
  private String reclaimError;

  @Override
  protected Future<?> setUp() {
    settings = ActionsSettings.parse(env().config());
    store = new ActionStore(pool());
    vertx.setPeriodic(Math.max(1000, settings.leaseSeconds() * 1000L / 2), id -> reclaim());
    vertx.setTimer(60_000, id -> prune());
    vertx.setPeriodic(PRUNE_MS, id -> prune());
    reportHealth(() -> new JsonObject().put("ok", listening != null && reclaimError == null).put("listening", listening != null)
        .put("reclaim_error", reclaimError));
    return listen();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    return listening == null ? Future.succeededFuture() : listening.close();
  }

  private Future<Void> listen() {
    return pool().getConnection().compose(connection -> {
      PgConnection pg = PgConnection.cast(connection);
      pg.notificationHandler(notification -> vertx.eventBus().publish(WorkerVerticle.WAKE, null, LOCAL));
      pg.closeHandler(v -> {
        listening = null;
        if (!stopped) {
          LOG.warn("actions: the LISTEN connection closed; workers poll until it is back");
          vertx.setTimer(RELISTEN_MS, id -> relisten());
        }
      });
      return connection.query("LISTEN kos_action_jobs").execute().map(rows -> {
        listening = connection;
        // jobs queued while nobody listened
        vertx.eventBus().publish(WorkerVerticle.WAKE, null, LOCAL);
        return (Void) null;
      }).onFailure(e -> connection.close());
    });
  }

  private void relisten() {
    if (!stopped) {
      listen().onFailure(e -> vertx.setTimer(RELISTEN_MS, id -> relisten()));
    }
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
