package io.kos.node.auth;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Counts failed logins per account and per client address in fixed windows of
 * {@code auth.login_lockout}; once either reaches its limit, logins for it get 429 until the window
 * ends. Checked before any password is hashed, so a locked-out attacker costs no hashing work.
 * In memory, per node: a restart or another node of the cluster starts from zero (documented).
 */
final class LoginGuard {

  private static final int MAX_TRACKED = 100_000;

  private record Window(long startMillis, int failures) {
  }

  private final Map<String, Window> windows = new ConcurrentHashMap<>();
  private final int accountLimit;
  private final int addressLimit;
  private final long windowMillis;
  private final LongSupplier clock;

  LoginGuard(int accountLimit, int addressLimit, Duration window, LongSupplier clock) {
    this.accountLimit = accountLimit;
    this.addressLimit = addressLimit;
    this.windowMillis = window.toMillis();
    this.clock = clock;
  }

  /** Seconds until a login for this account from this address may be tried; 0 when it may now. */
  long retryAfterSeconds(String account, String address) {
    long now = clock.getAsLong();
    long wait = Math.max(waitMillis("a:" + account, accountLimit, now), waitMillis("i:" + address, addressLimit, now));
    return wait == 0 ? 0 : Math.max(1, (wait + 999) / 1000);
  }

  void failed(String account, String address) {
    long now = clock.getAsLong();
    if (windows.size() >= MAX_TRACKED) {
      windows.values().removeIf(w -> now - w.startMillis >= windowMillis);
    }
    count("a:" + account, now);
    count("i:" + address, now);
  }

  void succeeded(String account) {
    windows.remove("a:" + account);
  }

  private void count(String key, long now) {
    windows.compute(key, (k, w) -> w == null || now - w.startMillis >= windowMillis
        ? new Window(now, 1) : new Window(w.startMillis, w.failures + 1));
  }

  private long waitMillis(String key, int limit, long now) {
    Window w = windows.get(key);
    if (w == null || w.failures < limit) {
      return 0;
    }
    long left = w.startMillis + windowMillis - now;
    return Math.max(0, left);
  }
}
