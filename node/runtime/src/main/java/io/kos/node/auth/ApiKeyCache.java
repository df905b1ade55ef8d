package io.kos.node.auth;

import io.kos.verticle.Caller;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Callers of recently checked API keys, for {@code auth.api_key_cache_ttl}, so that a client
 * sending many requests with one key costs one database lookup per period instead of one per
 * request. Revoking a key or changing its user evicts at once on every node (see
 * {@link AccessControl#evictApiKey}); the time limit bounds what a lost eviction could leave.
 * Keyed by the key's digest, never the key itself.
 */
final class ApiKeyCache {

  private static final int MAX_ENTRIES = 10_000;

  private record Entry(Caller caller, String keyId, long expiresAtMillis) {
  }

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final long ttlMillis;
  private final LongSupplier clock;

  ApiKeyCache(long ttlMillis, LongSupplier clock) {
    this.ttlMillis = ttlMillis;
    this.clock = clock;
  }

  /** The cached caller of this key digest, or null. */
  Caller get(String digest) {
    Entry entry = entries.get(digest);
    if (entry == null) {
      return null;
    }
    if (entry.expiresAtMillis <= clock.getAsLong()) {
      entries.remove(digest, entry);
      return null;
    }
    return entry.caller;
  }

  void put(String digest, String keyId, Caller caller) {
    long now = clock.getAsLong();
    if (entries.size() >= MAX_ENTRIES) {
      entries.values().removeIf(e -> e.expiresAtMillis <= now);
      if (entries.size() >= MAX_ENTRIES) {
        return; // a flood of distinct keys: look them up instead of growing without bound
      }
    }
    entries.put(digest, new Entry(caller, keyId, now + ttlMillis));
  }

  void evictKey(String keyId) {
    entries.values().removeIf(e -> e.keyId.equals(keyId));
  }

  void evictUser(String userId) {
    entries.values().removeIf(e -> e.caller.userId().equals(userId));
  }
}
