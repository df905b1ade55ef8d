package io.kos.ingest;

import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** The few Ethereum JSON-RPC calls the follower makes, over HTTP. */
final class EthRpc {

  private static final Logger LOG = LoggerFactory.getLogger(EthRpc.class);
  /** Headers per JSON-RPC batch: one HTTP request instead of a hundred, within every provider's batch limit seen. */
  static final int BATCH = 100;

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

  private static final long TIMEOUT_MILLIS = 30_000;

  private final WebClient client;
  private final String url;
  private final AtomicLong ids = new AtomicLong();
  /** Cleared when the endpoint answers a batch with a single error: it takes one call per request. */
  private boolean batches = true;

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
    return call("eth_getBlockByNumber", blockParams(number)).map(result -> block(number, result));
  }

  /**
   * The headers of many blocks, in the order asked: JSON-RPC batches of {@link #BATCH} calls, so
   * a range with logs in every block costs a few HTTP requests, not thousands (hosted endpoints
   * limit requests per second). An endpoint that answers a batch with a single error (JSON-RPC's
   * "batches not supported") gets one call per block from then on.
   */
  Future<List<Block>> blocks(List<Long> numbers) {
    List<Future<List<Block>>> parts = new ArrayList<>();
    for (int i = 0; i < numbers.size(); i += BATCH) {
      List<Long> part = numbers.subList(i, Math.min(i + BATCH, numbers.size()));
      parts.add(batches ? blockBatch(part) : oneByOne(part));
    }
    return Future.all(parts).map(all -> {
      List<Block> blocks = new ArrayList<>(numbers.size());
      for (int i = 0; i < parts.size(); i++) {
        blocks.addAll(all.<List<Block>>resultAt(i));
      }
      return blocks;
    });
  }

  private Future<List<Block>> blockBatch(List<Long> numbers) {
    JsonArray batch = new JsonArray();
    long firstId = ids.getAndAdd(numbers.size()) + 1;
    for (int i = 0; i < numbers.size(); i++) {
      batch.add(request(firstId + i, "eth_getBlockByNumber", blockParams(numbers.get(i))));
    }
    return client.postAbs(url).timeout(TIMEOUT_MILLIS).sendBuffer(batch.toBuffer()).compose(response -> {
      if (response.statusCode() != 200) {
        throw new RpcError(response.statusCode(), "eth_getBlockByNumber batch: HTTP " + response.statusCode());
      }
      Object body = Json.decodeValue(response.bodyAsBuffer());
      if (!(body instanceof JsonArray answers)) {
        batches = false;
        LOG.info("{} does not take JSON-RPC batches ({}); one call per block header from now on", url, body);
        return oneByOne(numbers);
      }
      Map<Long, Object> byId = new HashMap<>();
      for (int i = 0; i < answers.size(); i++) {
        JsonObject answer = answers.getJsonObject(i);
        byId.put(answer.getLong("id", -1L), result("eth_getBlockByNumber", answer));
      }
      List<Block> blocks = new ArrayList<>(numbers.size());
      for (int i = 0; i < numbers.size(); i++) {
        if (!byId.containsKey(firstId + i)) {
          throw new RpcError(0, "eth_getBlockByNumber batch: no answer for block " + numbers.get(i));
        }
        blocks.add(block(numbers.get(i), byId.get(firstId + i)));
      }
      return Future.succeededFuture(blocks);
    });
  }

  private Future<List<Block>> oneByOne(List<Long> numbers) {
    List<Future<Block>> calls = numbers.stream().map(this::block).toList();
    return Future.all(calls).map(all -> all.<Block>list());
  }

  private static JsonArray blockParams(long number) {
    return new JsonArray().add(hex(number)).add(false);
  }

  private static Block block(long number, Object result) {
    if (!(result instanceof JsonObject block)) {
      throw new RpcError(0, "no block " + number);
    }
    return new Block(number, block.getString("hash"), block.getString("parentHash"), LogDecoder.quantity(block.getString("timestamp")));
  }

  /** True when {@code address} holds contract code at {@code block} ({@code eth_getCode}). */
  Future<Boolean> hasCode(String address, long block) {
    return call("eth_getCode", new JsonArray().add(address).add(hex(block))).map(code -> code instanceof String c && c.length() > 2);
  }

    /** Every log of these contracts in the range, whatever its topics: the caller counts what it cannot decode. */
  Future<JsonArray> logs(long fromBlock, long toBlock, List<String> addresses) {
    JsonObject filter = new JsonObject().put("fromBlock", hex(fromBlock)).put("toBlock", hex(toBlock))
        .put("address", new JsonArray(List.copyOf(addresses)));
    return call("eth_getLogs", new JsonArray().add(filter)).map(result -> (JsonArray) result);
  }

  private Future<Object> call(String method, JsonArray params) {
    return client.postAbs(url).timeout(TIMEOUT_MILLIS).sendJsonObject(request(ids.incrementAndGet(), method, params)).map(response -> {
      if (response.statusCode() != 200) {
        throw new RpcError(response.statusCode(), method + ": HTTP " + response.statusCode());
      }
      return result(method, response.bodyAsJsonObject());
    });
  }

  private static JsonObject request(long id, String method, JsonArray params) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method).put("params", params);
  }

  /** The result of one JSON-RPC answer, or its error as an {@link RpcError}. */
  private static Object result(String method, JsonObject answer) {
    JsonObject error = answer.getJsonObject("error");
    if (error != null) {
      throw new RpcError(error.getInteger("code", 0), method + ": " + error.getString("message"));
    }
    return answer.getValue("result");
  }

  static String hex(long number) {
    return "0x" + Long.toHexString(number);
  }
}
