package io.kos.verticle;

import io.kos.verticle.outbound.OutboundGuard;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutboundGuardTest {

  private static final OutboundGuard DEFAULT = OutboundGuard.allowing(List.of());

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @Test
  void publicAddressesPass() throws Exception {
    for (String address : List.of("1.1.1.1", "8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "100.63.255.255", "100.128.0.0",
        "172.15.255.255", "172.32.0.0", "11.0.0.1")) {
      assertThat(DEFAULT.refusal(ip(address))).as(address).isNull();
    }
  }

  @Test
  void nonPublicAddressesAreRefused() throws Exception {
    for (String address : List.of("127.0.0.1", "127.255.0.9", "0.0.0.0", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1",
        "169.254.169.254", "100.64.0.1", "100.127.255.255", "224.0.0.251", "239.255.255.250", "255.255.255.255", "240.0.0.1",
        "192.0.2.5", "198.18.0.1", "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::fb", "2001:db8::1",
        "::ffff:127.0.0.1", "::ffff:10.1.1.1", "64:ff9b::7f00:1", "64:ff9b::a00:1")) {
      assertThat(DEFAULT.refusal(ip(address))).as(address).isNotNull();
    }
  }

  @Test
  void theAllowListOpensWhatItNames() throws Exception {
    OutboundGuard guard = OutboundGuard.allowing(List.of("127.0.0.0/8", "::1/128", "10.1.0.0/16", "fd00::5"));
    assertThat(guard.refusal(ip("127.0.0.2"))).isNull();
    assertThat(guard.refusal(ip("::1"))).isNull();
    assertThat(guard.refusal(ip("10.1.200.3"))).isNull();
    assertThat(guard.refusal(ip("10.2.0.1"))).contains("10.0.0.0/8");
    assertThat(guard.refusal(ip("fd00::5"))).isNull();
    assertThat(guard.refusal(ip("fd00::6"))).contains("fc00::/7");
  }

  @Test
  void badCidrsAreRefusedWithTheValue() {
    for (String bad : List.of("localhost", "10.0.0.0/33", "::1/129", "10.0.0/8", "1.2.3.4/x", "")) {
      assertThatThrownBy(() -> OutboundGuard.allowing(List.of(bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
