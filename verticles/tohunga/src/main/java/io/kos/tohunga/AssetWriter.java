package io.kos.tohunga;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;

/**
 * Writes one asset of the node's store ({@code <data_dir>/assets}) as JSON Lines or CSV, counting
 * bytes and hashing them as they go. The file is {@code <id>.<ext>.part} until {@link #finish} has
 * forced it to disk and renamed it, so a crash never leaves a file that looks complete (an inbound
 * stream's is {@code .stream} until its last batch, and is resumed across restarts). Blocking:
 * used from a worker thread, one at a time.
 */
final class AssetWriter {

  private static final CsvMapper CSV = new CsvMapper();

  /** What the finished file is. */
  record Written(UUID assetId, String fileName, long bytes, long records, String sha256) {
  }

  private final UUID assetId;
  private final String format;
  private final Path dir;
  private final Path part;
  private final FileChannel channel;
  private final MessageDigest digest;
  private final Counting counting;
  private final OutputStream out;
  private JsonGenerator json;
  private SequenceWriter csv;
  private List<String> columns;
  private long records;

  AssetWriter(Path dir, UUID assetId, String format) throws IOException {
    this(dir, assetId, format, ".part", 0, 0, null);
  }

  /**
   * An inbound stream's file ({@code <id>.<ext>.stream}, which outlives restarts, unlike a job's
   * {@code .part}), cut back to the bytes its row says were acknowledged and hashed up to there, to
   * take the next batch. {@code columns}: a CSV stream's header, when it was written.
   */
  static AssetWriter resume(Path dir, UUID assetId, String format, long bytes, long records, List<String> columns) throws IOException {
    return new AssetWriter(dir, assetId, format, STREAM_SUFFIX, bytes, records, columns);
  }

  static final String STREAM_SUFFIX = ".stream";

  private AssetWriter(Path dir, UUID assetId, String format, String suffix, long bytes, long records, List<String> columns) throws IOException {
    this.dir = dir;
    this.assetId = assetId;
    this.format = format;
    this.records = records;
    Files.createDirectories(dir);
    this.part = dir.resolve(fileName(assetId, format) + suffix);
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    if (suffix.equals(STREAM_SUFFIX)) {
      this.channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      if (channel.size() < bytes) {
        channel.close();
        throw new IOException(part + " has " + channel.size() + " bytes, fewer than the " + bytes + " acknowledged");
      }
      channel.truncate(bytes);
      hashFirst(bytes);
      channel.position(bytes);
    } else {
      this.channel = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }
    this.counting = new Counting(new DigestOutputStream(Channels.newOutputStream(channel), digest));
    counting.count = bytes;
    this.out = new BufferedOutputStream(counting, 1 << 16);
    if (columns != null) {
      this.columns = columns;
      csv = CSV.writerFor(List.class).with(schema(columns, false)).writeValues(out);
    }
  }

  private void hashFirst(long bytes) throws IOException {
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(1 << 16);
    long position = 0;
    while (position < bytes) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), bytes - position));
      int read = channel.read(buffer, position);
      if (read < 0) {
        throw new IOException(part + " ended before " + bytes + " bytes");
      }
      digest.update(buffer.array(), 0, read);
      position += read;
    }
  }

  static String fileName(UUID assetId, String format) {
    return assetId + (format.equals("csv") ? ".csv" : ".jsonl");
  }

  static String contentType(String format) {
    return format.equals("csv") ? "text/csv; charset=utf-8" : "application/x-ndjson";
  }

  void write(ObjectNode row) throws IOException {
    records++;
    if (format.equals("csv")) {
      writeCsv(row);
      return;
    }
    if (json == null) {
      json = Rows.MAPPER.getFactory().createGenerator(out);
      json.setRootValueSeparator(null);
    }
    Rows.MAPPER.writeTree(json, row);
    json.writeRaw('\n');
  }

  /** Columns are the first record's fields; a later record's other fields are left out, missing ones empty; objects as JSON text. */
  private void writeCsv(ObjectNode row) throws IOException {
    if (csv == null) {
      columns = new ArrayList<>();
      row.fieldNames().forEachRemaining(columns::add);
      csv = CSV.writerFor(List.class).with(schema(columns, true)).writeValues(out);
    }
    List<String> cells = new ArrayList<>(columns.size());
    for (String column : columns) {
      JsonNode value = row.get(column);
      cells.add(value == null || value.isNull() ? "" : value.isValueNode() ? value.asText() : value.toString());
    }
    csv.write(cells);
  }

  private static CsvSchema schema(List<String> columns, boolean header) {
    CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(header);
    columns.forEach(schema::addColumn);
    return schema.build();
  }

  long bytes() {
    return counting.count;
  }

  long records() {
    return records;
  }

  /** A CSV file's columns once its first record is written; null before, and for JSON Lines. */
  List<String> columns() {
    return columns;
  }

  /** Forces what was written to disk (a stream's batch is acknowledged after this). */
  void sync() throws IOException {
    flush();
    channel.force(false);
  }

  private void flush() throws IOException {
    if (json != null) {
      json.flush();
    }
    if (csv != null) {
      csv.flush();
    }
    out.flush();
  }

  Written finish() throws IOException {
    flush();
    channel.force(true);
    channel.close();
    String name = fileName(assetId, format);
    Files.move(part, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    return new Written(assetId, name, counting.count, records, HexFormat.of().formatHex(digest.digest()));
  }

  /** Closes the file, left as it is (an inbound stream's, between batches). */
  void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was pending: every batch is synced before it is acknowledged
    }
  }

  /** Drops the partial file (the job failed or was cancelled). */
  void abort() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // the file goes anyway
    }
    try {
      Files.deleteIfExists(part);
    } catch (IOException ignored) {
      // a leftover .part is removed at the next start
    }
  }

  /** Removes the partial files a crash left behind. */
  static void removeParts(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var files = Files.list(dir)) {
      Iterator<Path> it = files.filter(p -> p.getFileName().toString().endsWith(".part")).iterator();
      while (it.hasNext()) {
        Files.deleteIfExists(it.next());
      }
    }
  }

  private static final class Counting extends FilterOutputStream {

    private long count;

    Counting(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
