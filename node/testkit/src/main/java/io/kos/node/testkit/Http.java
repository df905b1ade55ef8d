package io.kos.node.testkit;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A small blocking HTTP client for tests: JSON in, status + headers + JSON out. */
public final class Http {

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();

  private final String baseUrl;
  private final Map<String, String> headers;

  public Http(String baseUrl) {
    this(baseUrl, Map.of());
  }

  private Http(String baseUrl, Map<String, String> headers) {
    this.baseUrl = baseUrl;
    this.headers = headers;
  }

  /** A client that sends this header with every request besides those it already sends. */
  public Http with(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Http(baseUrl, Map.copyOf(more));
  }

  public Http withBearer(String accessToken) {
    return with("Authorization", "Bearer " + accessToken);
  }

  public Http withApiKey(String key) {
    return with("X-API-Key", key);
  }

  public String baseUrl() {
    return baseUrl;
  }

  public Response get(String path) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
  }

  public Response delete(String path) {
    return send("DELETE", path, null, null);
  }

  public Response putJson(String path, Object json) {
    return send("PUT", path, "application/json", json.toString());
  }

  public Response patchJson(String path, Object json) {
    return send("PATCH", path, "application/json", json.toString());
  }

  public Response post(String path, String contentType, String body) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      builder.header("Content-Type", contentType);
    }
    return send(builder);
  }

  public Response postJson(String path, Object json) {
    return post(path, "application/json", json.toString());
  }

  public Response send(String method, String path, String contentType, String body) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      builder.header("Content-Type", contentType);
    }
    return send(builder);
  }

  /** Polls {@code GET path} until a response satisfies the condition; fails with the last response. */
  public Response await(String path, java.util.function.Predicate<Response> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Response last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = get(path);
        if (condition.test(last)) {
          return last;
        }
      } catch (UncheckedIOException notListening) {
        // keep polling until the deadline
      }
      NodeProcess.sleep(100);
    }
    throw new AssertionError("GET " + path + " did not meet the condition within " + timeout + "; last response: " + last);
  }

  private Response send(HttpRequest.Builder request) {
    headers.forEach(request::header);
    try {
      HttpResponse<String> response = CLIENT.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public record Response(int status, java.net.http.HttpHeaders headers, String text) {

    public JsonObject json() {
      return new JsonObject(text);
    }

    public JsonArray jsonArray() {
      return new JsonArray(text);
    }

    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    @Override
    public String toString() {
      return status + " " + text;
    }
  }
}
