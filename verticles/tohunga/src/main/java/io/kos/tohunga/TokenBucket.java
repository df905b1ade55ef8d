package io.kos.tohunga;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * A source's request rate limit: {@code burst} requests at once, refilled at {@code perSecond}. One
 * per source on a node, shared by the jobs reading it; used on the runner's event loop only.
 */
final class TokenBucket {

  static final TokenBucket UNLIMITED = new TokenBucket(null, 0, 1);

  private final Vertx vertx;
  private final double perSecond;
  private final int burst;
  private double tokens;
  private long refilledAt = System.nanoTime();

  TokenBucket(Vertx vertx, double perSecond, int burst) {
    this.vertx = vertx;
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
  }

  boolean sameLimit(double perSecond, int burst) {
    return this.perSecond == perSecond && this.burst == burst;
  }

  /** Completes when a request may be sent: tokens go below zero while takers wait, each waiting out its share of the debt. */
  Future<Void> take() {
    if (perSecond <= 0) {
      return Future.succeededFuture();
    }
    long now = System.nanoTime();
    tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * perSecond);
    refilledAt = now;
    tokens -= 1;
    if (tokens >= 0) {
      return Future.succeededFuture();
    }
    Promise<Void> granted = Promise.promise();
    vertx.setTimer(Math.max(1, (long) (-tokens / perSecond * 1000)), id -> granted.complete());
    return granted.future();
  }
}
