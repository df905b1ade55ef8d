package io.kos.node.http;

import io.kos.verticle.ErrorCode;
import io.kos.verticle.Errors;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * What happens at the HTTP edge before and around the router, for one ingress instance (one event
 * loop): requests the decoder refuses get the JSON error body like any other; a body that cannot
 * be decoded (a bad chunk size) or a client gone mid-body is a 400 or nothing, logged at DEBUG, not
 * an ERROR with a stack trace per request; a client has {@code http.header_timeout} to send its
 * headers and {@code http.body_timeout} for its body (slowloris); {@code HEAD} is served by every
 * {@code GET} route and a 405 says which methods the path takes ({@code Allow}).
 */
final class HttpEdge {

  private static final Logger LOG = LoggerFactory.getLogger(HttpEdge.class);
  /** At most one DEBUG line per this many refused requests of one kind: a flood leaves a count, not a log. */
  private static final long LOG_EVERY = 100;
  private static final Set<HttpMethod> BODY_METHODS = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH);

  private record Template(Pattern path, Set<HttpMethod> methods) {
  }

  private final Vertx vertx;
  private final long headerTimeoutMillis;
  private final long bodyTimeoutMillis;
  private final List<Template> templates = new ArrayList<>();
  /** Connections waiting for a request's headers, and the timer that closes each. */
  private final Map<HttpConnection, Long> awaitingHeaders = new HashMap<>();
  private final AtomicLong refusedRequests = new AtomicLong();
  private final AtomicLong brokenBodies = new AtomicLong();

  HttpEdge(Vertx vertx, long headerTimeoutMillis, long bodyTimeoutMillis) {
    this.vertx = vertx;
    this.headerTimeoutMillis = headerTimeoutMillis;
    this.bodyTimeoutMillis = bodyTimeoutMillis;
  }

  /** Records a route's path and method for {@code Allow}; a GET route also answers HEAD. Returns the methods to mount. */
  Set<HttpMethod> mounted(String path, HttpMethod method) {
    Set<HttpMethod> methods = method == HttpMethod.GET ? Set.of(HttpMethod.GET, HttpMethod.HEAD) : Set.of(method);
    Pattern pattern = Pattern.compile(Pattern.quote(path).replaceAll(":[a-z_]+", "\\\\E[^/]+\\\\Q"));
    for (Template template : templates) {
      if (template.path.pattern().equals(pattern.pattern())) {
        template.methods.addAll(methods);
        return methods;
      }
    }
    templates.add(new Template(pattern, new LinkedHashSet<>(methods)));
    return methods;
  }

  /** A route that answers GET and HEAD (the body of a HEAD answer is dropped by Vert.x). */
  io.vertx.ext.web.Route get(Router router, String path) {
    mounted(path, HttpMethod.GET);
    return router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD);
  }

  /** The methods any route of the path takes, for {@code Allow}. */
  String allowed(String path) {
    Set<String> methods = new TreeSet<>();
    for (Template template : templates) {
      if (template.path.matcher(path).matches()) {
        template.methods.forEach(m -> methods.add(m.name()));
      }
    }
    return String.join(", ", methods);
  }

  // ---- below the router

  /** A request the HTTP decoder refused: the status Vert.x would send, with the JSON body, then the connection closes. */
  void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    ErrorCode code = cause instanceof TooLongHttpLineException ? Errors.URI_TOO_LONG
        : cause instanceof TooLongHttpHeaderException ? Errors.HEADERS_TOO_LARGE
        : request.version() == null ? Errors.HTTP_VERSION_NOT_SUPPORTED : Errors.BAD_REQUEST;
    if (refusedRequests.incrementAndGet() % LOG_EVERY == 1) {
      LOG.debug("refused a malformed request from {} ({}; {} so far): {}", request.remoteAddress(), code.code(), refusedRequests.get(),
          cause == null ? "" : cause.getMessage());
    }
    closeWith(request, code, message(code));
  }

  private String message(ErrorCode code) {
    return switch (code.code()) {
      case "uri_too_long" -> "the request line is longer than 8192 bytes";
      case "headers_too_large" -> "the request headers are larger than 8 KiB";
      case "http_version_not_supported" -> "this node speaks HTTP/1.0 and HTTP/1.1";
      default -> "the request line, a header or Content-Length is malformed";
    };
  }

  /**
   * A failure of the router that is the client's, not ours: a body the decoder could not read (a
   * bad chunk size: 400, connection closed) or a client that went away (nothing to answer). True
   * when handled.
   */
  boolean clientFailure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    boolean undecodable = ctx.request().decoderResult().isFailure() || isDecodeFailure(failure);
    boolean gone = !undecodable && (ctx.response().closed() || failure instanceof HttpClosedException);
    if (!undecodable && !gone) {
      return false;
    }
    if (brokenBodies.incrementAndGet() % LOG_EVERY == 1) {
      LOG.debug("{} {} from {}: {} ({} so far)", ctx.request().method(), ctx.request().path(), ctx.request().remoteAddress(),
          undecodable ? "undecodable body" : "client went away", brokenBodies.get());
    }
    if (undecodable && !ctx.response().closed()) {
      closeWith(ctx.request(), Errors.BAD_REQUEST, "the request body is malformed (bad chunked encoding)");
    }
    return true;
  }

  private static boolean isDecodeFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof DecoderException || (t instanceof NumberFormatException
          && String.valueOf(t.getMessage()).contains("chunk size"))) {
        return true;
      }
    }
    return false;
  }

  /** Answers the error, then closes the connection (what is left of the request cannot be read as a next one). */
  private static void closeWith(HttpServerRequest request, ErrorCode code, String message) {
    HttpServerResponse response = request.response();
    if (response.headWritten() || response.closed()) {
      request.connection().close();
      return;
    }
    response.setStatusCode(code.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").putHeader(HttpHeaders.CONNECTION, "close")
        .end(new JsonObject().put("error", code.code()).put("message", message).toBuffer())
        .onComplete(done -> request.connection().close());
  }

  // ---- deadlines (slowloris)

  /** A new connection has {@code header_timeout} to deliver its first request's headers. */
  void connected(HttpConnection connection) {
    DecoderGuard.install(connection);
    awaitHeaders(connection);
    connection.closeHandler(v -> {
      Long timer = awaitingHeaders.remove(connection);
      if (timer != null) {
        vertx.cancelTimer(timer);
      }
    });
  }

  private void awaitHeaders(HttpConnection connection) {
    long[] id = new long[1];
    id[0] = vertx.setTimer(headerTimeoutMillis, fired -> {
      if (awaitingHeaders.remove(connection, id[0])) {
        // nothing to answer to: no request has begun; an idle keep-alive connection ends the same way
        connection.close();
      }
    });
    Long previous = awaitingHeaders.put(connection, id[0]);
    if (previous != null) {
      vertx.cancelTimer(previous);
    }
  }

  /** A request's headers are in: stop the header deadline, start the body's when it has one. */
  void requestStarted(HttpServerRequest request) {
    HttpConnection connection = request.connection();
    Long timer = awaitingHeaders.remove(connection);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
    if (!request.isEnded() && BODY_METHODS.contains(request.method())) {
      long body = vertx.setTimer(bodyTimeoutMillis, fired -> {
        if (!request.isEnded()) {
          LOG.debug("{} {} from {}: body not received within http.body_timeout", request.method(), request.path(), request.remoteAddress());
          closeWith(request, Errors.REQUEST_TIMEOUT, "the request body did not arrive within http.body_timeout ("
              + bodyTimeoutMillis / 1000 + " s)");
        }
      });
      request.end().onComplete(done -> vertx.cancelTimer(body));
    }
  }

  /** The answer is out: the connection has {@code header_timeout} again for its next request. */
  void responded(HttpServerRequest request) {
    HttpConnection connection = request.connection();
    if (connection != null && !request.response().closed()) {
      awaitHeaders(connection);
    }
  }

  /** The request id a client sent when it is safe to log (letters, digits, {@code . _ : -}, at most 64), else null. */
  static String safeRequestId(String sent) {
    return sent != null && SAFE_ID.matcher(sent).matches() ? sent : null;
  }

  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
}
