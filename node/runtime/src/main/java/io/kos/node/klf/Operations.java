package io.kos.node.klf;

import io.kos.verticle.Addresses;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.Caller;
import io.kos.verticle.KlfOperation;
import io.kos.verticle.VerticleModule;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * The task, query and command names every module of the binary declares, and the call of one: an
 * event-bus request to the verticle's operation with the sender as a node {@link Caller}, exactly
 * what the HTTP ingress sends for the route.
 */
final class Operations {

  /** A name's operation: {@code kos.<verticle>.<operation>}. */
  record Target(String verticle, KlfOperation operation) {

    String address() {
      return Addresses.of(verticle, operation.operation());
    }
  }

  /** What the operation answered: its JSON result, or an error {@code {code, message}} and the HTTP status it travels with. */
  record Outcome(Object result, JsonObject error, int status) {

    boolean ok() {
      return error == null;
    }

    static Outcome failed(String code, String message, int status) {
      return new Outcome(null, new JsonObject().put("code", code).put("message", message), status);
    }
  }

  private final Map<KlfOperation.Kind, Map<String, Target>> names = new EnumMap<>(KlfOperation.Kind.class);
  private final EventBus eventBus;

  Operations(Collection<VerticleModule> modules, EventBus eventBus) {
    this.eventBus = eventBus;
    for (KlfOperation.Kind kind : KlfOperation.Kind.values()) {
      names.put(kind, new HashMap<>());
    }
    for (VerticleModule module : modules) {
      for (KlfOperation operation : module.klfOperations()) {
        Target previous = names.get(operation.kind()).putIfAbsent(operation.name(), new Target(module.name(), operation));
        if (previous != null) {
          throw new IllegalStateException("KLF " + operation.kind().wireName() + " " + operation.name() + " is declared by both "
              + previous.verticle() + " and " + module.name());
        }
      }
    }
  }

  /** The target of a name, or null when no module declares it. */
  Target find(KlfOperation.Kind kind, String name) {
    return names.get(kind).get(name);
  }

  /**
   * Calls the operation. {@code params} is the body, and each string or number member is also a path
   * and query parameter, so the handler reads them as it reads its route's.
   */
  Future<Outcome> call(Target target, JsonObject params, Caller caller, String requestId, MultiMap extraHeaders, long timeoutMillis) {
    JsonObject asParameters = new JsonObject();
    params.forEach(entry -> {
      if (entry.getValue() instanceof String || entry.getValue() instanceof Number) {
        asParameters.put(entry.getKey(), String.valueOf(entry.getValue()));
      }
    });
    MultiMap headers = caller.addTo(MultiMap.caseInsensitiveMultiMap()
        .add(Addresses.HEADER_REQUEST_ID, requestId)
        .add(Addresses.HEADER_CLIENT_ADDRESS, caller.did()));
    if (extraHeaders != null) {
      headers.addAll(extraHeaders);
    }
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMillis).setHeaders(headers);
    return eventBus.request(target.address(), ApiRequest.envelope(asParameters, asParameters.copy(), params), options)
        .map(reply -> new Outcome(decode(reply.body()), null, 200))
        .otherwise(failure -> {
          if (!(failure instanceof ReplyException reply)) {
            return Outcome.failed("internal_error", "the operation failed unexpectedly", 500);
          }
          return switch (reply.failureType()) {
            case NO_HANDLERS -> Outcome.failed("verticle_unavailable", "no node of this cluster serves " + target.verticle() + " right now", 503);
            case TIMEOUT -> Outcome.failed(KlfErrors.TIMEOUT, "the operation did not finish within " + timeoutMillis + " ms", 504);
            default -> fromError(reply);
          };
        });
  }

  private static Outcome fromError(ReplyException reply) {
    int status = reply.failureCode() >= 400 && reply.failureCode() <= 599 ? reply.failureCode() : 500;
    try {
      JsonObject body = new JsonObject(String.valueOf(reply.getMessage()));
      JsonObject error = new JsonObject().put("code", body.getString("error", "internal_error"))
          .put("message", body.getString("message", ""));
      body.forEach(entry -> {
        if (!entry.getKey().equals("error") && !entry.getKey().equals("message")) {
          error.put(entry.getKey(), entry.getValue());
        }
      });
      return new Outcome(null, error, status);
    } catch (DecodeException | ClassCastException e) {
      return Outcome.failed("internal_error", "the operation failed", status);
    }
  }

  private static Object decode(Object body) {
    if (body instanceof Buffer buffer) {
      return buffer.length() == 0 ? null : Json.decodeValue(buffer);
    }
    return body;
  }
}
