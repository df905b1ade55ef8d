package io.kos.actions;

import io.vertx.core.Future;

/** Delivers one attempt of a job of its action type. */
interface Executor {

  /** The attempt's end; a failed future is judged by {@link Attempt#ofFailure}. */
  Future<Attempt> run(Job job);
}
