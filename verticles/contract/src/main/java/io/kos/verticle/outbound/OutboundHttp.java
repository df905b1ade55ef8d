package io.kos.verticle.outbound;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * HTTP out of the node through the {@link OutboundGuard}: the host is resolved here, every address
 * it resolves to is checked, and the request connects to that checked address (so a DNS answer
 * cannot change between the check and the connection). Redirects are followed by hand, each hop
 * checked the same way; credentials are dropped when a redirect leaves the origin. One deadline
 * covers the whole exchange, redirects and body included.
 */
public final class OutboundHttp {

  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
  private static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "cookie", "proxy-authorization");

  /** How long a name's checked addresses are reused: the thread hop of a lookup costs more than the request on loopback. */
  private static final long NAME_CACHE_MS = 10_000;
  private static final int NAME_CACHE_SIZE = 1024;

  private final Vertx vertx;
  private final HttpClient client;
  private final OutboundGuard guard;
  /** Names recently resolved and checked (per instance: one event loop uses it). */
  private final java.util.LinkedHashMap<String, Resolved> names = new java.util.LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(java.util.Map.Entry<String, Resolved> eldest) {
      return size() > NAME_CACHE_SIZE;
    }
  };

  private record Resolved(InetAddress address, long expiresAt) {
  }

  public OutboundHttp(Vertx vertx, HttpClient client, OutboundGuard guard) {
    this.vertx = vertx;
    this.client = client;
    this.guard = guard;
  }

  /**
   * @param maxRedirects hops followed (0: a redirect is answered as it is)
   * @param maxBodyBytes the most response body read; more fails the exchange
   */
  public record Request(HttpMethod method, String url, MultiMap headers, Buffer body, long timeoutMs, int maxRedirects, int maxBodyBytes) {
  }

  /** The final answer: status, headers and body of the last hop, and the URL it came from. */
  public record Reply(int status, MultiMap headers, Buffer body, String url) {

    public String header(String name) {
      return headers.get(name);
    }
  }

  /** Sends the request and reads the whole answer (up to {@code maxBodyBytes}). */
  public Future<Reply> send(Request request) {
    Exchange exchange = new Exchange(request);
    return exchange.run(response -> readBody(response, request.maxBodyBytes())
        .map(body -> new Reply(response.statusCode(), response.headers(), body, exchange.url.toString())));
  }

  /**
   * Sends the request and hands the final response, body unread, to {@code reader} (which must set
   * its handlers at once, on this call); the deadline covers the reader's future too.
   */
  public <T> Future<T> exchange(Request request, java.util.function.Function<HttpClientResponse, Future<T>> reader) {
    return new Exchange(request).run(reader);
  }

  /** {@code Retry-After} as seconds or an HTTP date, in milliseconds; -1 when absent or unreadable. */
  public static long retryAfterMs(String header) {
    if (header == null || header.isBlank()) {
      return -1;
    }
    String value = header.trim();
    if (value.matches("\\d{1,9}")) {
      return Long.parseLong(value) * 1000;
    }
    try {
      long ms = java.time.Duration.between(java.time.ZonedDateTime.now(),
          java.time.ZonedDateTime.parse(value, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)).toMillis();
      return Math.max(0, ms);
    } catch (java.time.format.DateTimeParseException e) {
      return -1;
    }
  }

  /** Checks a URL's scheme and form (not its address); null when usable, else why not. */
  public static String urlProblem(String url) {
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        return "must be an http:// or https:// URL";
      }
      if (uri.getHost() == null || uri.getHost().isEmpty()) {
        return "has no host";
      }
      if (uri.getRawUserInfo() != null) {
        return "must not carry credentials (user:password@); use a header";
      }
      return null;
    } catch (URISyntaxException e) {
      return "is not a valid URL: " + e.getReason();
    }
  }

  private static Future<Buffer> readBody(HttpClientResponse response, int maxBytes) {
    Promise<Buffer> promise = Promise.promise();
    Buffer body = Buffer.buffer();
    response.handler(chunk -> {
      if (body.length() + chunk.length() > maxBytes) {
        response.handler(null);
        promise.tryFail(new OutboundException("the answer is larger than " + maxBytes + " bytes", false));
        response.request().reset();
        return;
      }
      body.appendBuffer(chunk);
    });
    response.exceptionHandler(promise::tryFail);
    response.endHandler(v -> promise.tryComplete(body));
    return promise.future();
  }

  /** One request and its redirects under one deadline. */
  private final class Exchange {

    private final Request request;
    private URI url;
    private HttpMethod method;
    private Buffer body;
    private MultiMap headers;
    private HttpClientRequest current;
    private boolean timedOut;

    Exchange(Request request) {
      this.request = request;
      this.method = request.method();
      this.body = request.body();
      this.headers = request.headers() == null ? MultiMap.caseInsensitiveMultiMap() : MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
    }

    <T> Future<T> run(java.util.function.Function<HttpClientResponse, Future<T>> reader) {
      String problem = urlProblem(request.url());
      if (problem != null) {
        return Future.failedFuture(new OutboundException("the URL " + problem, false));
      }
      url = URI.create(request.url());
      Promise<T> result = Promise.promise();
      long timer = vertx.setTimer(request.timeoutMs(), id -> {
        timedOut = true;
        if (result.tryFail(new TimeoutException("no complete answer within " + request.timeoutMs() + " ms")) && current != null) {
          current.reset();
        }
      });
      hop(0).compose(reader).onComplete(done -> {
        vertx.cancelTimer(timer);
        if (done.succeeded()) {
          result.tryComplete(done.result());
        } else {
          result.tryFail(done.cause());
        }
      });
      return result.future();
    }

    private Future<HttpClientResponse> hop(int redirects) {
      String host = url.getHost().startsWith("[") ? url.getHost().substring(1, url.getHost().length() - 1) : url.getHost();
      boolean tls = url.getScheme().equalsIgnoreCase("https");
      int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
      return resolve(host).compose(address -> {
        if (timedOut) {
          return Future.failedFuture(new TimeoutException("timed out"));
        }
        String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
            + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        RequestOptions options = new RequestOptions().setMethod(method).setHost(host).setPort(port).setSsl(tls).setURI(path)
            .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress())).setFollowRedirects(false)
            .setHeaders(MultiMap.caseInsensitiveMultiMap().addAll(headers));
        return client.request(options).compose(req -> {
          current = req;
          return body == null ? req.send() : req.send(body);
        });
      }).compose(response -> {
        String location = response.getHeader("location");
        if (!REDIRECTS.contains(response.statusCode()) || location == null || redirects >= request.maxRedirects()) {
          return Future.succeededFuture(response);
        }
        response.handler(null);
        return response.body().transform(ignored -> follow(response.statusCode(), location, redirects));
      });
    }

    private Future<HttpClientResponse> follow(int status, String location, int redirects) {
      URI next;
      try {
        next = url.resolve(new URI(location));
      } catch (URISyntaxException | IllegalArgumentException e) {
        return Future.failedFuture(new OutboundException("redirect to an invalid location '" + location + "'", false));
      }
      String problem = urlProblem(next.toString());
      if (problem != null) {
        return Future.failedFuture(new OutboundException("redirect to " + next + ": the URL " + problem, false));
      }
      if (!sameOrigin(url, next)) {
        CREDENTIAL_HEADERS.forEach(headers::remove);
      }
      if (status == 303 || ((status == 301 || status == 302) && method == HttpMethod.POST)) {
        method = HttpMethod.GET;
        body = null;
        headers.remove("content-type");
        headers.remove("content-length");
      }
      url = next;
      return hop(redirects + 1);
    }

    /**
     * The address to connect to: an IP literal as it is, a name resolved off the event loop (and
     * reused for a few seconds); every address checked.
     */
    private Future<InetAddress> resolve(String host) {
      Resolved cached = names.get(host);
      if (cached != null && cached.expiresAt() > System.currentTimeMillis()) {
        return Future.succeededFuture(cached.address());
      }
      Future<InetAddress[]> addresses = IP_LITERAL.matcher(host).matches()
          ? literal(host)
          : vertx.<InetAddress[]>executeBlocking(() -> InetAddress.getAllByName(host), false).recover(e ->
              Future.failedFuture(new OutboundException("cannot resolve " + host + ": " + e.getMessage(), true)));
      return addresses.compose(all -> {
        for (InetAddress address : all) {
          String refusal = guard.refusal(address);
          if (refusal != null) {
            return Future.failedFuture(new OutboundException("refused to connect to " + host + ": " + refusal, false));
          }
        }
        names.put(host, new Resolved(all[0], System.currentTimeMillis() + NAME_CACHE_MS));
        return Future.succeededFuture(all[0]);
      });
    }
  }

  /** IPv4 dotted quads and anything with a colon (IPv6): parsed without a lookup. */
  private static final java.util.regex.Pattern IP_LITERAL = java.util.regex.Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

  private static Future<InetAddress[]> literal(String host) {
    try {
      return Future.succeededFuture(new InetAddress[] {InetAddress.getByName(host)});
    } catch (java.net.UnknownHostException e) {
      return Future.failedFuture(new OutboundException("'" + host + "' is not a valid address", false));
    }
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost()) && a.getPort() == b.getPort();
  }
}
