package io.kos.ingest.api;

import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;

/**
 * An agent as the log says now: the latest URI ({@code Registered}, {@code UriUpdated} /
 * {@code URIUpdated}), the latest owner ({@code Registered}, ERC-721 {@code Transfer}) and each
 * metadata key's latest value ({@code MetadataSet}, bytes as 0x hex).
 *
 * @param agentId uint256 as a decimal string
 * @param lastSeq the seq of the newest identity event folded in
 */
public record Agent(long chainId, String agentId, String tokenUri, String owner, Map<String, String> metadata, long lastSeq) {

  public Agent {
    metadata = Map.copyOf(metadata);
  }

  public JsonObject toJson() {
    return new JsonObject().put("chain_id", chainId).put("agent_id", agentId).put("token_uri", tokenUri).put("owner", owner)
        .put("metadata", new JsonObject(new TreeMap<>(metadata))).put("last_seq", lastSeq);
  }

  public static Agent fromJson(JsonObject json) {
    Map<String, String> metadata = new TreeMap<>();
    json.getJsonObject("metadata", new JsonObject()).forEach(entry -> metadata.put(entry.getKey(), (String) entry.getValue()));
    return new Agent(json.getLong("chain_id"), json.getString("agent_id"), json.getString("token_uri"), json.getString("owner"), metadata,
        json.getLong("last_seq"));
  }
}
