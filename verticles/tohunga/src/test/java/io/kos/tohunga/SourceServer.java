package io.kos.tohunga;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A paginated JSON API on loopback, the test's data source: {@code total} records
 * {@code {id, name, actor: {login}, score}} served in every pagination style the http_api source
 * speaks, plus the failures it must handle (429 with Retry-After, 500 then success, 401, a slow answer).
 */
final class SourceServer implements AutoCloseable {

  private final HttpServer server;
  final int total;
  final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
  final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

  private SourceServer(int total) throws IOException {
    this.total = total;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/", this::handle);
    server.start();
  }

  static SourceServer start(int total) {
    try {
      return new SourceServer(total);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  static JsonObject record(int i) {
    return new JsonObject().put("id", i).put("name", "item-" + i).put("actor", new JsonObject().put("login", "user" + (i % 7)))
        .put("score", i % 100).put("email", "u" + i + "@example.org");
  }

  private JsonArray records(long from, long count) {
    JsonArray out = new JsonArray();
    for (long i = from; i < Math.min(total, from + count); i++) {
      out.add(record((int) i));
    }
    return out;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
    Map<String, String> seen = new HashMap<>(query);
    seen.put(":path", path);
    exchange.getRequestHeaders().forEach((name, values) -> seen.put(name.toLowerCase(), values.get(0)));
    requests.add(seen);
    int hit = hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    long limit = Long.parseLong(query.getOrDefault("limit", "10"));
    switch (path) {
      case "/offset" -> json(exchange, 200, records(Long.parseLong(query.getOrDefault("offset", "0")), limit).encode(), null);
      case "/page" -> json(exchange, 200, new JsonObject().put("items", records((Long.parseLong(query.getOrDefault("page", "1")) - 1) * limit, limit))
          .encode(), null);
      case "/cursor" -> {
        long from = Long.parseLong(query.getOrDefault("cursor", "0"));
        JsonObject body = new JsonObject().put("data", records(from, limit)).put("meta", new JsonObject().put("total", total));
        if (from + limit < total) {
          body.put("meta", body.getJsonObject("meta").put("next", Long.toString(from + limit)));
        }
        json(exchange, 200, body.encode(), null);
      }
      case "/next" -> {
        long from = Long.parseLong(query.getOrDefault("from", "0"));
        JsonObject body = new JsonObject().put("results", records(from, 10));
        body.put("next", from + 10 < total ? "/next?from=" + (from + 10) : null);
        json(exchange, 200, body.encode(), null);
      }
      case "/link" -> {
        long from = Long.parseLong(query.getOrDefault("from", "0"));
        json(exchange, 200, records(from, 10).encode(), from + 10 < total ? "<" + url() + "/link?from=" + (from + 10) + ">; rel=\"next\"" : null);
      }
      case "/since" -> {
        // records with an id above `since`, `limit` a page, each page a little slow: an incremental source a test can kill a node during
        long since = Long.parseLong(query.getOrDefault("since", "-1"));
        long from = Math.max(since + 1, 0) + Long.parseLong(query.getOrDefault("offset", "0"));
        try {
          Thread.sleep(Long.parseLong(query.getOrDefault("delay_ms", "0")));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        json(exchange, 200, records(from, limit).encode(), null);
      }
      case "/offsite" -> json(exchange, 200, new JsonObject().put("results", records(0, 10)).put("next", "http://127.0.0.2:1/next").encode(), null);
      case "/limited" -> {
        if (hit == 1) {
          exchange.getResponseHeaders().add("Retry-After", "1");
          json(exchange, 429, "{\"error\":\"slow down\"}", null);
        } else {
          json(exchange, 200, records(0, 10).encode(), null);
        }
      }
      case "/flaky" -> json(exchange, hit == 1 ? 500 : 200, hit == 1 ? "{}" : records(0, 10).encode(), null);
      case "/down" -> json(exchange, 503, "{}", null);
      case "/secure" -> {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        boolean ok = "Bearer s3cret-token".equals(auth) || "k3y-value".equals(exchange.getRequestHeaders().getFirst("X-Api-Key"))
            || ("Basic " + java.util.Base64.getEncoder().encodeToString("ann:pa55word".getBytes(StandardCharsets.UTF_8))).equals(auth);
        json(exchange, ok ? 200 : 401, ok ? records(0, 10).encode() : "{\"error\":\"who are you\"}", null);
      }
      case "/missing" -> json(exchange, 404, "{}", null);
      case "/slow" -> {
        try {
          Thread.sleep(3000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        json(exchange, 200, records(0, 10).encode(), null);
      }
      case "/csv" -> text(exchange, "text/csv", "id,name,score\n1,one,10\n2,\"two, too\",20\n3,three,30\n");
      case "/jsonl" -> text(exchange, "application/x-ndjson", "{\"id\":1}\n{\"id\":2}\n");
      case "/xml" -> text(exchange, "application/xml", "<feed><item><id>1</id><name>one</name></item><item><id>2</id><name>two</name></item></feed>");
      case "/notjson" -> text(exchange, "text/html", "<html>hello</html>");
      default -> json(exchange, 404, "{}", null);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      out.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static void json(HttpExchange exchange, int status, String body, String link) throws IOException {
    if (link != null) {
      exchange.getResponseHeaders().add("Link", link);
    }
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    send(exchange, status, body);
  }

  private static void text(HttpExchange exchange, String type, String body) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", type);
    send(exchange, 200, body);
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
