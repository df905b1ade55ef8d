package io.kos.ingest;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/** The few Ethereum JSON-RPC calls the follower makes, over HTTP. */
final class EthRpc {

  /** A JSON-RPC error answer, or an HTTP failure of the endpoint. */
  static final class RpcError extends RuntimeException {
    final int code;

    RpcError(int code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    /**
     * Providers say "too many results / range too large" in many words; these are the ones seen
     * from geth, erigon, Alchemy, Infura, QuickNode and ganache.
     */
    boolean rangeTooLarge() {
      String text = String.valueOf(getMessage()).toLowerCase(Locale.ROOT);
      return code == -32005 || text.contains("range") || text.contains("more than") || text.contains("too many")
          || text.contains("limit exceeded") || text.contains("response size");
    }
  }

  /** What the follower needs of a block header. */
  record Block(long number, String hash, String parentHash, long timestamp) {
  }

  private final WebClient client;
  private final String url;
  private final AtomicLong ids = new AtomicLong();

  EthRpc(WebClient client, String url) {
    this.client = client;
    this.url = url;
  }

  Future<Long> chainId() {
    return call("eth_chainId", new JsonArray()).map(result -> LogDecoder.quantity((String) result));
  }

  Future<Long> blockNumber() {
    return call("eth_blockNumber", new JsonArray()).map(result -> LogDecoder.quantity((String) result));
  }

  Future<Block> block(long number) {
    return call("eth_getBlockByNumber", new JsonArray().add(hex(number)).add(false)).map(result -> {
      if (!(result instanceof JsonObject block)) {
        throw new RpcError(0, "no block " + number);
      }
      return new Block(number, block.getString("hash"), block.getString("parentHash"), LogDecoder.quantity(block.getString("timestamp")));
    });
  }

  Future<JsonArray> logs(long fromBlock, long toBlock, List<String> addresses, List<String> topics) {
    JsonObject filter = new JsonObject().put("fromBlock", hex(fromBlock)).put("toBlock", hex(toBlock))
        .put("address", new JsonArray(List.copyOf(addresses))).put("topics", new JsonArray().add(new JsonArray(List.copyOf(topics))));
    return call("eth_getLogs", new JsonArray().add(filter)).map(result -> (JsonArray) result);
  }

  private Future<Object> call(String method, JsonArray params) {
    JsonObject request = new JsonObject().put("jsonrpc", "2.0").put("id", ids.incrementAndGet()).put("method", method).put("params", params);
    return client.postAbs(url).timeout(30_000).sendJsonObject(request).map(response -> {
      if (response.statusCode() != 200) {
        throw new RpcError(response.statusCode(), method + ": HTTP " + response.statusCode());
      }
      JsonObject body = response.bodyAsJsonObject();
      JsonObject error = body.getJsonObject("error");
      if (error != null) {
        throw new RpcError(error.getInteger("code", 0), method + ": " + error.getString("message"));
      }
      return body.getValue("result");
    });
  }

  static String hex(long number) {
    return "0x" + Long.toHexString(number);
  }
}
