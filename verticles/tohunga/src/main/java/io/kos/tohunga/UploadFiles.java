package io.kos.tohunga;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import java.util.zip.GZIPInputStream;

/**
 * The files of uploads on this node ({@code <data_dir>/uploads}): {@code <id>.part} written chunk by
 * chunk at each chunk's offset (any order, again if resent), hashed and renamed to {@code <id>} when
 * completed. Blocking: used from worker threads.
 */
final class UploadFiles {

  /** What a completed file is, from its first bytes. */
  record Sniffed(String fileType, String compression, String mimeType) {
  }

  private final Path dir;

  UploadFiles(Path dataDir) {
    this.dir = dataDir.resolve("uploads");
  }

  private Path part(UUID id) {
    return dir.resolve(id + ".part");
  }

  Path file(UUID id) {
    return dir.resolve(id.toString());
  }

  void write(UUID id, long offset, byte[] bytes) throws IOException {
    Files.createDirectories(dir);
    try (FileChannel channel = FileChannel.open(part(id), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      long position = offset;
      while (buffer.hasRemaining()) {
        position += channel.write(buffer, position);
      }
    }
  }

  /** The SHA-256 of the written file (hex), and its size; null when nothing was written. */
  String sha256(UUID id, long size) throws IOException {
    Path part = part(id);
    if (!Files.exists(part) || Files.size(part) != size) {
      return null;
    }
    return sha256Of(part);
  }

  /** The SHA-256 of a whole file, as hex. */
  static String sha256Of(Path file) throws IOException {
    try (InputStream in = new DigestInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), digest())) {
      byte[] buffer = new byte[1 << 16];
      while (in.read(buffer) >= 0) {
        // the digest reads along
      }
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    }
  }

  /** Forces the file to disk and gives it its final name. */
  void complete(UUID id) throws IOException {
    try (FileChannel channel = FileChannel.open(part(id), StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Files.move(part(id), file(id), StandardCopyOption.ATOMIC_MOVE);
  }

  void delete(UUID id) throws IOException {
    Files.deleteIfExists(part(id));
    Files.deleteIfExists(file(id));
  }

  /** The completed file's records' bytes, decompressed when it is gzip. */
  InputStream open(UUID id, boolean gzip) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file(id)), 1 << 16);
    return gzip ? new GZIPInputStream(in, 1 << 16) : in;
  }

  /** The type from the first bytes (of the decompressed content when gzip). */
  Sniffed sniff(UUID id) throws IOException {
    byte[] head;
    boolean gzip;
    try (InputStream in = Files.newInputStream(part(id))) {
      head = in.readNBytes(2);
      gzip = head.length == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
    }
    try (InputStream in = gzip ? new GZIPInputStream(Files.newInputStream(part(id))) : Files.newInputStream(part(id))) {
      head = in.readNBytes(4096);
    } catch (IOException e) {
      return new Sniffed("other", gzip ? "gzip" : null, "application/gzip");
    }
    String text = new String(head, StandardCharsets.UTF_8).stripLeading();
    String type;
    if (text.startsWith("[")) {
      type = "json";
    } else if (text.startsWith("{")) {
      int newline = text.indexOf('\n');
      type = newline > 0 && text.substring(0, newline).strip().endsWith("}") && text.substring(newline + 1).stripLeading().startsWith("{")
          ? "json_lines" : "json";
    } else if (text.startsWith("<")) {
      type = "xml";
    } else {
      String firstLine = text.lines().findFirst().orElse("");
      type = firstLine.contains(",") || firstLine.contains(";") || firstLine.contains("\t") ? "csv" : "other";
    }
    String mime = switch (type) {
      case "json" -> "application/json";
      case "json_lines" -> "application/x-ndjson";
      case "csv" -> "text/csv";
      case "xml" -> "application/xml";
      default -> "application/octet-stream";
    };
    return new Sniffed(type, gzip ? "gzip" : null, gzip ? "application/gzip" : mime);
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
