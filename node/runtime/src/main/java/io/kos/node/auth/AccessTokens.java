package io.kos.node.auth;

import io.kos.verticle.ApiError;
import io.kos.verticle.Errors;
import io.kos.verticle.Caller;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.time.Duration;

/**
 * Issues and checks access tokens: HS256 JWTs with {@code sub} (user id), {@code role}, {@code iss},
 * {@code iat} and {@code exp}. Checking needs no database, so it costs the ingress no round trip.
 * One instance per event loop: the JWT provider keeps a MAC that is cheaper unshared.
 */
public final class AccessTokens {

  static final String ISSUER = "kos";
  private static final String ALGORITHM = "HS256";

  private final JWTAuth jwt;
  private final JWTOptions issueOptions;
  private final long ttlSeconds;

  AccessTokens(Vertx vertx, byte[] key, Duration ttl) {
    this.ttlSeconds = ttl.toSeconds();
    JWTOptions verifyOptions = new JWTOptions().setIssuer(ISSUER).setAlgorithm(ALGORITHM);
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(Buffer.buffer(key)))
        .setJWTOptions(verifyOptions));
    this.issueOptions = new JWTOptions().setIssuer(ISSUER).setAlgorithm(ALGORITHM).setExpiresInSeconds((int) ttlSeconds);
  }

  public String issue(String userId, Caller.Role role) {
    return jwt.generateToken(new JsonObject().put("sub", userId).put("role", role.wireName()), issueOptions);
  }

  public long ttlSeconds() {
    return ttlSeconds;
  }

  /** The caller a token names; 401 {@code token_expired} or {@code invalid_token} otherwise. */
  public Future<Caller> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token)).transform(result -> {
      if (result.failed()) {
        // the provider tells expiry apart only in its message; AuthTest pins that wording
        String reason = result.cause().getMessage();
        return Future.failedFuture(reason != null && reason.contains("expired")
            ? Errors.TOKEN_EXPIRED.error("the access token has expired; refresh it")
            : Errors.INVALID_TOKEN.error("the access token is not valid"));
      }
      JsonObject claims = result.result().principal();
      // the provider has checked exp; it keeps the time claims among the attributes, not the principal
      boolean expires = result.result().attributes().containsKey("exp");
      Object subject = claims.getValue("sub");
      Caller.Role role = Caller.Role.parse(claims.getValue("role") instanceof String r ? r : null);
      if (!(subject instanceof String id) || role == null || !expires) {
        return Future.failedFuture(Errors.INVALID_TOKEN.error("the access token is not valid"));
      }
      return Future.succeededFuture(new Caller(id, role, "token"));
    });
  }
}
