package io.kos.node.auth;

import io.kos.node.PrivateFiles;
import io.kos.node.config.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

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
    if (!configured.isEmpty()) {
      return Base64.getDecoder().decode(configured);
    }
    Path file = dataDir.resolve(FILE_NAME);
    try {
      if (Files.exists(file)) {
        byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.UTF_8).trim());
        if (key.length < MIN_BYTES) {
          throw new ConfigException(file + " holds a key shorter than " + MIN_BYTES + " bytes; delete it to get a new one");
        }
        return key;
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("cannot read the token signing key " + file + ": " + e.getMessage());
    }
    byte[] key = Secrets.randomBytes(MIN_BYTES);
    try {
      PrivateFiles.write(file, Base64.getEncoder().encodeToString(key) + "\n");
    } catch (IOException e) {
      throw new ConfigException("cannot write the token signing key " + file + ": " + e.getMessage());
    }
    return key;
  }
}
