package io.kos.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Secrets on disk (the node key, the token signing key, the setup token): owner-only, whole or absent. */
public final class PrivateFiles {

  private PrivateFiles() {
  }

  /**
   * Writes {@code content} readable by its owner only: a temp file in the same directory, synced,
   * then moved over the target atomically, so a crash never leaves a half-written secret.
   */
  public static void write(Path file, String content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
  }
}
