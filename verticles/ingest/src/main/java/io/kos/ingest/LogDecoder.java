package io.kos.ingest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Turns one {@code eth_getLogs} entry into an event in the push API's shape, so that followed and
 * pushed events go through the same validation and the same insert. Driven only by the
 * {@link AbiCatalog}: no code per event type.
 */
final class LogDecoder {

  private final AbiCatalog catalog;

  LogDecoder(AbiCatalog catalog) {
    this.catalog = catalog;
  }

  /**
   * The event, or null when no catalogue entry has this topic0 with this many topics: another
   * contract's event, an ERC-20 {@code Transfer} (three topics, the ERC-721 one has four), or a
   * log whose indexing the catalogue does not know. The follower counts those as undecoded rather
   * than stalling on them.
   *
   * @param log            as {@code eth_getLogs} returns it (hex quantities)
   * @param chainId        the chain being followed
   * @param blockTimestamp the block's time, from {@code eth_getBlockByNumber}
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  JsonObject decode(JsonObject log, long chainId, long blockTimestamp) {
    JsonArray topics = log.getJsonArray("topics");
    if (topics == null || topics.isEmpty()) {
      return null;
    }
    AbiCatalog.Definition definition = catalog.definition(topics.getString(0), topics.size());
    if (definition == null) {
      return null;
    }
    JsonObject event = new JsonObject()
        .put("chain_id", chainId)
        .put("block_number", quantity(log.getString("blockNumber")))
        .put("block_hash", log.getString("blockHash"))
        .put("transaction_hash", log.getString("transactionHash"))
        .put("log_index", quantity(log.getString("logIndex")))
        .put("timestamp", blockTimestamp)
        .put("registry", definition.registry())
        .put("event_type", definition.name())
        .put("spec_version", catalog.specVersion());
    List<AbiCatalog.Input> dataInputs = new ArrayList<>();
    List<TypeReference<Type>> dataTypes = new ArrayList<>();
    int topic = 1;
    for (AbiCatalog.Input input : definition.inputs()) {
      if (input.indexed()) {
        String raw = topics.getString(topic++);
        if (input.column() != null) {
          event.put(input.column(), value(FunctionReturnDecoder.decodeIndexedValue(raw, (TypeReference) input.reference())));
        }
      } else {
        dataInputs.add(input);
        dataTypes.add((TypeReference<Type>) input.reference());
      }
    }
    List<Type> values = FunctionReturnDecoder.decode(log.getString("data", "0x"), dataTypes);
    if (values.size() != dataInputs.size()) {
      throw new IllegalArgumentException(definition.name() + " log data does not match its definition");
    }
    for (int i = 0; i < values.size(); i++) {
      if (dataInputs.get(i).column() != null) {
        event.put(dataInputs.get(i).column(), value(values.get(i)));
      }
    }
    return event;
  }

  /** Solidity values in the push API's JSON: integers as decimal strings, bytes as 0x hex, the rest as text. */
  private static Object value(Type<?> type) {
    Object value = type.getValue();
    if (value instanceof BigInteger integer) {
      return integer.toString();
    }
    if (value instanceof byte[] bytes) {
      return "0x" + HexFormat.of().formatHex(bytes);
    }
    return value.toString();
  }

  static long quantity(String hex) {
    return Long.parseLong(hex.substring(2), 16);
  }
}
