package io.kos.ingest;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Valid ERC-8004 events for tests, distinct by chain, block and log index. */
final class Events {

  static final String CLIENT = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";

  private Events() {
  }

  /** A NewFeedback event in block {@code block} at block time {@code timestamp}. */
  static JsonObject feedback(long chainId, long block, int logIndex, long timestamp) {
    return new JsonObject()
        .put("chain_id", chainId)
        .put("block_number", block)
        .put("block_hash", hash(chainId * 1_000_000_000L + block))
        .put("transaction_hash", hash(block * 10_000 + logIndex + 7))
        .put("log_index", logIndex)
        .put("timestamp", timestamp)
        .put("registry", "reputation")
        .put("event_type", "NewFeedback")
        .put("agent_id", "115792089237316195423570985008687907853269984665640564039457584007913129639935")
        .put("client_address", CLIENT)
        .put("score", 87)
        .put("tag1", tag("quality"))
        .put("tag2", hash(99))
        .put("file_uri", "ipfs://bafy/feedback.json")
        .put("file_hash", hash(5));
  }

  /** A producer as the push API expects one: an editor's API key. */
  static Http producer(TestNode node) {
    return node.http().withApiKey(Accounts.apiKey(node.user("producer", "editor"), "producer"));
  }

  static JsonObject batch(JsonObject... events) {
    return new JsonObject().put("events", new JsonArray(java.util.List.of((Object[]) events)));
  }

  static String hash(long n) {
    return "0x" + String.format("%064x", n);
  }

  /** A short string as Solidity stores it in bytes32: UTF-8, zero-padded on the right. */
  static String tag(String text) {
    byte[] padded = new byte[32];
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(bytes, 0, padded, 0, bytes.length);
    return "0x" + HexFormat.of().formatHex(padded);
  }
}
