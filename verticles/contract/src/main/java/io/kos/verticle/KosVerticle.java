package io.kos.verticle;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Base of every kOS verticle. Subclasses register their operations in {@link #start()} with
 * {@link #serve}; the base replies, maps failures to the error convention and makes the deployment
 * wait until every consumer is registered cluster-wide, so a verticle is reachable once deployed.
 */
public abstract class KosVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(KosVerticle.class);

  private VerticleEnv env;
  private final List<Future<Void>> registrations = new ArrayList<>();

  /** Called by the node before deployment. */
  public final KosVerticle bind(VerticleEnv env) {
    this.env = Objects.requireNonNull(env);
    return this;
  }

  protected final VerticleEnv env() {
    return env;
  }

  protected final Pool pool() {
    return env.pool();
  }

  protected final String name() {
    return env.name();
  }

  @Override
  public final Future<?> start() throws Exception {
    return setUp().compose(v -> Future.all(registrations)).mapEmpty();
  }

  /** Registers operations with {@link #serve} and prepares state; the verticle is live when it completes. */
  protected abstract Future<?> setUp() throws Exception;

  /**
   * Serves {@code kos.<name>.<operation>}. The handler returns a JSON value, an {@link ApiResponse},
   * a {@link StreamReply} (a body pulled in chunks: files, Server-Sent Events) or null; the reply carries it as a JSON-encoded {@link Buffer}. It fails with an
   * {@link ApiError} for a caller's mistake. An unavailable database
   * becomes 503; anything else becomes 500 {@code internal_error} and is logged.
   */
  protected final void serve(String operation, Function<ApiRequest, Future<?>> handler) {
    serveAt(Addresses.of(name(), operation), handler);
  }

  /**
   * As {@link #serve}, at this node's own address for the operation ({@link Addresses#onNode}), for
   * what only this node can answer (a file in its data dir): other nodes send there by DID.
   */
  protected final void serveOnThisNode(String operation, Function<ApiRequest, Future<?>> handler) {
    serveAt(Addresses.onNode(name(), operation, env.nodeId()), handler);
  }

  private void serveAt(String address, Function<ApiRequest, Future<?>> handler) {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(address, message -> {
      ApiRequest request = new ApiRequest(message.body() == null ? new JsonObject() : message.body(), message.headers());
      Future<?> result;
      try {
        result = handler.apply(request);
      } catch (Throwable t) {
        result = Future.failedFuture(t);
      }
      result.onComplete(value -> reply(message, value), failure -> replyFailure(message, address, failure));
    });
    registrations.add(consumer.completion());
  }

  /**
   * Adds this verticle's state to the node's {@code /health/ready}, under
   * {@code checks.verticles.health.<name>}: the probe returns {@code {"ok": bool, ...detail}}. A
   * check that is not ok marks the node {@code degraded} (still ready: the rest of it works) so that
   * an operator sees it. Local to this node; register it from the one instance that owns the state.
   */
  protected final void reportHealth(Supplier<JsonObject> probe) {
    MessageConsumer<Object> consumer = vertx.eventBus().localConsumer(Addresses.health(name()), message -> message.reply(probe.get()));
    registrations.add(consumer.completion());
  }

  /**
   * Lets the node's maintenance drop this verticle's expired data now (task
   * {@code drop_expired_partitions}, docs/maintenance.md), beside the verticle's own schedule:
   * {@code dropExpired} drops what its retention says has expired and gives the names of what
   * went (partitions). Local to this node; register it from the one instance that owns the retention.
   */
  protected final void serveRetention(Supplier<Future<List<String>>> dropExpired) {
    MessageConsumer<Object> consumer = vertx.eventBus().localConsumer(Addresses.retention(name()), message -> dropExpired.get().onComplete(
        dropped -> message.reply(new JsonObject().put("dropped", new JsonArray(dropped))),
        failure -> message.fail(500, String.valueOf(failure.getMessage()))));
    registrations.add(consumer.completion());
  }

  /**
   * Reports how far a KLF task has come (docs/klf.md): the node that runs the job records it and
   * pushes a signed {@code task_progress} to the requester. Does nothing when the request is not a
   * KLF task (an HTTP call of the same operation), so a handler calls it either way.
   *
   * @param percent 0 to 100
   */
  protected final void reportProgress(ApiRequest request, int percent, String message) {
    String address = request.header(Addresses.HEADER_KLF_PROGRESS);
    String job = request.header(Addresses.HEADER_KLF_JOB);
    if (address != null && job != null) {
      vertx.eventBus().send(address, new JsonObject().put("job_id", job)
          .put("progress", Math.max(0, Math.min(100, percent))).put("message", message));
    }
  }

  /**
   * Where the requester of a KLF task wants to hear of it ({@code metadata.reply_to}: a
   * {@code /klf/v1/message} URL or a DID of the cluster), or null (no reply_to, or not a KLF task).
   * For a task whose work outlives its call (a job that waits for someone), so that the verticle
   * itself tells the requester later, with {@link #sendKlf}.
   */
  protected static String klfReplyTo(ApiRequest request) {
    return request.header(Addresses.HEADER_KLF_REPLY_TO);
  }

  /**
   * Signs a KLF message with this node's key and sends it to the node {@code to} (docs/klf.md,
   * "Sending from a verticle"): at {@code url} (its base or {@code /klf/v1/message} URL, through the
   * outbound guard) or, when {@code url} is null, over the cluster bus. The future holds the
   * receiver's verified answer or its refusal, and fails with {@link KlfAnswer.NotDelivered} when
   * nothing that verifies came back.
   */
  protected final Future<KlfAnswer> sendKlf(String to, String url, String type, JsonObject payload, long timeoutMillis) {
    JsonObject request = new JsonObject().put("to", to).put("url", url).put("type", type).put("payload", payload);
    return vertx.eventBus().<JsonObject>request(Addresses.node(env.nodeId(), KlfAnswer.SEND_OPERATION), request,
        new DeliveryOptions().setSendTimeout(timeoutMillis)).map(reply -> KlfAnswer.of(reply.body()))
        .recover(failure -> Future.failedFuture(new KlfAnswer.NotDelivered(
            failure instanceof io.vertx.core.eventbus.ReplyException reply && reply.failureCode() == 502
                ? new JsonObject(reply.getMessage()).getString("message")
                : "this node's KLF sender did not take the message: " + failure.getMessage())));
  }

  /**
   * Replies with the JSON already encoded: the ingress writes the bytes as they are, and a reply
   * that crosses the cluster is encoded once, here, instead of encoded, decoded and re-encoded.
   */
  private void reply(Message<JsonObject> message, Object value) {
    if (value instanceof StreamReply stream) {
      stream.open(vertx, message);
      return;
    }
    if (value instanceof StreamReply.Forward forward) {
      forward.reply(message);
      return;
    }
    int status = 0;
    Object body = value;
    if (value instanceof ApiResponse response) {
      status = response.status();
      body = response.body();
    }
    Buffer encoded = body == null ? null : body instanceof Buffer buffer ? buffer : Json.encodeToBuffer(body);
    if (status == 0) {
      message.reply(encoded);
    } else {
      message.reply(encoded, new DeliveryOptions().addHeader(Addresses.HEADER_STATUS, Integer.toString(status)));
    }
  }

  private static void replyFailure(Message<JsonObject> message, String address, Throwable failure) {
    String requestId = message.headers().get(Addresses.HEADER_REQUEST_ID);
    if (ApiError.isUnexpected(failure)) {
      LOG.error("{} failed (request {})", address, requestId, failure);
    }
    ApiError error = ApiError.of(failure, requestId);
    message.fail(error.status(), error.toJson().encode());
  }
}
