package io.kos.actions;

import io.kos.verticle.SecretBox;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;

/**
 * A webhook call, signed per Standard Webhooks ({@code webhook-id} = the job's idempotency key,
 * so a receiver deduplicates a redelivery by it), through the outbound guard.
 */
final class RestExecutor implements Executor {

  /** What is kept of an answer's body in the attempt's result. */
  static final int KEPT_BODY_CHARS = 2000;
  private static final int MAX_ANSWER = 256 * 1024;

  private final OutboundHttp http;
  private final SecretBox secrets;
  /** Opened webhook secrets by sealed value and owner (opening costs an AES key schedule per job otherwise). */
  private final java.util.LinkedHashMap<String, String> opened = new java.util.LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(java.util.Map.Entry<String, String> eldest) {
      return size() > 1024;
    }
  };

  RestExecutor(OutboundHttp http, SecretBox secrets) {
    this.http = http;
    this.secrets = secrets;
  }

  @Override
  public Future<Attempt> run(Job job) {
    RestAction action = RestAction.parse(job.config(), "config");
    Map<String, Object> values = job.variables();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("user-agent", "kos-node").add("x-kos-delivery-id", job.idempotencyKey());
    action.headers().forEach(h -> headers.set(h.getKey(), Template.render((String) h.getValue(), values, Template.Escape.HEADER)));
    Buffer body = null;
    if (action.sendsBody()) {
      Object rendered = action.bodyTemplate() == null ? defaultBody(job) : Template.renderJson(action.bodyTemplate(), values);
      body = Json.encodeToBuffer(rendered);
      if (!headers.contains("content-type")) {
        headers.set("content-type", "application/json");
      }
    }
    if (action.secretSealed() != null) {
      String purpose = ActionConfigs.secretPurpose(job.ownerId());
      String secret = opened.computeIfAbsent(purpose + " " + action.secretSealed(), k -> secrets.open(action.secretSealed(), purpose));
      sign(headers, job.idempotencyKey(), System.currentTimeMillis() / 1000, body == null ? "" : body.toString(), secret);
    }
    String url = Template.render(action.url(), values, Template.Escape.URL);
    OutboundHttp.Request request = new OutboundHttp.Request(action.method(), url, headers, body, action.timeoutMs(),
        action.followRedirects() ? RestAction.MAX_REDIRECTS : 0, MAX_ANSWER);
    return http.send(request).map(reply -> {
      JsonObject response = response(reply);
      if (action.accepts(reply.status())) {
        return new Attempt.Delivered(response);
      }
      if (reply.status() >= 300 && reply.status() < 400) {
        return Attempt.permanent("the receiver answered a redirect (HTTP " + reply.status() + ")"
            + (action.followRedirects() ? " after " + RestAction.MAX_REDIRECTS + " redirects" : "; follow_redirects is false"));
      }
      if (reply.status() >= 200 && reply.status() < 300) {
        return new Attempt.Failed("the receiver answered HTTP " + reply.status() + ", not one of " + action.expected(), response, false, -1);
      }
      return Attempt.ofStatus(reply.status(), reply.headers(), response, "the receiver");
    });
  }

  /** Standard Webhooks: {@code v1,} base64 HMAC-SHA256 of {@code id.timestamp.body} under the secret's bytes. */
  static void sign(MultiMap headers, String id, long timestamp, String body, String secret) {
    byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] signature = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      headers.set("webhook-id", id).set("webhook-timestamp", Long.toString(timestamp))
          .set("webhook-signature", "v1," + Base64.getEncoder().encodeToString(signature));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Without a body_template: the trigger, the action and the whole event. */
  static JsonObject defaultBody(Job job) {
    return new JsonObject().put("delivery_id", job.idempotencyKey())
        .put("trigger", new JsonObject().put("id", job.triggerId() == null ? null : job.triggerId().toString()).put("name", job.triggerName()))
        .put("action_id", job.actionId()).put("event", job.event());
  }

  static JsonObject response(OutboundHttp.Reply reply) {
    String text = reply.body().toString(StandardCharsets.UTF_8);
    return new JsonObject().put("status", reply.status())
        .put("body", text.length() > KEPT_BODY_CHARS ? text.substring(0, KEPT_BODY_CHARS) + "…" : text);
  }
}
