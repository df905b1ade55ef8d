package io.kos.node.auth;

import io.kos.node.KeyFiles;

import java.nio.file.Path;

/**
 * The HMAC-SHA256 key that signs access tokens: {@code auth.jwt_secret} when set (every node of a
 * cluster gets the same, so a token from one is accepted by all), otherwise {@code <data_dir>/jwt.key},
 * created owner-only on first start.
 */
final class SigningKey {

  static final String FILE_NAME = "jwt.key";
  private static final int MIN_BYTES = 32;

  private SigningKey() {
  }

  static byte[] load(String configured, Path dataDir) {
    return KeyFiles.load(configured, dataDir.resolve(FILE_NAME), MIN_BYTES, "token signing key");
  }
}
