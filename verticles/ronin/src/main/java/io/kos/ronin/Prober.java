package io.kos.ronin;

import io.kos.verticle.IdentityDocuments;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * One {@code http-api} probe: {@code GET /klf/v1/identity} on a host and port, a new connection
 * each time, no redirect followed. A signed document whose key derives its DID is a verified
 * service; one that does not verify is recorded unverified with the reason; a host that answers
 * 401 or 403 (a node that is not discoverable) and any server that is not a kOS node leave no trace.
 */
final class Prober {

  static final String IDENTITY_PATH = "/klf/v1/identity";
  private static final int MAX_DOCUMENT_BYTES = 64 * 1024;

  enum Kind { CLOSED, NOT_KOS, REFUSED, SERVICE }

  /** What a probe found: a service (its document, verified or with the problem), or nothing to record. */
  record Probe(String endpoint, Kind kind, JsonObject document, String problem, long millis) {
  }

  private final HttpClient client;
  private final int requestTimeoutMs;

  Prober(HttpClient client, int requestTimeoutMs) {
    this.client = client;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  /** Never fails: a connection refused or timed out is {@link Kind#CLOSED}. */
  Future<Probe> probe(String host, int port) {
    String endpoint = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    long start = System.nanoTime();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port).setURI(IDENTITY_PATH)
        .setIdleTimeout(requestTimeoutMs).setFollowRedirects(false).putHeader("accept", "application/json");
    return client.request(options).compose(request -> request.send()).transform(sent -> {
      long millis = (System.nanoTime() - start) / 1_000_000;
      if (sent.failed()) {
        return Future.succeededFuture(new Probe(endpoint, Kind.CLOSED, null, sent.cause().getMessage(), millis));
      }
      HttpClientResponse response = sent.result();
      if (response.statusCode() == 401 || response.statusCode() == 403) {
        response.request().reset();
        return Future.succeededFuture(new Probe(endpoint, Kind.REFUSED, null, null, millis));
      }
      if (response.statusCode() != 200 || tooLong(response.getHeader("content-length"))) {
        response.request().reset();
        return Future.succeededFuture(new Probe(endpoint, Kind.NOT_KOS, null, null, millis));
      }
      return response.body().map(body -> document(endpoint, body.length() > MAX_DOCUMENT_BYTES ? null : body, millis))
          .otherwise(failure -> new Probe(endpoint, Kind.NOT_KOS, null, null, millis));
    });
  }

  private static boolean tooLong(String length) {
    if (length == null) {
      return false;
    }
    try {
      return Long.parseLong(length) > MAX_DOCUMENT_BYTES;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private static Probe document(String endpoint, io.vertx.core.buffer.Buffer body, long millis) {
    JsonObject document;
    try {
      document = body == null ? null : new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      document = null;
    }
    if (document == null || !(document.getValue("nodeId") instanceof String did) || !did.startsWith("did:kos:")
        || !(document.getValue("nodeClass") instanceof String)) {
      return new Probe(endpoint, Kind.NOT_KOS, null, null, millis);
    }
    return new Probe(endpoint, Kind.SERVICE, document, IdentityDocuments.problem(document), millis);
  }
}
