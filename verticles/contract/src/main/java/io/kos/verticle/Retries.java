package io.kos.verticle;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.function.IntFunction;

/** Retrying an asynchronous step that may fail for a while (a peer restarting, a connection dropped). */
public final class Retries {

  private Retries() {
  }

  /**
   * Runs {@code attempt} (given its number, from 1) until it succeeds or has failed {@code attempts}
   * times, waiting {@code baseMillis}·n² after the n-th failure (1 s, then 4 s for a base of 1000):
   * quick enough for a blip, patient enough for a restart. Fails with the last failure.
   */
  public static <T> Future<T> withBackoff(Vertx vertx, int attempts, long baseMillis, IntFunction<Future<T>> attempt) {
    return tried(vertx, attempts, baseMillis, attempt, 1);
  }

  private static <T> Future<T> tried(Vertx vertx, int attempts, long baseMillis, IntFunction<Future<T>> attempt, int n) {
    return attempt.apply(n).recover(failure -> n >= attempts ? Future.failedFuture(failure)
        : vertx.timer(baseMillis * n * n).compose(v -> tried(vertx, attempts, baseMillis, attempt, n + 1)));
  }
}
