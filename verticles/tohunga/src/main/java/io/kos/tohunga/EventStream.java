package io.kos.tohunga;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

import java.util.ArrayDeque;

/**
 * A stream of Server-Sent Events pushed by the verticle (a job's progress), held while the reader
 * is paused. Events are small and few (about one a second per job); past {@link #MAX_HELD} held the
 * oldest are dropped, which only skips intermediate progress. Used on one event loop.
 */
final class EventStream implements ReadStream<Buffer> {

  static final int MAX_HELD = 1000;

  private final ArrayDeque<Buffer> held = new ArrayDeque<>();
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private long demand = Long.MAX_VALUE;
  private boolean ending;
  private boolean ended;

  /** Pushes one event ({@code event: <name>}, {@code data: <one line of JSON>}). */
  void event(String name, String data) {
    push(Buffer.buffer("event: " + name + "\ndata: " + data + "\n\n"));
  }

  /** A comment line: keeps proxies and the pull from timing out while nothing happens. */
  void keepAlive() {
    push(Buffer.buffer(": keep-alive\n\n"));
  }

  private void push(Buffer chunk) {
    if (ending) {
      return;
    }
    if (held.size() >= MAX_HELD) {
      held.poll();
    }
    held.add(chunk);
    flush();
  }

  /** Ends after what is held has been read. */
  void end() {
    ending = true;
    flush();
  }

  private void flush() {
    while (demand > 0 && handler != null && !held.isEmpty()) {
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      handler.handle(held.poll());
    }
    if (ending && held.isEmpty() && !ended && endHandler != null) {
      ended = true;
      endHandler.handle(null);
    }
  }

  @Override
  public EventStream exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public EventStream handler(Handler<Buffer> handler) {
    this.handler = handler;
    flush();
    return this;
  }

  @Override
  public EventStream pause() {
    demand = 0;
    return this;
  }

  @Override
  public EventStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public EventStream fetch(long amount) {
    demand = amount == Long.MAX_VALUE || demand == Long.MAX_VALUE || demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
    flush();
    return this;
  }

  @Override
  public EventStream endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    flush();
    return this;
  }
}
