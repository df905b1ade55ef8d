package io.kos.node.klf;

import io.kos.node.identity.NodeIdentity;
import io.kos.verticle.Addresses;
import io.kos.verticle.outbound.OutboundGuard;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.TrustOptions;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;

/**
 * Sends signed KLF messages: over HTTP to a node's {@code /klf/v1/message} (through the outbound
 * guard, certificates verified against the JDK's CAs and {@code klf.ca}), or over the cluster bus to
 * {@code kos.node.<did>.klf}. The answer is the receiver's status and JSON body either way.
 */
public final class KlfClient {

  /** The receiver's answer: a signed reply envelope, an acknowledgement, or a refusal {@code {error, message}}. */
  public record Answer(int status, JsonObject body) {

    public boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  public static final String MESSAGE_PATH = "/klf/v1/message";
  private static final int MAX_ANSWER_BYTES = 4 << 20;

  private final Vertx vertx;
  private final OutboundHttp http;
  private final long timeoutMillis;

  public KlfClient(Vertx vertx, OutboundGuard guard, Path ca, long timeoutMillis) {
    this.vertx = vertx;
    this.http = new OutboundHttp(vertx, vertx.createHttpClient(clientOptions(ca)), guard);
    this.timeoutMillis = timeoutMillis;
  }

  /** HTTP/1.1 keep-alive, certificates and host names verified; a private CA added to the JDK's when given. */
  static HttpClientOptions clientOptions(Path ca) {
    HttpClientOptions options = new HttpClientOptions().setKeepAlive(true).setVerifyHost(true)
        .setConnectTimeout(5000);
    if (ca != null) {
      options.setTrustOptions(TrustOptions.wrap(trustManager(ca)));
    }
    return options;
  }

  /** The JDK's CAs and those of the PEM file {@code ca}. */
  public static X509TrustManager trustManager(Path ca) {
    try {
      TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      jdk.init((KeyStore) null);
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int n = 0;
      for (var manager : jdk.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          for (X509Certificate issuer : x509.getAcceptedIssuers()) {
            store.setCertificateEntry("jdk-" + n++, issuer);
          }
        }
      }
      Collection<? extends Certificate> own;
      try (InputStream in = Files.newInputStream(ca)) {
        own = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
      if (own.isEmpty()) {
        throw new IllegalArgumentException("klf.ca " + ca + " holds no PEM certificate");
      }
      for (Certificate certificate : own) {
        store.setCertificateEntry("klf-ca-" + n++, certificate);
      }
      TrustManagerFactory combined = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      combined.init(store);
      for (var manager : combined.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("no X.509 trust manager");
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("klf.ca " + ca + " cannot be read as PEM certificates: " + e.getMessage(), e);
    }
  }

  /** Sends to {@code target}: a DID (over the cluster bus) or a node's base URL or message URL (over HTTP). */
  public Future<Answer> send(String target, JsonObject message) {
    return KlfMessage.DID.matcher(target).matches() ? overBus(target, message) : overHttp(messageUrl(target), message);
  }

  /**
   * The DID of the node at {@code target} (its base or message URL), from its signed identity
   * document; fails unless the signature verifies and the key derives the DID.
   */
  public Future<String> didOf(String target) {
    String url = messageUrl(target);
    String base = url.substring(0, url.length() - MESSAGE_PATH.length());
    return http.send(new OutboundHttp.Request(HttpMethod.GET, base + "/klf/v1/identity", null, null, timeoutMillis, 0, MAX_ANSWER_BYTES))
        .map(reply -> {
          JsonObject document = json(reply.body());
          String did = document.getString("nodeId");
          PublicKey key = document.getValue("publicKey") instanceof String text ? NodeIdentity.decodePublicKey(text) : null;
          if (did == null || key == null || !NodeIdentity.verifyDocument(document) || !NodeIdentity.didMatches(did, key)) {
            throw new IllegalStateException(base + "/klf/v1/identity is not a validly signed kOS identity document (status " + reply.status() + ")");
          }
          return did;
        });
  }

  /** {@code https://host:port} or {@code https://host:port/klf/v1/message}: the message URL. */
  public static String messageUrl(String target) {
    String trimmed = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
    return trimmed.endsWith(MESSAGE_PATH) ? trimmed : trimmed + MESSAGE_PATH;
  }

  private Future<Answer> overHttp(String url, JsonObject message) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
    return http.send(new OutboundHttp.Request(HttpMethod.POST, url, headers, message.toBuffer(), timeoutMillis, 0, MAX_ANSWER_BYTES))
        .map(reply -> new Answer(reply.status(), json(reply.body())));
  }

  private Future<Answer> overBus(String did, JsonObject message) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMillis);
    return vertx.eventBus().<Object>request(Addresses.node(did, "klf"), message.toBuffer(), options)
        .map(reply -> new Answer(status(reply.headers().get(Addresses.HEADER_STATUS)), json((Buffer) reply.body())))
        .recover(failure -> {
          if (failure instanceof ReplyException refused && refused.failureCode() >= 400 && refused.failureCode() <= 599) {
            return Future.succeededFuture(new Answer(refused.failureCode(), json(Buffer.buffer(String.valueOf(refused.getMessage())))));
          }
          return Future.failedFuture(failure);
        });
  }

  private static int status(String header) {
    return header == null ? 200 : Integer.parseInt(header);
  }

  private static JsonObject json(Buffer body) {
    try {
      return body == null || body.length() == 0 ? new JsonObject() : new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject().put("error", "not_klf").put("message", "the answer is not a JSON object");
    }
  }
}
