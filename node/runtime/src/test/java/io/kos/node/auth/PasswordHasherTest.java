package io.kos.node.auth;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PasswordHasherTest {

  // the smallest cost the settings allow: these tests check the format, not the cost
  private final PasswordHasher hasher = new PasswordHasher(1024, 1);

  @Test
  void verifiesTheRightPasswordOnly() {
    String hash = hasher.hash("correct horse battery staple");
    assertThat(hash).startsWith("$argon2id$v=19$m=1024,t=1,p=1$");
    assertThat(hasher.verify("correct horse battery staple", hash)).isTrue();
    assertThat(hasher.verify("correct horse battery stapl", hash)).isFalse();
    assertThat(hasher.verify("", hash)).isFalse();
  }

  @Test
  void saltsEveryHash() {
    assertThat(hasher.hash("same password")).isNotEqualTo(hasher.hash("same password"));
  }

  @Test
  void verifiesWithTheCostStoredInTheHashNotTheConfiguredOne() {
    String older = new PasswordHasher(2048, 2).hash("unchanged password");
    assertThat(hasher.verify("unchanged password", older)).isTrue();
  }

  @Test
  void composedAndDecomposedUnicodeAreOnePassword() {
    String composed = "T\u0101ne Mahuta";     // ā as one code point
    String decomposed = "Ta\u0304ne Mahuta";  // a + combining macron
    assertThat(hasher.verify(decomposed, hasher.hash(composed))).isTrue();
  }

  @Test
  void unreadableOrTamperedHashesNeverVerify() {
    String hash = hasher.hash("pw-pw-pw-pw");
    assertThat(hasher.verify("pw-pw-pw-pw", null)).isFalse();
    assertThat(hasher.verify("pw-pw-pw-pw", "plaintext")).isFalse();
    assertThat(hasher.verify("pw-pw-pw-pw", hash.replace("$argon2id$", "$argon2i$"))).isFalse();
    // change the hash's first base64 digit (all six of its bits are data; the last digit's are not)
    int first = hash.lastIndexOf('$') + 1;
    char flipped = hash.charAt(first) == 'A' ? 'B' : 'A';
    assertThat(hasher.verify("pw-pw-pw-pw", hash.substring(0, first) + flipped + hash.substring(first + 1))).isFalse();
    assertThat(hasher.verifyDecoy("pw-pw-pw-pw")).isFalse();
  }
}
