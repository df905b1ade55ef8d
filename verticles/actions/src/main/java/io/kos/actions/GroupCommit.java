package io.kos.actions;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Writes what arrives while a write is in flight as one statement once it is done (group commit):
 * under load each statement carries many rows, and an idle path still writes one row at once.
 * Used on one event-loop context only.
 *
 * @param <I> one item to write
 * @param <O> the write's answer for one item
 */
final class GroupCommit<I, O> {

  private final Function<List<I>, Future<List<O>>> writer;
  private final int maxBatch;
  private final int maxInFlight;
  private final List<I> items = new ArrayList<>();
  private final List<Promise<O>> waiters = new ArrayList<>();
  private int inFlight;

  /** @param writer writes a batch and answers one result per item, in order */
  GroupCommit(Function<List<I>, Future<List<O>>> writer, int maxBatch, int maxInFlight) {
    this.writer = writer;
    this.maxBatch = maxBatch;
    this.maxInFlight = maxInFlight;
  }

  Future<O> add(I item) {
    Promise<O> promise = Promise.promise();
    items.add(item);
    waiters.add(promise);
    flush();
    return promise.future();
  }

  private void flush() {
    while (inFlight < maxInFlight && !items.isEmpty()) {
      int n = Math.min(maxBatch, items.size());
      List<I> batch = new ArrayList<>(items.subList(0, n));
      List<Promise<O>> promises = new ArrayList<>(waiters.subList(0, n));
      items.subList(0, n).clear();
      waiters.subList(0, n).clear();
      inFlight++;
      Future<List<O>> written;
      try {
        written = writer.apply(batch);
      } catch (RuntimeException e) {
        written = Future.failedFuture(e);
      }
      written.onComplete(done -> {
        inFlight--;
        for (int i = 0; i < promises.size(); i++) {
          if (done.succeeded()) {
            promises.get(i).complete(done.result().get(i));
          } else {
            promises.get(i).fail(done.cause());
          }
        }
        flush();
      });
    }
  }
}
