package io.kos.ingest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Hash;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Table-driven decoding of the eight ERC-8004 v0.4 events and ERC-721 Transfer, from logs encoded as a contract emits them. */
class LogDecoderTest {

  private static final AbiCatalog CATALOG = AbiCatalog.load(AbiCatalog.V04);
  private static final LogDecoder DECODER = new LogDecoder(CATALOG);
  private static final String AGENT = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  private static final String CLIENT = "0x00000000000000000000000000000000000000c1";
  private static final String VALIDATOR = "0x00000000000000000000000000000000000000a1";

  @Test
  void theLibraryHashesSignaturesAsEthereumDoes() {
    // ERC-20 Transfer's topic0, as every block explorer shows it
    assertThat(EventEncoder.buildEventSignature("Transfer(address,address,uint256)"))
        .isEqualTo("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
    assertThat(CATALOG.topics()).hasSize(9)
        .contains(Hash.sha3String("NewFeedback(uint256,address,uint8,bytes32,bytes32,string,bytes32)"))
        .contains("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
    // known events the log does not store are ignored, anything else is for the follower to count
    assertThat(CATALOG.isIgnored(Hash.sha3String("Approval(address,address,uint256)"))).isTrue();
    assertThat(CATALOG.isIgnored("0xDDF252AD1BE2C89B69C2B068FC378DAA952BA7F163C4A11628F55A4DF523B3EF")).isFalse();
    assertThat(CATALOG.isIgnored(Hash.sha3String("MetadataUpdate(uint256)"))).isTrue();
    assertThat(CATALOG.isIgnored(Hash.sha3String("Upgraded(address)"))).isFalse();
    assertThat(CATALOG.isIgnored(Hash.sha3String("NewFeedback(uint256,address,uint8,bytes32,bytes32,string,bytes32)"))).isFalse();
  }

  @Test
  void everyEventDecodesIntoAValidEventOfTheLog() {
    Bytes32 tag1 = new Bytes32(HexFormat.of().parseHex(Events.tag("quality").substring(2)));
    Bytes32 hash = new Bytes32(HexFormat.of().parseHex(Events.hash(42).substring(2)));
    List<Case> cases = List.of(
        new Case("Transfer(address,address,uint256)", List.of(new Address(CLIENT), new Address(VALIDATOR), new Uint256(new BigInteger(AGENT))),
            List.of(), new JsonObject().put("agent_id", AGENT).put("previous_owner", CLIENT).put("owner", VALIDATOR)),
        new Case("Registered(uint256,string,address)", List.of(new Uint256(new BigInteger(AGENT)), new Address(CLIENT)),
            List.of(new Utf8String("ipfs://agent.json")),
            new JsonObject().put("agent_id", AGENT).put("owner", CLIENT).put("token_uri", "ipfs://agent.json")),
        new Case("MetadataSet(uint256,string,string,bytes)", List.of(new Uint256(7), hashOf("name")),
            List.of(new Utf8String("name"), new DynamicBytes(new byte[] {1, 2, (byte) 0xff})),
            new JsonObject().put("agent_id", "7").put("metadata_key", "name").put("metadata_value", "0x0102ff")),
        new Case("UriUpdated(uint256,string,address)", List.of(new Uint256(7), new Address(CLIENT)), List.of(new Utf8String("ipfs://v2")),
            new JsonObject().put("agent_id", "7").put("token_uri", "ipfs://v2").put("updated_by", CLIENT)),
        new Case("NewFeedback(uint256,address,uint8,bytes32,bytes32,string,bytes32)", List.of(new Uint256(7), new Address(CLIENT), tag1),
            List.of(new Uint8(87), hash, new Utf8String("ipfs://fb"), hash),
            new JsonObject().put("agent_id", "7").put("client_address", CLIENT).put("score", "87").put("tag1", Events.tag("quality"))
                .put("tag2", Events.hash(42)).put("file_uri", "ipfs://fb").put("file_hash", Events.hash(42))),
        new Case("FeedbackRevoked(uint256,address,uint64)", List.of(new Uint256(7), new Address(CLIENT), new Uint64(3)), List.of(),
            new JsonObject().put("agent_id", "7").put("client_address", CLIENT).put("feedback_index", "3")),
        new Case("ResponseAppended(uint256,address,uint64,address,string,bytes32)",
            List.of(new Uint256(7), new Address(CLIENT), new Address(VALIDATOR)), List.of(new Uint64(3), new Utf8String("ipfs://r"), hash),
            new JsonObject().put("agent_id", "7").put("client_address", CLIENT).put("feedback_index", "3").put("responder", VALIDATOR)
                .put("response_uri", "ipfs://r").put("response_hash", Events.hash(42))),
        new Case("ValidationRequest(address,uint256,string,bytes32)", List.of(new Address(VALIDATOR), new Uint256(7), hash),
            List.of(new Utf8String("ipfs://req")),
            new JsonObject().put("validator_address", VALIDATOR).put("agent_id", "7").put("request_hash", Events.hash(42))
                .put("request_uri", "ipfs://req")),
        new Case("ValidationResponse(address,uint256,bytes32,uint8,string,bytes32,bytes32)",
            List.of(new Address(VALIDATOR), new Uint256(7), hash), List.of(new Uint8(100), new Utf8String("ipfs://resp"), hash, tag1),
            new JsonObject().put("validator_address", VALIDATOR).put("agent_id", "7").put("request_hash", Events.hash(42))
                .put("response", "100").put("response_uri", "ipfs://resp").put("response_hash", Events.hash(42))
                .put("tag", Events.tag("quality"))));
    int logIndex = 0;
    for (Case c : cases) {
      JsonObject log = log(c.signature, c.indexed, c.data, logIndex++);
      JsonObject event = DECODER.decode(log, 31337, 1_700_000_000L);
      String name = c.signature.substring(0, c.signature.indexOf('('));
      assertThat(event.getString("event_type")).isEqualTo(name);
      assertThat(event.getLong("block_number")).isEqualTo(0x1234);
      assertThat(event.getLong("log_index")).isEqualTo(logIndex - 1);
      c.expected.forEach(field -> assertThat(event.getValue(field.getKey())).as(name + "." + field.getKey()).isEqualTo(field.getValue()));
      List<EventSchema.Problem> problems = new ArrayList<>();
      assertThat(EventSchema.parse(event, 0, problems)).as(name + " " + problems).isNotNull();
    }
  }

  @Test
  void logsOfAnotherShapeAreLeftForTheFollowerToCountAndBadDataRefused() {
    // an ERC-20 Transfer: the ERC-721 topic0, but the value is data (three topics, not four)
    JsonObject erc20 = log("Transfer(address,address,uint256)", List.of(new Address(CLIENT), new Address(VALIDATOR)),
        List.of(new Uint256(1)), 0);
    assertThat(DECODER.decode(erc20, 1, 1)).isNull();
    JsonObject truncated = log("FeedbackRevoked(uint256,address,uint64)", List.of(new Uint256(7)), List.of(), 0);
    assertThat(DECODER.decode(truncated, 1, 1)).isNull();
    JsonObject extra = log("FeedbackRevoked(uint256,address,uint64)", List.of(new Uint256(7), new Address(CLIENT), new Uint64(3),
        new Uint64(4)), List.of(), 0);
    assertThat(DECODER.decode(extra, 1, 1)).isNull();
    // the right topics with data too short for the definition's string
    JsonObject shortData = log("UriUpdated(uint256,string,address)", List.of(new Uint256(7), new Address(CLIENT)), List.of(), 0);
    assertThatThrownBy(() -> DECODER.decode(shortData, 1, 1)).isInstanceOf(RuntimeException.class);
  }

  @Test
  void aCatalogueDefiningOneShapeTwiceIsRefused() {
    JsonObject transfer = new JsonObject().put("registry", "identity").put("name", "Transfer").put("inputs", new JsonArray()
        .add(new JsonObject().put("name", "from").put("type", "address").put("indexed", true).put("column", "previous_owner")));
    JsonObject twice = new JsonObject().put("version", "x").put("events", new JsonArray().add(transfer).add(transfer.copy()));
    assertThatThrownBy(() -> AbiCatalog.parse(twice)).hasMessageContaining("defined twice");
  }

  @Test
  void aCatalogueNamingAnUnknownColumnOrTypeIsRefused() {
    JsonObject badColumn = new JsonObject().put("version", "x").put("events", new JsonArray().add(new JsonObject()
        .put("registry", "identity").put("name", "Registered").put("inputs", new JsonArray().add(new JsonObject()
            .put("name", "agentId").put("type", "uint256").put("indexed", true).put("column", "agent")))));
    assertThatThrownBy(() -> AbiCatalog.parse(badColumn)).hasMessageContaining("unknown column agent");
    JsonObject badType = badColumn.copy();
    badType.getJsonArray("events").getJsonObject(0).getJsonArray("inputs").getJsonObject(0).put("type", "uint257").put("column", "agent_id");
    assertThatThrownBy(() -> AbiCatalog.parse(badType)).hasMessageContaining("uint257");
  }

  private record Case(String signature, List<Type> indexed, List<Type> data, JsonObject expected) {
  }

  /** A log as a node returns it for an event with these topic values and data values. */
  private static JsonObject log(String signature, List<Type> indexed, List<Type> data, int logIndex) {
    JsonArray topics = new JsonArray().add(EventEncoder.buildEventSignature(signature));
    indexed.forEach(value -> topics.add("0x" + TypeEncoder.encode(value)));
    return new JsonObject().put("topics", topics).put("data", "0x" + FunctionEncoder.encodeConstructor(data))
        .put("blockNumber", "0x1234").put("blockHash", Events.hash(0x1234)).put("transactionHash", Events.hash(99))
        .put("logIndex", "0x" + Integer.toHexString(logIndex));
  }

  /** An indexed string's topic is the keccak-256 of its bytes. */
  private static Bytes32 hashOf(String text) {
    return new Bytes32(Hash.sha3(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}
