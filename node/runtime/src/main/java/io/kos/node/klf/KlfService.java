package io.kos.node.klf;

import io.kos.node.auth.Peers;
import io.kos.node.config.KlfSettings;
import io.kos.node.identity.NodeIdentity;
import io.kos.verticle.Addresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.Caller;
import io.kos.verticle.Errors;
import io.kos.verticle.KlfOperation;
import io.kos.verticle.VerticleModule;
import io.kos.verticle.outbound.OutboundGuard;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Receives KLF messages for this node (docs/klf.md), from {@code POST /klf/v1/message} or the bus
 * address {@code kos.node.<did>.klf}, and answers them. Nothing runs before the message is proven:
 * its envelope, its signature by the key its {@code from} DID derives from, its recipient (this
 * node), its freshness, its sender on the peer list and its id not seen before. Then a query or a
 * command reaches its verticle's operation and is answered by a signed {@code data_result}; a task is
 * recorded and answered by a signed {@code task_progress} ({@link KlfTasks}); a ping by a pong. It
 * also signs and sends the messages this node's verticles send ({@link KlfSender}).
 */
public final class KlfService {

  private static final Logger LOG = LoggerFactory.getLogger(KlfService.class);
  /** Where verified messages that answer or inform (progress, responses, results, events, pongs) are published for verticles. */
  public static final String INBOUND_ADDRESS = "kos.klf.inbound";
  public static final String TASK_STATUS = "task_status";
  private static final int MAX_REMEMBERED_IDS = 1_000_000;

  /** An answer: the HTTP status (or bus failure code) and the JSON body, a signed envelope unless it is a refusal. */
  public record Reply(int status, JsonObject body) {
  }

  private final Vertx vertx;
  private final NodeIdentity identity;
  private final KlfSettings settings;
  private final Peers peers;
  private final Operations operations;
  private final KlfTasks tasks;
  private final KlfMetrics metrics;
  private final Map<UUID, Long> seen = new ConcurrentHashMap<>();

  private KlfService(Vertx vertx, NodeIdentity identity, KlfSettings settings, Peers peers, Operations operations, KlfTasks tasks,
                     KlfMetrics metrics) {
    this.vertx = vertx;
    this.identity = identity;
    this.settings = settings;
    this.peers = peers;
    this.operations = operations;
    this.tasks = tasks;
    this.metrics = metrics;
  }

  KlfTasks tasks() {
    return tasks;
  }

  /** Blocking, at start: marks interrupted tasks, then serves {@code kos.node.<did>.klf}. */
  public static KlfService start(Vertx vertx, Pool nodePool, NodeIdentity identity, KlfSettings settings, Peers peers,
                                 Collection<VerticleModule> modules, OutboundGuard outbound, MeterRegistry meters) {
    KlfMetrics metrics = new KlfMetrics(meters);
    Operations operations = new Operations(modules, vertx.eventBus());
    KlfClient client = new KlfClient(vertx, outbound, settings.ca(), 10_000);
    KlfTasks tasks = new KlfTasks(vertx, nodePool, identity, operations, client, metrics, settings.taskTimeout());
    tasks.start(settings.taskRetention());
    KlfSender.start(vertx, identity, client, metrics);
    KlfService service = new KlfService(vertx, identity, settings, peers, operations, tasks, metrics);
    vertx.eventBus().<Object>consumer(Addresses.node(identity.did(), "klf"), service::overBus).completion().await();
    vertx.setPeriodic(30_000, id -> service.forgetExpired());
    return service;
  }

  public int maxMessageBytes() {
    return settings.maxMessageBytes();
  }

  private void overBus(Message<Object> message) {
    Buffer raw = message.body() instanceof Buffer buffer ? buffer
        : message.body() instanceof JsonObject json ? json.toBuffer() : Buffer.buffer(String.valueOf(message.body()));
    receive(raw).onComplete(reply -> {
      if (reply.status() >= 400) {
        message.fail(reply.status(), reply.body().encode());
      } else {
        message.reply(reply.body().toBuffer(), new DeliveryOptions().addHeader(Addresses.HEADER_STATUS, Integer.toString(reply.status())));
      }
    }, failure -> message.fail(500, new JsonObject().put("error", "internal_error").put("message", "unexpected failure").encode()));
  }

  /** Checks and answers one message; the future fails only on a bug (an answer is a reply even for a refusal). */
  public Future<Reply> receive(Buffer raw) {
    String[] type = {"unknown"};
    Future<Reply> answered;
    try {
      if (raw.length() > settings.maxMessageBytes()) {
        throw KlfErrors.MESSAGE_TOO_LARGE.error("the message has " + raw.length() + " bytes; klf.max_message_bytes is " + settings.maxMessageBytes());
      }
      JsonObject envelope = parse(raw);
      KlfMessage.checkShape(envelope);
      type[0] = envelope.getString("type");
      answered = verified(envelope);
    } catch (RuntimeException e) {
      answered = Future.failedFuture(e);
    }
    return answered.map(reply -> {
      metrics.received(type[0], reply.status() == 202 && !reply.body().containsKey("signature") ? "accepted" : "answered");
      return reply;
    }).recover(failure -> {
      if (failure instanceof ApiError refusal) {
        metrics.received(type[0], refusal.code());
        LOG.debug("KLF {} refused: {} {}", type[0], refusal.code(), refusal.getMessage());
        return Future.succeededFuture(new Reply(refusal.status(), refusal.toJson()));
      }
      LOG.error("KLF {} failed", type[0], failure);
      metrics.received(type[0], "internal_error");
      ApiError error = ApiError.of(failure, "klf");
      return Future.succeededFuture(new Reply(error.status(), error.toJson()));
    });
  }

  private static JsonObject parse(Buffer raw) {
    try {
      return new JsonObject(raw);
    } catch (DecodeException | ClassCastException e) {
      throw Errors.MALFORMED_JSON.error("the message is not a JSON object");
    }
  }

  private Future<Reply> verified(JsonObject envelope) {
    try {
      KlfMessage.checkSignature(envelope);
    } catch (ApiError e) {
      metrics.signatureFailed();
      throw e;
    }
    if (!identity.did().equals(envelope.getString("to"))) {
      throw KlfErrors.WRONG_RECIPIENT.error("this node is " + identity.did() + ", not " + envelope.getString("to"));
    }
    checkFresh(envelope);
    String from = envelope.getString("from");
    return peers.roleOf(from).compose(role -> {
      if (role == null) {
        throw KlfErrors.UNKNOWN_NODE.error(from + " is not a peer of this node");
      }
      if (!firstSighting(UUID.fromString(envelope.getString("id")))) {
        metrics.replayRefused();
        throw KlfErrors.REPLAYED_MESSAGE.error("message " + envelope.getString("id") + " was already received");
      }
      return dispatch(envelope, Caller.node(from, role));
    });
  }

  private void checkFresh(JsonObject envelope) {
    Instant sent = KlfMessage.timestamp(envelope);
    long now = System.currentTimeMillis();
    long skew = Math.abs(now - sent.toEpochMilli());
    if (skew > settings.maxClockSkew().toMillis()) {
      throw KlfErrors.STALE_MESSAGE.error("the timestamp is " + skew / 1000 + " s from this node's clock (klf.max_clock_skew "
          + settings.maxClockSkew().toSeconds() + " s)");
    }
    Integer ttl = envelope.getJsonObject("metadata").getInteger("ttl_seconds");
    if (ttl != null && sent.toEpochMilli() + ttl * 1000L < now) {
      throw KlfErrors.STALE_MESSAGE.error("the message expired: sent " + (now - sent.toEpochMilli()) / 1000 + " s ago with ttl_seconds " + ttl);
    }
  }

  /** Remembers the id for the replay window; false when it was already there. */
  private boolean firstSighting(UUID id) {
    long now = System.currentTimeMillis();
    if (seen.size() >= MAX_REMEMBERED_IDS) {
      forgetExpired();
      if (seen.size() >= MAX_REMEMBERED_IDS) {
        throw Errors.STARTING.error("this node is receiving more KLF messages than it can remember for replay checks; retry later");
      }
    }
    Long previous = seen.putIfAbsent(id, now + settings.replayWindow().toMillis());
    if (previous == null) {
      return true;
    }
    if (previous <= now) {
      return seen.replace(id, previous, now + settings.replayWindow().toMillis());
    }
    return false;
  }

  private void forgetExpired() {
    long now = System.currentTimeMillis();
    seen.values().removeIf(expiry -> expiry <= now);
  }

  private Future<Reply> dispatch(JsonObject envelope, Caller caller) {
    JsonObject payload = envelope.getJsonObject("payload");
    return switch (envelope.getString("type")) {
      case KlfMessage.PING -> Future.succeededFuture(signed(200, envelope, KlfMessage.PONG, new JsonObject()));
      case KlfMessage.DATA_QUERY -> query(envelope, caller, name(payload, KlfOperation.Kind.QUERY), params(payload));
      case KlfMessage.CONTROL_COMMAND -> call(envelope, caller, KlfOperation.Kind.COMMAND, name(payload, KlfOperation.Kind.COMMAND), params(payload));
      case KlfMessage.TASK_REQUEST -> task(envelope, caller, name(payload, KlfOperation.Kind.TASK), params(payload));
      default -> inbound(envelope);
    };
  }

  private Future<Reply> query(JsonObject envelope, Caller caller, String name, JsonObject params) {
    if (TASK_STATUS.equals(name)) {
      return tasks.status(params.getValue("job_id") instanceof String id ? id : null, caller)
          .map(status -> result(envelope, "query_name", name, new Operations.Outcome(status, null, 200)))
          .recover(failure -> failure instanceof ApiError error
              ? Future.succeededFuture(result(envelope, "query_name", name, Operations.Outcome.failed(error.code(), error.getMessage(), error.status())))
              : Future.failedFuture(failure));
    }
    return call(envelope, caller, KlfOperation.Kind.QUERY, name, params);
  }

  private Future<Reply> call(JsonObject envelope, Caller caller, KlfOperation.Kind kind, String name, JsonObject params) {
    Operations.Target target = operations.find(kind, name);
    if (target == null) {
      return Future.succeededFuture(result(envelope, kind.nameField(), name, unknown(kind, name)));
    }
    return operations.call(target, params, caller, envelope.getString("id"), null, settings.taskTimeout().toMillis())
        .map(outcome -> result(envelope, kind.nameField(), name, outcome));
  }

  private Future<Reply> task(JsonObject envelope, Caller caller, String name, JsonObject params) {
    Operations.Target target = operations.find(KlfOperation.Kind.TASK, name);
    if (target == null) {
      Operations.Outcome unknown = unknown(KlfOperation.Kind.TASK, name);
      return Future.succeededFuture(signed(unknown.status(), envelope, KlfMessage.TASK_ERROR,
          new JsonObject().put("task_name", name).put("error", unknown.error())));
    }
    checkReplyTo(envelope.getJsonObject("metadata").getString("reply_to"));
    return tasks.accept(envelope, target, caller, params).map(progress -> signed(202, envelope, KlfMessage.TASK_PROGRESS, progress));
  }

  /** Messages that answer or inform: published for whichever verticle waits for them, acknowledged unsigned. */
  private Future<Reply> inbound(JsonObject envelope) {
    vertx.eventBus().publish(INBOUND_ADDRESS, envelope);
    return Future.succeededFuture(new Reply(202, new JsonObject().put("accepted", true).put("id", envelope.getString("id"))));
  }

  private static void checkReplyTo(String replyTo) {
    if (replyTo == null || KlfMessage.DID.matcher(replyTo).matches()) {
      return;
    }
    String problem = io.kos.verticle.outbound.OutboundHttp.urlProblem(replyTo);
    if (problem != null || !java.net.URI.create(replyTo).getPath().endsWith(KlfClient.MESSAGE_PATH)) {
      throw new ApiError(KlfErrors.INVALID_REPLY_TO, "metadata.reply_to " + (problem != null ? problem : "must end in " + KlfClient.MESSAGE_PATH),
          new JsonObject().put("field", "metadata.reply_to"));
    }
  }

  private static Operations.Outcome unknown(KlfOperation.Kind kind, String name) {
    return Operations.Outcome.failed(KlfErrors.UNKNOWN_OPERATION, "this node serves no " + kind.messageType() + " named " + name, 404);
  }

  private Reply result(JsonObject request, String nameField, String name, Operations.Outcome outcome) {
    JsonObject payload = new JsonObject().put(nameField, name).put("status", outcome.ok() ? "ok" : "error");
    if (outcome.ok()) {
      payload.put("result", outcome.result());
    } else {
      payload.put("error", outcome.error());
    }
    return signed(outcome.status(), request, KlfMessage.DATA_RESULT, payload);
  }

  private Reply signed(int status, JsonObject request, String type, JsonObject payload) {
    JsonObject metadata = new JsonObject().put("correlation_id", request.getString("id"));
    String trace = request.getJsonObject("metadata").getString("trace_id");
    if (trace != null) {
      metadata.put("trace_id", trace);
    }
    return new Reply(status, KlfMessage.signed(identity, request.getString("from"), type, payload, metadata));
  }

  private static String name(JsonObject payload, KlfOperation.Kind kind) {
    Object name = payload.getValue(kind.nameField());
    if (!(name instanceof String text) || text.isEmpty() || text.length() > 64) {
      throw ApiError.invalidField("payload." + kind.nameField(), "must be a name of 1 to 64 characters");
    }
    return text;
  }

  private static JsonObject params(JsonObject payload) {
    Object params = payload.getValue("params");
    if (params == null) {
      return new JsonObject();
    }
    if (!(params instanceof JsonObject object)) {
      throw ApiError.invalidField("payload.params", "must be an object");
    }
    return object;
  }
}
