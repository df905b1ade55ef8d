package io.kos.actions;

import io.kos.verticle.outbound.OutboundException;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import org.bouncycastle.crypto.digests.KeccakDigest;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The files an agent names: its registration file and the files its events point at, fetched
 * from {@code https://}, {@code ipfs://} (through the configured gateway) or read from a
 * {@code data:} URI, each fetch through the outbound guard.
 */
final class RemoteFiles {

  private final OutboundHttp http;
  private final String ipfsGateway;
  private final int maxBytes;

  RemoteFiles(OutboundHttp http, String ipfsGateway, int maxBytes) {
    this.http = http;
    this.ipfsGateway = ipfsGateway;
    this.maxBytes = maxBytes;
  }

  /** A file that could not be had: {@code retryable} when the source may answer later. */
  static final class FetchFailed extends RuntimeException {

    final boolean retryable;

    FetchFailed(String message, boolean retryable) {
      super(message, null, false, false);
      this.retryable = retryable;
    }
  }

  Future<Buffer> fetch(String uri, long timeoutMs) {
    String lower = uri.toLowerCase(Locale.ROOT);
    if (lower.startsWith("data:")) {
      try {
        return Future.succeededFuture(data(uri));
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(new FetchFailed("unreadable data: URI: " + e.getMessage(), false));
      }
    }
    String url = lower.startsWith("ipfs://") ? ipfsGateway + stripIpfs(uri.substring("ipfs://".length())) : uri;
    if (!url.toLowerCase(Locale.ROOT).startsWith("https://") && !url.toLowerCase(Locale.ROOT).startsWith("http://")) {
      return Future.failedFuture(new FetchFailed("cannot fetch '" + abbreviated(uri) + "': only https://, ipfs:// and data: URIs", false));
    }
    return http.send(new OutboundHttp.Request(HttpMethod.GET, url, MultiMap.caseInsensitiveMultiMap().add("user-agent", "kos-node"), null,
        timeoutMs, 5, maxBytes)).recover(e -> Future.failedFuture(new FetchFailed("cannot fetch " + abbreviated(uri) + ": " + e.getMessage(),
            !(e instanceof OutboundException refused) || refused.isTransient()))).compose(reply -> {
              if (reply.status() != 200) {
                boolean retryable = reply.status() == 408 || reply.status() == 429 || reply.status() >= 500;
                return Future.failedFuture(new FetchFailed(abbreviated(uri) + " answered HTTP " + reply.status(), retryable));
              }
              return Future.succeededFuture(reply.body());
            });
  }

  /** ERC-8004 hashes are keccak-256; sha-256 is accepted too. True when the bytes have the 0x-hex hash. */
  static boolean hashMatches(Buffer content, String expectedHex) {
    String expected = expectedHex.toLowerCase(Locale.ROOT).startsWith("0x") ? expectedHex.substring(2).toLowerCase(Locale.ROOT)
        : expectedHex.toLowerCase(Locale.ROOT);
    byte[] bytes = content.getBytes();
    return HexFormat.of().formatHex(keccak256(bytes)).equals(expected) || HexFormat.of().formatHex(sha256(bytes)).equals(expected);
  }

  static byte[] keccak256(byte[] bytes) {
    KeccakDigest digest = new KeccakDigest(256);
    digest.update(bytes, 0, bytes.length);
    byte[] out = new byte[32];
    digest.doFinal(out, 0);
    return out;
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Buffer data(String uri) {
    int comma = uri.indexOf(',');
    if (comma < 0) {
      throw new IllegalArgumentException("no comma");
    }
    String meta = uri.substring(5, comma).toLowerCase(Locale.ROOT);
    String payload = uri.substring(comma + 1);
    byte[] bytes = meta.endsWith(";base64") ? Base64.getMimeDecoder().decode(payload)
        : URLDecoder.decode(payload.replace("+", "%2B"), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
    if (bytes.length > maxBytes) {
      throw new IllegalArgumentException("larger than " + maxBytes + " bytes");
    }
    return Buffer.buffer(bytes);
  }

  private static String stripIpfs(String path) {
    return path.startsWith("ipfs/") ? path.substring("ipfs/".length()) : path;
  }

  private static String abbreviated(String uri) {
    return uri.length() > 120 ? uri.substring(0, 120) + "…" : uri;
  }
}
