package io.kos.ingest;

import io.kos.verticle.KosVerticle;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * The event log's monthly partitions, once per node: at start (before the API takes pushes) and
 * hourly, the retained window and two months ahead exist and older ones are dropped. A push whose
 * month has no partition yet creates it in its own transaction, so this is ahead-of-need work only.
 * The node's maintenance may also drop the expired ones at once (drop_expired_partitions).
 */
final class PartitionVerticle extends KosVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(PartitionVerticle.class);
  private static final long AHEAD_SECONDS = 62 * 86_400L;

  private EventStore store;
  private IngestSettings settings;

  @Override
  protected Future<?> setUp() {
    settings = IngestSettings.parse(env().config());
    store = new EventStore(pool());
    serveRetention(this::dropExpired);
    long now = System.currentTimeMillis() / 1000;
    return store.prepareWindow(settings.retentionCutoff(now), now + AHEAD_SECONDS)
        .compose(created -> dropExpired())
        .onSuccess(v -> vertx.setPeriodic(Duration.ofHours(1).toMillis(), id -> housekeeping()));
  }

  private void housekeeping() {
    long now = System.currentTimeMillis() / 1000;
    store.prepareWindow(now, now + AHEAD_SECONDS).compose(v -> dropExpired())
        .onFailure(e -> LOG.warn("partition housekeeping failed: {}", e.toString()));
  }

  private Future<List<String>> dropExpired() {
    return store.dropBefore(settings.retentionCutoff(System.currentTimeMillis() / 1000)).onSuccess(dropped -> {
      if (!dropped.isEmpty()) {
        LOG.info("retention ({} days): dropped partitions {}", settings.retentionDays(), dropped);
      }
    });
  }
}
