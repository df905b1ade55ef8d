package io.kos.tohunga.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.NodeProcess;
import io.kos.node.testkit.TestDatabase;
import io.kos.node.testkit.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The acquisition benchmark: {@code bench.records} JSON records of about 1 KB from a paginated HTTP
 * source on loopback, through validation/json_schema and transformation/field_mapping into
 * json_lines in the asset store of a node process started with {@code -Xmx256m}; beside it, in the
 * same run, a bare Jackson streaming read-and-write of the same pages from the same server (the
 * limit on this machine; a tenth of it first, to warm it up as the node's first, smaller job warms the node). Prints records/s of both, their ratio, and the node's heap: the most used
 * and the most live after a collection, for the full size and for a tenth of it (flat heap: the two
 * should not differ with the source's size). Then a tenth of the records through the same steps into
 * a klf_stream to a second node process: records/s beside the local output's.
 *
 * <pre>mvn -B -Pbench-tohunga -DskipTests package -pl verticles/tohunga -am</pre>
 */
public final class TohungaBench {

  private static final int PAGE = 1000;
  /** Distinct pages the server holds, served in turn: generating 1 GB would cost the 2 cores the pipeline needs. */
  private static final int DISTINCT_PAGES = 16;

  public static void main(String[] args) throws Exception {
    long records = Long.getLong("bench.records", 1_000_000);
    Vertx vertx = Vertx.vertx();
    Buffer[] pages = pages();
    HttpServer server = source(vertx, pages, records);
    String base = "http://127.0.0.1:" + server.actualPort();
    System.out.printf("source: %,d records in pages of %d, %,d bytes per page (%.2f GB in all)%n", records, PAGE, pages[0].length(),
        records / (double) PAGE * pages[0].length() / 1e9);

    bare(base, records / 10);
    Result bare = bare(base, records);
    System.out.printf("bare Jackson streaming read+write: %,d records in %.1f s = %,.0f records/s (%.0f MB/s)%n",
        bare.records, bare.seconds, bare.records / bare.seconds, bare.bytes / bare.seconds / 1e6);

    Path dataDir = TestNode.tempDir();
    Path config = TestNode.configFile("""
        outbound:
          allow: ["127.0.0.0/8"]
        """);
    List<String> nodeArgs = List.of("--config", config.toString(), "--http-port", "0", "--data-dir", dataDir.toString(),
        "--db-url", TestDatabase.freshDatabaseUrl(), "--verticles", "tohunga");
    try (NodeProcess node = NodeProcess.startWithJvm(List.of("-Xmx256m"), nodeArgs, Map.of("KOS_LOGGING_LEVEL", "WARN"), Duration.ofSeconds(120))) {
      Accounts.Session admin = Accounts.bootstrapAdmin(node.http(), dataDir);
      String source = admin.http().postJson("/api/tohunga/v1/sources", new JsonObject().put("source_name", "bench").put("source_type", "http_api")
          .put("connection_config", new JsonObject().put("base_url", base).put("timeout_ms", 60_000)
              .put("pagination", new JsonObject().put("type", "offset").put("limit", PAGE)))).json().getString("source_id");
      JsonObject local = new JsonObject().put("type", "local");
      Result small = pipeline(node, admin, source, records / 10, local);
      Result full = pipeline(node, admin, source, records, local);
      System.out.printf("node pipeline (json_schema + field_mapping -> json_lines, -Xmx256m): %,d records in %.1f s = %,.0f records/s "
          + "(%.0f MB/s of source), %.0f %% of the bare limit%n", full.records, full.seconds, full.records / full.seconds,
          full.bytes / full.seconds / 1e6, 100 * (full.records / full.seconds) / (bare.records / bare.seconds));
      System.out.printf("node heap, %,d records: most used %.0f MiB, most live after GC %.0f MiB%n", small.records,
          small.heapUsed / 1048576.0, small.heapLive / 1048576.0);
      System.out.printf("node heap, %,d records: most used %.0f MiB, most live after GC %.0f MiB%n", full.records,
          full.heapUsed / 1048576.0, full.heapLive / 1048576.0);
      stream(node, admin, source, records / 10, full, config);
      node.terminate(Duration.ofSeconds(30));
    } finally {
      vertx.close().await();
    }
  }

  private record Result(long records, double seconds, long bytes, long heapUsed, long heapLive) {
  }

  /** Records like a GitHub event (about 1 KB): nested objects, numbers, text. */
  private static Buffer[] pages() {
    Buffer[] pages = new Buffer[DISTINCT_PAGES];
    String text = "x".repeat(730);
    for (int p = 0; p < DISTINCT_PAGES; p++) {
      JsonArray page = new JsonArray();
      for (int i = 0; i < PAGE; i++) {
        long id = (long) p * PAGE + i;
        page.add(new JsonObject().put("id", id).put("type", "PushEvent").put("created_at", "2026-12-01T10:00:00Z")
            .put("actor", new JsonObject().put("id", id % 9973).put("login", "user" + (id % 9973)).put("url", "https://api.example/users/" + (id % 9973)))
            .put("repo", new JsonObject().put("id", id % 101).put("name", "org/repo-" + (id % 101)))
            .put("payload", new JsonObject().put("size", id % 17).put("ref", "refs/heads/main").put("description", text))
            .put("score", (id % 1000) / 10.0).put("public", true));
      }
      pages[p] = page.toBuffer();
    }
    return pages;
  }

  /** Offset pagination over {@code size} records (a query parameter; {@code records} without one). */
  private static HttpServer source(Vertx vertx, Buffer[] pages, long defaultSize) {
    return vertx.createHttpServer().requestHandler(request -> {
      long offset = Long.parseLong(request.getParam("offset", "0"));
      long records = Long.parseLong(request.getParam("size", Long.toString(defaultSize)));
      Buffer page = offset >= records ? Buffer.buffer("[]") : pages[(int) ((offset / PAGE) % DISTINCT_PAGES)];
      request.response().putHeader("content-type", "application/json").end(page);
    }).listen(0, "127.0.0.1").await();
  }

  /** The limit: pages fetched one after another, each parsed with Jackson's streaming parser and copied record by record to a file. */
  private static Result bare(String base, long records) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    JsonFactory json = new JsonFactory();
    Path out = Files.createTempFile("bare", ".jsonl");
    long start = System.nanoTime();
    long count = 0;
    long bytes = 0;
    try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16); JsonGenerator writer = json.createGenerator(file)) {
      writer.setRootValueSeparator(null);
      for (long offset = 0; offset < records; offset += PAGE) {
        HttpResponse<InputStream> page = client.send(HttpRequest.newBuilder(URI.create(base + "/records?size=" + records + "&offset=" + offset
                + "&limit=" + PAGE)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = page.body(); JsonParser reader = json.createParser(in)) {
          reader.nextToken();
          while (reader.nextToken() == JsonToken.START_OBJECT) {
            writer.copyCurrentStructure(reader);
            writer.writeRaw('\n');
            count++;
          }
          bytes += reader.currentLocation().getByteOffset();
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Files.delete(out);
    return new Result(count, seconds, bytes, 0, 0);
  }

  /**
   * The same pipeline into a klf_stream to a second node process (default stream_batch_bytes): records/s
   * against the local output's, and the sending node's heap.
   */
  private static void stream(NodeProcess sender, Accounts.Session admin, String source, long records, Result local, Path config) {
    Path targetDir = TestNode.tempDir();
    String senderDid = sender.http().get("/klf/v1/identity").json().getString("nodeId");
    List<String> targetArgs = List.of("--config", config.toString(), "--http-port", "0", "--data-dir", targetDir.toString(), "--db-url", TestDatabase.freshDatabaseUrl(),
        "--verticles", "tohunga");
    Map<String, String> env = Map.of("KOS_LOGGING_LEVEL", "WARN",
        "KOS_KLF_PEERS", new JsonArray().add(new JsonObject().put("did", senderDid).put("role", "editor")).encode());
    try (NodeProcess target = NodeProcess.start(targetArgs, env, Duration.ofSeconds(120))) {
      JsonObject destination = new JsonObject().put("type", "klf_stream").put("target_url", target.url())
          .put("target_did", target.http().get("/klf/v1/identity").json().getString("nodeId"));
      Result streamed = pipeline(sender, admin, source, records, destination);
      System.out.printf("klf_stream to a second node process (256 KiB signed batches, one in flight): %,d records in %.1f s = %,.0f records/s "
          + "(%.0f MB/s of source), %.0f %% of the local output's rate; sender heap most used %.0f MiB, most live after GC %.0f MiB%n",
          streamed.records, streamed.seconds, streamed.records / streamed.seconds, streamed.bytes / streamed.seconds / 1e6,
          100 * (streamed.records / streamed.seconds) / (local.records / local.seconds), streamed.heapUsed / 1048576.0,
          streamed.heapLive / 1048576.0);
      target.terminate(Duration.ofSeconds(30));
    }
  }

  private static Result pipeline(NodeProcess node, Accounts.Session admin, String source, long records, JsonObject destination) {
    JsonObject schema = new JsonObject().put("type", "object").put("required", new JsonArray().add("id").add("actor").add("type"))
        .put("properties", new JsonObject().put("id", new JsonObject().put("type", "integer").put("minimum", 0))
            .put("type", new JsonObject().put("type", "string").put("maxLength", 50))
            .put("actor", new JsonObject().put("type", "object").put("required", new JsonArray().add("login"))
                .put("properties", new JsonObject().put("login", new JsonObject().put("type", "string"))))
            .put("score", new JsonObject().put("type", "number").put("minimum", 0).put("maximum", 100)));
    JsonArray steps = new JsonArray()
        .add(new JsonObject().put("step_id", "valid").put("step_type", "validation").put("step_module", "json_schema")
            .put("definition", new JsonObject().put("schema", schema)))
        .add(new JsonObject().put("step_id", "map").put("step_type", "transformation").put("step_module", "field_mapping")
            .put("definition", new JsonObject().put("map", new JsonObject().put("id", "event_id").put("type", "event_type")
                .put("actor.login", "user_login").put("repo.name", "repo").put("created_at", "at").put("score", "score")
                .put("payload.description", "description"))));
    JsonObject job = new JsonObject().put("source_id", source).put("request_params", new JsonObject().put("path", "/records")
        .put("query_params", new JsonObject().put("size", records))).put("pipeline_steps", steps)
        .put("output_config", new JsonObject().put("format", "json_lines").put("destination", destination));
    HeapWatch heap = new HeapWatch(node.http());
    heap.start();
    String jobId = admin.http().postJson("/api/tohunga/v1/jobs", job).json().getString("job_id");
    JsonObject done = admin.http().await("/api/tohunga/v1/jobs/" + jobId, r -> !List.of("pending", "running").contains(r.json().getString("status")),
        Duration.ofMinutes(30)).json();
    heap.stop = true;
    if (!done.getString("status").equals("completed")) {
      throw new AssertionError("the bench job did not complete: " + done.encode());
    }
    JsonObject provenance = admin.http().get("/api/tohunga/v1/jobs/" + jobId + "/provenance").json();
    double seconds = Duration.between(OffsetDateTime.parse(done.getString("started_at")), OffsetDateTime.parse(done.getString("completed_at")))
        .toNanos() / 1e9;
    return new Result(done.getLong("records_out"), seconds, provenance.getLong("source_bytes"), heap.used.get(), heap.live.get());
  }

  /** Samples the node's /metrics: heap used (all heap pools) and the live data after the last collection. */
  private static final class HeapWatch extends Thread {

    private final Http http;
    final AtomicLong used = new AtomicLong();
    final AtomicLong live = new AtomicLong();
    volatile boolean stop;

    HeapWatch(Http http) {
      this.http = http;
      setDaemon(true);
    }

    @Override
    public void run() {
      while (!stop) {
        String metrics = http.get("/metrics").text();
        long heap = 0;
        for (String line : metrics.split("\n")) {
          if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
            heap += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          }
          if (line.startsWith("jvm_gc_live_data_size_bytes")) {
            live.accumulateAndGet((long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Math::max);
          }
        }
        used.accumulateAndGet(heap, Math::max);
        NodeProcess.sleep(200);
      }
    }
  }
}
