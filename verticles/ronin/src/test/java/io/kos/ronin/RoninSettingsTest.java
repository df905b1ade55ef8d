package io.kos.ronin;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code verticles.config.ronin}: the defaults, and each bad value refused naming its key (the node then exits 2). */
class RoninSettingsTest {

  @Test
  void theDefaultsAreTheDocumentedOnes() {
    RoninSettings settings = RoninSettings.parse(new JsonObject());
    assertThat(settings.scanAllow()).extracting(Cidr::toString).containsExactly("127.0.0.0/8", "::1/128");
    assertThat(settings.ports()).containsExactly(8080, 8081, 8082, 8083);
    assertThat(settings.maxHosts()).isEqualTo(4096);
    assertThat(settings.mdnsBrowseMs()).isEqualTo(3000);
    assertThat(settings.dnsServer()).isNull();
  }

  @Test
  void aDnsServerIsALiteralAddressWithAnOptionalPort() {
    assertThat(dns("10.0.0.53")).isEqualTo(new InetSocketAddress("10.0.0.53", 53));
    assertThat(dns("127.0.0.1:5353")).isEqualTo(new InetSocketAddress("127.0.0.1", 5353));
    assertThat(dns("[::1]:53").getAddress().isLoopbackAddress()).isTrue();
    // a name, or what only resembles an address, is refused rather than looked up
    for (String bad : new String[] {"dns.example", "999.1.1.1", "10.0.0.53:0", "10.0.0.53:70000", "[::1", "10.0.0.53:x"}) {
      assertThatThrownBy(() -> dns(bad)).as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("dns_server ");
    }
  }

  @Test
  void eachBadValueIsRefusedNamingItsKey() {
    Object[][] bad = {
        {"scan_allow", new JsonArray().add("not-a-range")},
        {"ports", new JsonArray()},
        {"max_hosts", 0},
        {"mdns_browse_ms", 50},
        {"forget_after_seconds", 10},
        {"dns_server", 53},
        {"scan_alow", new JsonArray()},
    };
    for (Object[] entry : bad) {
      JsonObject config = new JsonObject().put((String) entry[0], entry[1]);
      if (entry[0].equals("forget_after_seconds")) {
        config.put("stale_after_seconds", 60);
      }
      assertThatThrownBy(() -> RoninSettings.parse(config)).as(config.encode()).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining((String) entry[0]);
    }
  }

  private static InetSocketAddress dns(String raw) {
    return RoninSettings.parse(new JsonObject().put("dns_server", raw)).dnsServer();
  }
}
