package io.kos.node.auth;

import io.kos.node.PrivateFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one-time token that lets the first registration become admin without a race: written to
 * {@code <data_dir>/setup-token} (owner-only) and shown in the banner while the node has no user,
 * deleted once the first user exists. Whoever can read the node's data dir or its console owns it.
 */
final class SetupToken {

  static final String FILE_NAME = "setup-token";

  private final Path file;
  private volatile String value;

  private SetupToken(Path file, String value) {
    this.file = file;
    this.value = value;
  }

  /** A fresh token when there is no user yet; otherwise none, and a stale file is removed. */
  static SetupToken prepare(Path dataDir, boolean usersExist) {
    Path file = dataDir.resolve(FILE_NAME);
    if (usersExist) {
      deleteQuietly(file);
      return new SetupToken(file, null);
    }
    String token = Secrets.token("kos_setup_");
    try {
      PrivateFiles.write(file, token + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return new SetupToken(file, token);
  }

  /** The token while one is pending, else null. */
  String value() {
    return value;
  }

  Path file() {
    return file;
  }

  boolean matches(String candidate) {
    String current = value;
    return current != null && Secrets.equalsConstantTime(current, candidate);
  }

  /** The first user exists: the token is spent. */
  void consume() {
    value = null;
    deleteQuietly(file);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + file, e);
    }
  }
}
