package io.kos.node.auth;

import io.kos.verticle.Caller;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ApiKeyCacheTest {

  private final AtomicLong now = new AtomicLong(1_000);
  private final ApiKeyCache cache = new ApiKeyCache(10_000, now::get);
  private final Caller alice = new Caller("a1", Caller.Role.EDITOR, "api_key");
  private final Caller bob = new Caller("b2", Caller.Role.VIEWER, "api_key");

  @Test
  void keepsACallerForItsTimeOnly() {
    cache.put("digest-a", "key-a", alice);
    assertThat(cache.get("digest-a")).isEqualTo(alice);
    now.addAndGet(9_999);
    assertThat(cache.get("digest-a")).isEqualTo(alice);
    now.addAndGet(1);
    assertThat(cache.get("digest-a")).isNull();
  }

  @Test
  void evictsByKeyAndByUser() {
    cache.put("digest-a", "key-a", alice);
    cache.put("digest-a2", "key-a2", alice);
    cache.put("digest-b", "key-b", bob);
    cache.evictKey("key-a");
    assertThat(cache.get("digest-a")).isNull();
    assertThat(cache.get("digest-a2")).isEqualTo(alice);
    cache.evictUser("a1");
    assertThat(cache.get("digest-a2")).isNull();
    assertThat(cache.get("digest-b")).isEqualTo(bob);
  }
}
