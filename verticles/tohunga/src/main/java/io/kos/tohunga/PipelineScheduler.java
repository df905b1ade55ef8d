package io.kos.tohunga;

import io.kos.verticle.ApiError;
import io.kos.verticle.KosVerticle;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Starts the pipelines' scheduled runs. One scheduler per cluster acts at a time: each node's
 * tries to take (or renew) a lease in the database every {@code scheduler_poll_ms}; the holder
 * starts what is due on its own node. A due run moves the pipeline's {@code next_run_at} to the
 * schedule's next time after now in the same statement that claims it, so a run missed while no
 * node was up runs once, not once per missed time, and two schedulers never both start it. A run
 * still going when the next is due is not overlapped: that time is skipped.
 */
final class PipelineScheduler extends KosVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(PipelineScheduler.class);

  private TohungaSettings settings;
  private TohungaStore store;
  private Pipelines pipelines;
  private long timer;
  private boolean ticking;
  private boolean leader;

  @Override
  protected Future<?> setUp() {
    settings = TohungaSettings.parse(env().config());
    store = new TohungaStore(pool());
    pipelines = new Pipelines(vertx, store, new JobDrafts(store, new SourceConfigs(env().secrets()), env().nodeId()), env().nodeId());
    timer = vertx.setPeriodic(settings.schedulerPollMs(), id -> tick());
    reportHealth(() -> new JsonObject().put("ok", true).put("scheduler_leader", leader));
    return Future.succeededFuture();
  }

  private void tick() {
    if (ticking) {
      return;
    }
    ticking = true;
    store.run(TohungaStore.TAKE_LEASE, Tuple.of(env().nodeId(), settings.schedulerLeaseSeconds()))
        .compose(rows -> {
          boolean held = rows.size() > 0;
          if (held != leader) {
            LOG.info(held ? "this node now starts the pipelines' scheduled runs" : "another node now starts the pipelines' scheduled runs");
          }
          leader = held;
          return held ? store.run(TohungaStore.DUE_PIPELINES, Tuple.tuple()) : Future.succeededFuture(null);
        })
        .compose(due -> {
          Future<Void> chain = Future.succeededFuture();
          if (due != null) {
            for (Row pipeline : due) {
              chain = chain.compose(v -> startDue(pipeline));
            }
          }
          return chain;
        })
        .onFailure(e -> LOG.warn("the pipeline scheduler could not look for due runs: {}", e.toString()))
        .onComplete(done -> ticking = false);
  }

  private Future<Void> startDue(Row pipeline) {
    Pipelines.Spec spec = Pipelines.Spec.of(pipeline);
    OffsetDateTime next = spec.schedule() == null ? null : Schedules.next(spec.schedule(), spec.timeZone(), OffsetDateTime.now(ZoneOffset.UTC));
    return store.run(TohungaStore.ADVANCE_PIPELINE, Tuple.of(pipeline.getUUID("pipeline_id"), pipeline.getOffsetDateTime("next_run_at"), next))
        .compose(claimed -> claimed.size() == 0 ? Future.succeededFuture() : pipelines.start(pipeline, "schedule").<Void>mapEmpty()
            .recover(failure -> {
              if (failure instanceof ApiError error && error.code().equals(TohungaErrors.PIPELINE_RUNNING.code())) {
                LOG.info("pipeline {}: its previous run is still going; this scheduled time is skipped", pipeline.getUUID("pipeline_id"));
                return Future.succeededFuture();
              }
              LOG.warn("pipeline {}: the scheduled run could not start", pipeline.getUUID("pipeline_id"), failure);
              return Future.succeededFuture();
            }));
  }

  /** Gives the lease up, so that another node's scheduler takes over at its next tick instead of after the lease. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return leader ? store.run(TohungaStore.RELEASE_LEASE, Tuple.of(env().nodeId())).otherwiseEmpty() : Future.succeededFuture();
  }
}
