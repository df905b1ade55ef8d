package io.kos.node.config;

import java.time.Duration;

/** The {@code auth.*} settings; see {@link Setting#ALL} for each one's meaning. */
public record AuthSettings(
    boolean openRegistration,
    String jwtSecret,
    Duration accessTokenTtl,
    Duration refreshTokenTtl,
    Duration apiKeyCacheTtl,
    int loginMaxFailures,
    int loginAddressMaxFailures,
    Duration loginLockout,
    int argon2MemoryKib,
    int argon2Iterations,
    int hashThreads) {

  @Override
  public String toString() {
    // never print the secret
    return "AuthSettings[openRegistration=" + openRegistration + ", jwtSecret=" + (jwtSecret.isEmpty() ? "(data dir)" : "(set)") + "]";
  }

  public int hashThreadCount() {
    return hashThreads > 0 ? hashThreads : Runtime.getRuntime().availableProcessors();
  }
}
