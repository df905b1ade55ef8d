package io.kos.node;

import io.kos.node.config.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Symmetric keys a node keeps: the configured one (base64) when given, so that every node of a
 * cluster can share it, otherwise a file in the data dir created owner-only on first start.
 */
public final class KeyFiles {

  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyFiles() {
  }

  /**
   * @param configured base64 from the config, or empty for the file
   * @param bytes      the key length a new file gets (and the least an existing one must hold)
   * @param what       what the key is for, in messages
   */
  public static byte[] load(String configured, Path file, int bytes, String what) {
    if (!configured.isEmpty()) {
      return Base64.getDecoder().decode(configured);
    }
    try {
      if (Files.exists(file)) {
        byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.UTF_8).trim());
        if (key.length < bytes) {
          throw new ConfigException(file + " holds a key shorter than " + bytes + " bytes; delete it to get a new one");
        }
        return key;
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("cannot read the " + what + " " + file + ": " + e.getMessage());
    }
    byte[] key = new byte[bytes];
    RANDOM.nextBytes(key);
    try {
      PrivateFiles.write(file, Base64.getEncoder().encodeToString(key) + "\n");
    } catch (IOException e) {
      throw new ConfigException("cannot write the " + what + " " + file + ": " + e.getMessage());
    }
    return key;
  }
}
