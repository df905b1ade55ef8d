package io.kos.ingest.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An event crosses the cluster as JSON and stays the same instance, read-only, on its node. */
class EventCodecTest {

  private final EventCodec codec = new EventCodec();
  private final Event event = Event.of(7, new JsonObject().put("seq", 7L).put("id", "1-2-3").put("chain_id", 1L)
      .put("registry", "identity").put("event_type", "Registered").put("agent_id", "115792089237316195423570985008687907853269984665640564039457584007913129639935")
      .put("token_uri", "ipfs://Tāne 🌳"));

  @Test
  void aLocalSubscriberGetsTheSameReadOnlyInstance() {
    assertThat(codec.transform(event)).isSameAs(event);
    assertThatThrownBy(() -> event.fields().put("score", 1)).isInstanceOf(UnsupportedOperationException.class);
    assertThat(event.fields().copy().put("score", 1).getInteger("score")).isEqualTo(1);
    assertThat(event.agentId()).startsWith("11579208923731619542357098500868790785326998466564");
    assertThat(event.chainId()).isEqualTo(1);
    assertThat(event.eventType()).isEqualTo("Registered");
  }

  @Test
  void anotherNodeDecodesWhatWasEncodedAfterAnyPrefix() {
    Buffer wire = Buffer.buffer().appendString("header");
    codec.encodeToWire(wire, event);
    Event decoded = codec.decodeFromWire("header".length(), wire);
    assertThat(decoded).isEqualTo(event);
    assertThat(decoded.seq()).isEqualTo(7);
    assertThatThrownBy(() -> decoded.fields().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
  }
}
