package io.kos.ingest.api;

import io.kos.verticle.SharedCodec;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * Carries {@link Event}s on the event bus: to a local subscriber the same read-only instance (no
 * copy per subscriber, as a {@code JsonObject} body would cost), to another cluster member its
 * fields as JSON.
 */
public final class EventCodec extends SharedCodec<Event> {

  public EventCodec() {
    super("kos.ingest.event");
  }

  /** Registers the codec on this Vert.x unless it is there already (every producer and consumer calls it). */
  public static void register(Vertx vertx) {
    SharedCodec.register(vertx, Event.class, new EventCodec());
  }

  @Override
  public void encodeToWire(Buffer buffer, Event event) {
    Buffer json = event.fields().toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public Event decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    JsonObject fields = new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length));
    return Event.of(fields.getLong("seq"), fields);
  }
}
