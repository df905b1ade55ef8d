package io.kos.verticle;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.streams.ReadStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.UUID;

/**
 * An answer too large, or too long-lived, for one event-bus reply (a file, Server-Sent Events). A
 * handler returns one as its result; the verticle replies with headers naming a one-off address
 * ({@code kos.stream.<uuid>}), and the ingress, on whichever node it runs, pulls the body from it
 * chunk by chunk: one pull per chunk, the next only when the HTTP response has room, so a slow
 * client slows the source instead of filling memory. A pull with the body {@code "cancel"} (the
 * client went away) closes the source; so does no pull within the idle time.
 *
 * @param contentType the HTTP content type
 * @param length      the body's length in bytes, or -1 when not known (chunked)
 * @param source      the bytes; paused until pulled
 * @param onClose     run once when the stream ends, fails, is cancelled or idles out (may be null)
 */
public record StreamReply(String contentType, long length, ReadStream<Buffer> source, Runnable onClose) {

  /** A pull that waits longer than this for a chunk fails; an SSE source sends a comment before it. */
  public static final long PULL_TIMEOUT_MS = 60_000;
  private static final long IDLE_MS = 60_000;
  private static final Logger LOG = LoggerFactory.getLogger(StreamReply.class);

  public static final String CANCEL = "cancel";

  /**
   * A stream another verticle instance opened (on this node or another) that this handler passes on
   * as its own answer: the reply carries the same address, so the ingress pulls from that producer.
   */
  public record Forward(String address, String contentType, long length) {

    /** The stream a reply to a request announced, or null when that reply was not a stream. */
    public static Forward of(Message<?> reply) {
      String address = reply.headers().get(Addresses.HEADER_STREAM);
      if (address == null) {
        return null;
      }
      String length = reply.headers().get(Addresses.HEADER_STREAM_LENGTH);
      return new Forward(address, reply.headers().get(Addresses.HEADER_STREAM_TYPE), length == null ? -1 : Long.parseLong(length));
    }

    void reply(Message<?> message) {
      message.reply(null, headers(address, contentType, length));
    }
  }

  static DeliveryOptions headers(String address, String contentType, long length) {
    DeliveryOptions options = new DeliveryOptions().addHeader(Addresses.HEADER_STREAM, address)
        .addHeader(Addresses.HEADER_STREAM_TYPE, contentType);
    if (length >= 0) {
      options.addHeader(Addresses.HEADER_STREAM_LENGTH, Long.toString(length));
    }
    return options;
  }

  /** Registers the pull address and answers {@code message} with it. */
  void open(Vertx vertx, Message<?> message) {
    new Producer(vertx, this).start(message);
  }

  /** Serves pulls: at most one outstanding, answered with the next chunk as it arrives. */
  private static final class Producer {

    private final Vertx vertx;
    private final StreamReply reply;
    private final String address = "kos.stream." + UUID.randomUUID();
    private final ArrayDeque<Buffer> ready = new ArrayDeque<>();
    private MessageConsumer<Object> consumer;
    private Message<Object> waiting;
    private boolean ended;
    private boolean closed;
    private long idleTimer = -1;

    Producer(Vertx vertx, StreamReply reply) {
      this.vertx = vertx;
      this.reply = reply;
    }

    void start(Message<?> message) {
      ReadStream<Buffer> source = reply.source();
      source.pause();
      source.handler(chunk -> {
        if (waiting != null) {
          answer(chunk, false);
        } else {
          ready.add(chunk);
          source.pause();
        }
      });
      source.endHandler(v -> {
        ended = true;
        if (waiting != null) {
          answer(Buffer.buffer(), true);
        }
      });
      source.exceptionHandler(failure -> {
        LOG.warn("a streamed answer failed at its source", failure);
        if (waiting != null) {
          waiting.fail(500, "the stream failed");
          waiting = null;
        }
        close();
      });
      consumer = vertx.eventBus().consumer(address, this::pull);
      consumer.completion().onComplete(done -> {
        message.reply(null, headers(address, reply.contentType(), reply.length()));
        armIdle();
      });
    }

    private void pull(Message<Object> pull) {
      if (CANCEL.equals(pull.body())) {
        close();
        return;
      }
      if (waiting != null) {
        pull.fail(409, "one pull at a time");
        return;
      }
      armIdle();
      waiting = pull;
      Buffer next = ready.poll();
      if (next != null) {
        answer(next, false);
      } else if (ended) {
        answer(Buffer.buffer(), true);
      } else {
        reply.source().resume();
      }
    }

    private void answer(Buffer chunk, boolean last) {
      Message<Object> pull = waiting;
      waiting = null;
      if (last) {
        pull.reply(chunk, new DeliveryOptions().addHeader(Addresses.HEADER_STREAM_END, "true"));
        close();
      } else {
        reply.source().pause();
        pull.reply(chunk);
      }
    }

    private void armIdle() {
      if (idleTimer >= 0) {
        vertx.cancelTimer(idleTimer);
      }
      idleTimer = vertx.setTimer(IDLE_MS + PULL_TIMEOUT_MS, id -> {
        if (waiting == null) {
          close();
        }
      });
    }

    private void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (idleTimer >= 0) {
        vertx.cancelTimer(idleTimer);
      }
      consumer.unregister();
      if (!ended) {
        reply.source().handler(null);
      }
      if (reply.onClose() != null) {
        reply.onClose().run();
      }
    }
  }
}
