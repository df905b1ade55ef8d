package io.kos.ingest.api;

import io.vertx.core.json.JsonObject;

import java.util.Collections;

/**
 * One event of the log as consumers receive it: its seq and its fields as the ingest API shows them
 * ({@code docs/ingest.md}: numbers where JSON holds them exactly, uint256 as decimal strings). The
 * fields are read-only, so one instance can be handed to every local subscriber without a copy;
 * {@code fields().copy()} gives a mutable one.
 *
 * @param seq    the event's place in the log
 * @param fields every stored column of the event, {@code seq} included, absent where null
 */
public record Event(long seq, JsonObject fields) {

  /** Wraps the fields read-only (they are not copied: the caller hands them over). */
  public static Event of(long seq, JsonObject fields) {
    return new Event(seq, readOnly(fields));
  }

  public String id() {
    return fields.getString("id");
  }

  public long chainId() {
    return fields.getLong("chain_id");
  }

  public String registry() {
    return fields.getString("registry");
  }

  public String eventType() {
    return fields.getString("event_type");
  }

  /** The agent id as a decimal string (uint256). */
  public String agentId() {
    return fields.getString("agent_id");
  }

  private static JsonObject readOnly(JsonObject fields) {
    return new JsonObject(Collections.unmodifiableMap(fields.getMap()));
  }
}
