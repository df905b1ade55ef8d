package io.kos.verticle;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * The event-bus codec of an immutable message type: a local consumer gets the very instance that
 * was sent or published (Vert.x's JSON codecs copy the body once per local consumer), so only use
 * it for a type nobody can change. Messages of a type that never leaves its node need nothing
 * more; a type that crosses the cluster overrides {@link #encodeToWire} and {@link #decodeFromWire}.
 */
public abstract class SharedCodec<T> implements MessageCodec<T, T> {

  private final String name;

  protected SharedCodec(String name) {
    this.name = name;
  }

  /** Makes this the default codec of {@code type} on this Vert.x, unless a verticle did already. */
  public static synchronized <T> void register(Vertx vertx, Class<T> type, SharedCodec<T> codec) {
    try {
      vertx.eventBus().registerDefaultCodec(type, codec);
    } catch (IllegalStateException alreadyRegistered) {
      // another verticle of this node (or an earlier deployment) registered it: one codec serves them all
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, T message) {
    throw new UnsupportedOperationException(name + " messages stay on their node");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(name + " messages stay on their node");
  }

  @Override
  public final T transform(T message) {
    return message;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final byte systemCodecID() {
    return -1;
  }
}
