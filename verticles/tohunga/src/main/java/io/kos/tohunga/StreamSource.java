package io.kos.tohunga;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Records read from a stream of any size, {@link #PAGE} at a time on a worker thread: a JSON array
 * element by element, JSON Lines and CSV row by row (Jackson's streaming parsers), so memory holds a
 * page whatever the file. XML is read whole, up to {@code maxWholeBytes}. Reads are sequential: the
 * job asks for the next page only when the previous one arrived.
 */
final class StreamSource implements RecordSource {

  static final int PAGE = 1000;

  /** Opens the stream (a file, an object), blocking. */
  interface Opener {
    InputStream open() throws IOException;
  }

  private final Vertx vertx;
  private final Opener opener;
  private final InputFormat format;
  private final String name;
  private final long maxWholeBytes;
  private InputStream in;
  private JsonParser json;
  private MappingIterator<?> rows;
  private List<ObjectNode> whole;
  private boolean done;

  StreamSource(Vertx vertx, Opener opener, InputFormat format, String name, long maxWholeBytes) {
    this.vertx = vertx;
    this.opener = opener;
    this.format = format;
    this.name = name;
    this.maxWholeBytes = maxWholeBytes;
  }

  @Override
  public Future<Page> next() {
    if (done) {
      return Future.succeededFuture(null);
    }
    return vertx.executeBlocking(this::read, false);
  }

  private Page read() {
    try {
      if (in == null) {
        in = opener.open();
        start();
      }
      List<ObjectNode> page = new ArrayList<>(PAGE);
      if (whole != null) {
        page.addAll(whole);
        whole = null;
        done = true;
      } else if (json != null) {
        while (page.size() < PAGE) {
          JsonToken token = json.nextToken();
          if (token == null || token == JsonToken.END_ARRAY) {
            done = true;
            break;
          }
          if (token != JsonToken.START_OBJECT) {
            throw new JobFailure(JobFailure.SOURCE_ERROR, name + ": record " + page.size() + " of a page is not a JSON object");
          }
          page.add(json.readValueAsTree());
        }
      } else {
        while (page.size() < PAGE && rows.hasNext()) {
          page.add(InputFormat.row(rows.next()));
        }
        done = !rows.hasNext();
      }
      return page.isEmpty() ? null : new Page(page, null, 0);
    } catch (IOException | RuntimeException e) {
      if (e instanceof JobFailure failure) {
        throw failure;
      }
      throw new JobFailure(JobFailure.SOURCE_ERROR, name + " is not valid " + format.from() + ": "
          + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
    }
  }

  private void start() throws IOException {
    switch (format.from()) {
      case "json" -> {
        json = Rows.MAPPER.createParser(in);
        JsonToken first = json.nextToken();
        if (first == JsonToken.START_OBJECT) {
          whole = List.of((ObjectNode) json.readValueAsTree());
          json = null;
        } else if (first != JsonToken.START_ARRAY) {
          throw new JobFailure(JobFailure.SOURCE_ERROR, name + " is neither a JSON list of records nor one record");
        }
      }
      case "json_lines", "csv" -> rows = format.rowIterator(in);
      default -> {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxWholeBytes + 1));
        if (bytes.length > maxWholeBytes) {
          throw new JobFailure(JobFailure.SOURCE_ERROR, name + ": XML is read whole, and this is larger than page_max_bytes (" + maxWholeBytes + ")");
        }
        JsonNode tree = format.document(new java.io.ByteArrayInputStream(bytes));
        List<ObjectNode> records = new ArrayList<>();
        JsonNode list = tree.size() == 1 && tree.elements().next().isArray() ? tree.elements().next() : null;
        if (list != null) {
          list.forEach(element -> records.add(element instanceof ObjectNode o ? o : (ObjectNode) Rows.NODES.objectNode().set("value", element)));
        } else {
          records.add((ObjectNode) tree);
        }
        whole = records;
      }
    }
  }

  @Override
  public Future<Void> test() {
    return vertx.executeBlocking(() -> {
      try (InputStream probe = opener.open()) {
        probe.read();
      } catch (IOException e) {
        throw new JobFailure(JobFailure.SOURCE_UNREACHABLE, name + " cannot be read: " + e.getMessage());
      }
      return null;
    }, false);
  }

  @Override
  public Future<Void> close() {
    return vertx.executeBlocking(() -> {
      if (json != null) {
        json.close();
      }
      if (rows != null) {
        rows.close();
      }
      if (in != null) {
        in.close();
      }
      return null;
    }, false);
  }
}
