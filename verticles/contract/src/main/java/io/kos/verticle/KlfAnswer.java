package io.kos.verticle;

import io.vertx.core.json.JsonObject;

/**
 * What another node answered a KLF message this node signed and sent for a verticle
 * ({@link KosVerticle#sendKlf}): its signed answer, already verified (signed by the addressee, to
 * this node, about this message), or its unsigned refusal {@code {error, message}} (docs/klf.md).
 *
 * @param status  the receiver's HTTP status (or bus failure code)
 * @param message the signed answer envelope; null when refused
 * @param refusal the refusal; null when answered
 */
public record KlfAnswer(int status, JsonObject message, JsonObject refusal) {

  /** The operation of the node's sender: {@code kos.node.<did>.klf.send}. */
  public static final String SEND_OPERATION = "klf.send";
  /** The failure code in the JSON of a send that reached no answer, or an answer that does not verify (status 502). */
  public static final String NOT_DELIVERED = "not_delivered";

  /** The message reached no answer, or its answer did not verify; the message says which and where. */
  public static final class NotDelivered extends RuntimeException {

    NotDelivered(String message) {
      super(message, null, false, false);
    }
  }

  static KlfAnswer of(JsonObject reply) {
    return new KlfAnswer(reply.getInteger("status"), reply.getJsonObject("message"), reply.getJsonObject("refusal"));
  }

  /** The answer's payload; null when refused. */
  public JsonObject payload() {
    return message == null ? null : message.getJsonObject("payload");
  }

  /** The refusal's error code, or the {@code error.code} of a signed result that carries one; null for a success. */
  public String errorCode() {
    if (refusal != null) {
      return refusal.getString("error");
    }
    JsonObject error = payload() == null ? null : payload().getJsonObject("error");
    return error == null ? null : error.getString("code");
  }

  /** The refusal's message, or the signed error's. */
  public String errorMessage() {
    if (refusal != null) {
      return refusal.getString("message");
    }
    JsonObject error = payload() == null ? null : payload().getJsonObject("error");
    return error == null ? null : error.getString("message");
  }

  /** What went wrong, for a log line or a status message: {@code code: message}, or the HTTP status when there is no code. */
  public String describe() {
    return errorCode() == null ? "HTTP " + status : errorCode() + ": " + errorMessage();
  }

  public boolean ok() {
    return status >= 200 && status < 300 && errorCode() == null;
  }
}
