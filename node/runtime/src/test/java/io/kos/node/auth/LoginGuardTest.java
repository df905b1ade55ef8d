package io.kos.node.auth;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class LoginGuardTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final LoginGuard guard = new LoginGuard(3, 5, Duration.ofSeconds(60), now::get);

  @Test
  void locksAnAccountAtItsLimitUntilTheWindowEnds() {
    for (int i = 0; i < 3; i++) {
      assertThat(guard.retryAfterSeconds("alice", "10.0.0.1")).isZero();
      guard.failed("alice", "10.0.0." + i);
    }
    assertThat(guard.retryAfterSeconds("alice", "10.0.0.9")).isEqualTo(60);
    now.addAndGet(59_500);
    assertThat(guard.retryAfterSeconds("alice", "10.0.0.9")).isEqualTo(1);
    now.addAndGet(500);
    assertThat(guard.retryAfterSeconds("alice", "10.0.0.9")).isZero();
  }

  @Test
  void locksAnAddressThatTriesManyAccounts() {
    for (int i = 0; i < 5; i++) {
      guard.failed("user" + i, "10.0.0.1");
    }
    assertThat(guard.retryAfterSeconds("someone-else", "10.0.0.1")).isPositive();
    assertThat(guard.retryAfterSeconds("someone-else", "10.0.0.2")).isZero();
  }

  @Test
  void aSuccessClearsTheAccountButNotTheAddress() {
    guard.failed("bob", "10.0.0.1");
    guard.failed("bob", "10.0.0.1");
    guard.succeeded("bob");
    guard.failed("bob", "10.0.0.1");
    guard.failed("bob", "10.0.0.1");
    assertThat(guard.retryAfterSeconds("bob", "10.0.0.3")).isZero();
    guard.failed("carol", "10.0.0.1");
    assertThat(guard.retryAfterSeconds("dave", "10.0.0.1")).isPositive();
  }
}
