package io.kos.node.klf;

import io.kos.node.identity.NodeIdentity;
import io.kos.verticle.Addresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.KlfAnswer;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends, for the verticles of this node, KLF messages signed with its key ({@code KosVerticle.sendKlf}):
 * {@code {to, url?, type, payload}} at {@code kos.node.<did>.klf.send}, local to this node (no other
 * member signs for it). The reply is {@code {status, message}}, the receiver's signed answer once it
 * verifies (signature, {@code from} is the addressee, {@code to} this node, {@code correlation_id} the
 * sent id), or {@code {status, refusal}}, its unsigned refusal. A message that was not delivered, or
 * whose answer does not verify, fails with 502 and {@link KlfAnswer#NOT_DELIVERED}.
 */
final class KlfSender {

  private static final Logger LOG = LoggerFactory.getLogger(KlfSender.class);

  private final NodeIdentity identity;
  private final KlfClient client;
  private final KlfMetrics metrics;

  private KlfSender(NodeIdentity identity, KlfClient client, KlfMetrics metrics) {
    this.identity = identity;
    this.client = client;
    this.metrics = metrics;
  }

  /** Blocking, at start. */
  static void start(Vertx vertx, NodeIdentity identity, KlfClient client, KlfMetrics metrics) {
    KlfSender sender = new KlfSender(identity, client, metrics);
    vertx.eventBus().<JsonObject>localConsumer(Addresses.node(identity.did(), KlfAnswer.SEND_OPERATION), sender::send).completion().await();
  }

  private void send(Message<JsonObject> request) {
    JsonObject body = request.body();
    String to = body.getString("to");
    String url = body.getString("url");
    String type = body.getString("type");
    if (to == null || !KlfMessage.DID.matcher(to).matches() || !KlfMessage.TYPES.contains(type) || !(body.getValue("payload") instanceof JsonObject)
        || (url != null && OutboundHttp.urlProblem(url) != null)) {
      request.fail(422, ApiError.invalidField("to", "a KLF send needs a DID in to, a KLF type, a payload object and an http(s) url or none")
          .toJson().encode());
      return;
    }
    JsonObject message = KlfMessage.signed(identity, to, type, body.getJsonObject("payload"), null);
    client.send(url == null ? to : url, message).onComplete(answer -> {
      if (answer.body().containsKey("signature")) {
        String problem = problem(answer.body(), message);
        if (problem != null) {
          metrics.sent(type, "failed");
          LOG.warn("the answer of {} to a {} does not verify: {}", to, type, problem);
          notDelivered(request, "the answer from " + (url == null ? to : url) + " does not verify: " + problem);
          return;
        }
        metrics.sent(type, "delivered");
        request.reply(new JsonObject().put("status", answer.status()).put("message", answer.body()));
      } else {
        metrics.sent(type, "refused");
        request.reply(new JsonObject().put("status", answer.status()).put("refusal", answer.body()));
      }
    }, failure -> {
      metrics.sent(type, "failed");
      notDelivered(request, "the " + type + " to " + to + (url == null ? " over the cluster bus" : " at " + url) + " was not delivered: " + failure.getMessage());
    });
  }

  /** Why a signed answer is not the addressee's answer to this message; null when it is. */
  private String problem(JsonObject answer, JsonObject sent) {
    try {
      KlfMessage.checkSigned(answer);
    } catch (ApiError e) {
      return e.getMessage();
    }
    if (!sent.getString("to").equals(answer.getString("from"))) {
      return "it is signed by " + answer.getString("from") + ", not by " + sent.getString("to");
    }
    if (!identity.did().equals(answer.getString("to"))) {
      return "it is addressed to " + answer.getString("to");
    }
    if (!sent.getString("id").equals(answer.getJsonObject("metadata").getString("correlation_id"))) {
      return "its correlation_id is not the id of the message sent";
    }
    return null;
  }

  private static void notDelivered(Message<JsonObject> request, String why) {
    request.fail(502, new JsonObject().put("error", KlfAnswer.NOT_DELIVERED).put("message", why).encode());
  }
}
