package io.kos.verticle;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretBoxTest {

  private static byte[] key() {
    byte[] key = new byte[SecretBox.KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return key;
  }

  @Test
  void aSealedValueOpensForItsPurposeOnly() {
    SecretBox box = new SecretBox(key());
    String sealed = box.seal("whsec_abc ✓", "actions.webhook_secret:alice");
    assertThat(sealed).startsWith("v1.").doesNotContain("whsec_abc");
    assertThat(box.open(sealed, "actions.webhook_secret:alice")).isEqualTo("whsec_abc ✓");
    assertThatThrownBy(() -> box.open(sealed, "actions.webhook_secret:bob")).isInstanceOf(IllegalArgumentException.class);
    assertThat(box.seal("same", "p")).isNotEqualTo(box.seal("same", "p"));
  }

  @Test
  void anotherKeyOrATamperedValueDoesNotOpen() {
    SecretBox box = new SecretBox(key());
    String sealed = box.seal("token", "p");
    assertThat(new SecretBox(key()).opens(sealed, "p")).isFalse();
    char[] chars = sealed.toCharArray();
    chars[10] = chars[10] == 'A' ? 'B' : 'A';
    assertThat(box.opens(new String(chars), "p")).isFalse();
    for (String junk : new String[] {null, "", "v1.", "v1.!!!", "v2.abc", "plain"}) {
      assertThat(box.opens(junk, "p")).as(String.valueOf(junk)).isFalse();
    }
  }

  @Test
  void theKeyMustBe32Bytes() {
    assertThatThrownBy(() -> new SecretBox(new byte[16])).isInstanceOf(IllegalArgumentException.class);
  }
}
