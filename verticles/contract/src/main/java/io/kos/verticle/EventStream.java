package io.kos.verticle;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;

import java.util.ArrayDeque;
import java.util.List;

/**
 * A stream of Server-Sent Events pushed by the verticle (a job's progress), held while the reader
 * is paused. Events are small and few (about one a second per job); past {@link #MAX_HELD} held the
 * oldest are dropped, which only skips intermediate progress. Used on one event loop.
 */
public final class EventStream implements ReadStream<Buffer> {

  static final int MAX_HELD = 1000;
  private static final long KEEP_ALIVE_MS = 15_000;
  private static final List<String> UNFINISHED = List.of("pending", "running");

  /**
   * A job's progress as Server-Sent Events ({@code GET /jobs/{id}/events} of tohunga and ronin):
   * {@code event: job} with the job as it is now, then {@code event: progress} with each message
   * published on {@code progressAddress} about it (same {@code job_id}), a {@code : keep-alive}
   * comment every 15 s, and the end once the job's status is no longer pending or running.
   */
  public static StreamReply followJob(Vertx vertx, JsonObject job, String progressAddress) {
    String id = job.getString("job_id");
    EventStream events = new EventStream();
    events.event("job", job.encode());
    if (!UNFINISHED.contains(job.getString("status"))) {
      events.end();
      return new StreamReply("text/event-stream", -1, events, null);
    }
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(progressAddress, message -> {
      JsonObject progress = message.body();
      if (id.equals(progress.getString("job_id"))) {
        events.event("progress", progress.encode());
        if (!UNFINISHED.contains(progress.getString("status"))) {
          events.end();
        }
      }
    });
    long keepAlive = vertx.setPeriodic(KEEP_ALIVE_MS, t -> events.keepAlive());
    return new StreamReply("text/event-stream", -1, events, () -> {
      vertx.cancelTimer(keepAlive);
      consumer.unregister();
    });
  }

  private final ArrayDeque<Buffer> held = new ArrayDeque<>();
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private long demand = Long.MAX_VALUE;
  private boolean ending;
  private boolean ended;

  /** Pushes one event ({@code event: <name>}, {@code data: <one line of JSON>}). */
  public void event(String name, String data) {
    push(Buffer.buffer("event: " + name + "\ndata: " + data + "\n\n"));
  }

  /** A comment line: keeps proxies and the pull from timing out while nothing happens. */
  public void keepAlive() {
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
  public void end() {
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
