package io.kos.node.auth;

import io.kos.verticle.ApiError;
import io.kos.verticle.Errors;
import io.kos.verticle.JsonFields;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.Caller;
import io.kos.verticle.OwnerScope;
import io.kos.verticle.RouteSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import static io.kos.node.auth.AuthStore.firstOrNull;
import static io.kos.node.auth.AuthStore.run;

/**
 * {@code /api/auth/v1}: accounts, sessions (access + refresh tokens), API keys and user
 * administration, plus {@link #authenticate}, which the ingress calls for every API request.
 * Served by the node itself, in the ingress, not over the event bus: the tables are the node's.
 */
public final class AuthApi {

  private static final Logger LOG = LoggerFactory.getLogger(AuthApi.class);
  public static final String NAME = "auth";
  private static final String REFRESH_PREFIX = "kosr_";
  private static final String API_KEY_PREFIX = "kosk_";
  private static final int API_KEY_SHOWN_PREFIX = 12;

  public static final java.util.List<RouteSpec> ROUTES = java.util.List.of(
      RouteSpec.post("/register", "register").status(201).anonymousAccess(),
      RouteSpec.post("/login", "login").anonymousAccess(),
      RouteSpec.post("/refresh", "refresh").anonymousAccess(),
      RouteSpec.post("/logout", "logout").status(204).anonymousAccess(),
      RouteSpec.get("/me", "me"),
      RouteSpec.post("/api-keys", "api_keys.create").status(201),
      RouteSpec.get("/api-keys", "api_keys.list"),
      RouteSpec.delete("/api-keys/:id", "api_keys.revoke"),
      RouteSpec.get("/users", "users.list"),
      RouteSpec.get("/users/:id", "users.get"),
      RouteSpec.patch("/users/:id", "users.update"),
      RouteSpec.post("/peers", "peers.put"),
      RouteSpec.get("/peers", "peers.list"),
      RouteSpec.delete("/peers/:did", "peers.delete"));

  private final AccessControl control;
  private final AuthStore store;
  private final AccessTokens tokens;
  private final Map<String, Function<ApiRequest, Future<?>>> operations;

  AuthApi(AccessControl control, AccessTokens tokens) {
    this.control = control;
    this.store = control.store();
    this.tokens = tokens;
    this.operations = Map.ofEntries(
        Map.entry("register", this::register),
        Map.entry("login", this::login),
        Map.entry("refresh", this::refresh),
        Map.entry("logout", this::logout),
        Map.entry("me", this::me),
        Map.entry("api_keys.create", this::createApiKey),
        Map.entry("api_keys.list", this::listApiKeys),
        Map.entry("api_keys.revoke", this::revokeApiKey),
        Map.entry("users.list", this::listUsers),
        Map.entry("users.get", this::getUser),
        Map.entry("users.update", this::updateUser),
        Map.entry("peers.put", control.peers()::put),
        Map.entry("peers.list", control.peers()::list),
        Map.entry("peers.delete", control.peers()::delete));
  }

  public Function<ApiRequest, Future<?>> operation(String name) {
    return operations.get(name);
  }

  /** The caller a bearer token names; 401 when it is not valid. */
  public Future<Caller> authenticateToken(String token) {
    return tokens.verify(token);
  }

  /** The caller an API key belongs to; 401 when it is unknown, revoked, or its user is inactive. */
  public Future<Caller> authenticateApiKey(String key) {
    byte[] digest = Secrets.digest(key);
    String cacheKey = Base64.getEncoder().encodeToString(digest);
    Caller cached = control.apiKeys().get(cacheKey);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return store.run(AuthStore.API_KEY_CALLER, Tuple.of(digest)).map(rows -> {
      Row row = firstOrNull(rows);
      if (row == null) {
        throw Errors.INVALID_API_KEY.error("the API key is not valid");
      }
      if (row.getBoolean("stale")) {
        // at most one write a minute per key, off the request's path
        store.run(AuthStore.TOUCH_API_KEY, Tuple.of(row.getUUID("id")))
            .onFailure(e -> LOG.debug("could not record API key use: {}", e.toString()));
      }
      Caller caller = new Caller(row.getUUID("user_id").toString(), Caller.Role.parse(row.getString("role")), "api_key");
      control.apiKeys().put(cacheKey, row.getUUID("id").toString(), caller);
      return caller;
    });
  }

  // ---- accounts

  private static final Set<String> REGISTER_FIELDS = Set.of("username", "email", "password", "full_name", "setup_token", "role");

  private Future<JsonObject> register(ApiRequest request) {
    JsonObject body = request.bodyObject();
    JsonFields.ofBody(body).onlyKnown(REGISTER_FIELDS);
    String username = Fields.username(body);
    String email = Fields.email(body);
    String password = Fields.newPassword(body, username, email);
    String fullName = Fields.optionalText(body, "full_name", 200);
    String setupToken = Fields.optionalText(body, "setup_token", 200);
    Caller.Role requestedRole = role(body);
    Caller caller = request.callerIfAny();
    boolean byAdmin = caller != null && caller.isAdmin();
    if (requestedRole != null && !byAdmin) {
      throw Errors.ADMIN_ONLY.error("only an admin may choose a new user's role");
    }
    SetupToken setup = control.setupToken();
    if (setup.value() == null && !control.settings().openRegistration() && !byAdmin) {
      throw registrationClosed();
    }
    if (setup.value() != null && !setup.matches(setupToken)) {
      // checked before hashing; the transaction below decides for good
      return store.run(AuthStore.ANY_USER, Tuple.tuple()).compose(rows -> {
        if (!rows.iterator().next().getBoolean(0)) {
          throw setupTokenRequired();
        }
        setup.consume(); // another node sharing this database registered the first user
        return register(request);
      });
    }
    return control.hash(password)
        .compose(hash -> store.inTransaction(conn -> insertUser(conn, username, email, hash, fullName, setupToken,
            requestedRole, byAdmin)))
        .recover(failure -> Future.failedFuture(duplicateOr(failure)))
        .map(row -> {
          if (row.getString("role").equals("admin") && setup.value() != null) {
            setup.consume();
            LOG.info("first user {} registered as admin; setup token deleted", row.getString("username"));
          }
          return AuthStore.userJson(row);
        });
  }

  private Future<Row> insertUser(SqlConnection conn, String username, String email, String hash, String fullName,
                                 String setupToken, Caller.Role requestedRole, boolean byAdmin) {
    return run(conn, AuthStore.LOCK_USERS, Tuple.tuple())
        .compose(v -> run(conn, AuthStore.ANY_USER, Tuple.tuple()))
        .compose(rows -> {
          boolean first = !rows.iterator().next().getBoolean(0);
          Caller.Role role;
          if (first) {
            if (!control.setupToken().matches(setupToken)) {
              throw setupTokenRequired();
            }
            role = Caller.Role.ADMIN;
          } else {
            if (!control.settings().openRegistration() && !byAdmin) {
              throw registrationClosed();
            }
            role = requestedRole == null ? Caller.Role.EDITOR : requestedRole;
          }
          return run(conn, AuthStore.INSERT_USER, Tuple.of(username, email, hash, fullName, role.wireName()));
        })
        .map(rows -> rows.iterator().next());
  }

  private ApiError setupTokenRequired() {
    return AuthErrors.SETUP_TOKEN_REQUIRED.error("this node has no user yet: the first registration must carry "
        + "setup_token, printed at start and kept in " + control.setupTokenFile());
  }

  private static ApiError registrationClosed() {
    return AuthErrors.REGISTRATION_CLOSED.error("registration is closed on this node (auth.open_registration); ask an admin");
  }

  private static Throwable duplicateOr(Throwable failure) {
    String index = AuthStore.violatedUniqueIndex(failure);
    if ("users_username_key".equals(index)) {
      return AuthErrors.USERNAME_TAKEN.error("that username is taken");
    }
    if ("users_email_key".equals(index)) {
      return AuthErrors.EMAIL_TAKEN.error("an account with that email exists");
    }
    return failure;
  }

  private static Caller.Role role(JsonObject body) {
    Object raw = body.getValue("role");
    if (raw == null) {
      return null;
    }
    Caller.Role role = raw instanceof String name ? Caller.Role.parse(name) : null;
    if (role == null) {
      throw ApiError.invalidField("role", "must be admin, editor or viewer");
    }
    return role;
  }

  // ---- sessions

  private static final Set<String> LOGIN_FIELDS = Set.of("username", "email", "password");

  private Future<JsonObject> login(ApiRequest request) {
    JsonObject body = request.bodyObject();
    JsonFields.ofBody(body).onlyKnown(LOGIN_FIELDS);
    boolean byEmail = body.containsKey("email");
    if (byEmail == body.containsKey("username")) {
      throw ApiError.invalidField("username", "give either username or email, not both");
    }
    String login = Fields.text(body, byEmail ? "email" : "username", 1, 254);
    String password = Fields.password(body);
    String account = login.toLowerCase(Locale.ROOT);
    String address = request.clientAddress() == null ? "unknown" : request.clientAddress();
    LoginGuard guard = control.guard();
    long wait = guard.retryAfterSeconds(account, address);
    if (wait > 0) {
      throw tooManyAttempts(wait);
    }
    return store.run(byEmail ? AuthStore.USER_BY_EMAIL : AuthStore.USER_BY_USERNAME, Tuple.of(login))
        .compose(rows -> {
          Row user = firstOrNull(rows);
          return control.verify(password, user == null ? null : user.getString("password_hash")).map(ok -> ok ? user : null);
        })
        .compose(user -> {
          if (user == null) {
            guard.failed(account, address);
            throw AuthErrors.INVALID_CREDENTIALS.error("wrong username, email or password");
          }
          if (!user.getBoolean("is_active")) {
            throw Errors.ACCOUNT_DISABLED.error("this account is disabled; ask an admin");
          }
          guard.succeeded(account);
          return store.inTransaction(conn -> startSession(conn, AuthStore.TOUCH_LOGIN, user.getUUID("id"), UUID.randomUUID()));
        });
  }

  static ApiError tooManyAttempts(long retryAfterSeconds) {
    return new ApiError(AuthErrors.TOO_MANY_ATTEMPTS, "too many failed logins; retry in " + retryAfterSeconds + " s",
        new JsonObject().put("retry_after_seconds", retryAfterSeconds));
  }

  /**
   * Issues an access token plus the next refresh token of {@code family}.
   *
   * @param userStatement {@code TOUCH_LOGIN} for a login (records it), {@code USER_BY_ID} for a refresh
   */
  private Future<JsonObject> startSession(SqlConnection conn, String userStatement, UUID userId, UUID family) {
    String refreshToken = Secrets.token(REFRESH_PREFIX);
    long refreshTtl = control.settings().refreshTokenTtl().toSeconds();
    return run(conn, userStatement, Tuple.of(userId))
        .compose(users -> run(conn, AuthStore.INSERT_REFRESH, Tuple.of(Secrets.digest(refreshToken), family, userId, refreshTtl))
            .map(v -> {
              Row user = users.iterator().next();
              return new JsonObject()
                  .put("access_token", tokens.issue(userId.toString(), Caller.Role.parse(user.getString("role"))))
                  .put("token_type", "Bearer")
                  .put("expires_in", tokens.ttlSeconds())
                  .put("refresh_token", refreshToken)
                  .put("refresh_expires_in", refreshTtl)
                  .put("user", AuthStore.userJson(user));
            }));
  }

  private Future<JsonObject> refresh(ApiRequest request) {
    String presented = refreshToken(request);
    // the transaction returns a refusal as a value: a family revoked for reuse must be committed
    return store.inTransaction(conn -> run(conn, AuthStore.REFRESH_FOR_UPDATE, Tuple.of(Secrets.digest(presented)))
        .compose(rows -> rotate(conn, firstOrNull(rows))))
        .map(result -> {
          if (result instanceof ApiError refusal) {
            throw refusal;
          }
          return (JsonObject) result;
        });
  }

  private Future<Object> rotate(SqlConnection conn, Row token) {
    if (token == null || token.getBoolean("revoked")) {
      return Future.succeededFuture(AuthErrors.INVALID_REFRESH_TOKEN.error("the refresh token is not valid"));
    }
    UUID family = token.getUUID("family_id");
    if (token.getBoolean("used")) {
      LOG.warn("refresh token reused for user {}: revoking its session family {}", token.getUUID("user_id"), family);
      return run(conn, AuthStore.REVOKE_FAMILY, Tuple.of(family)).map(v -> AuthErrors.REFRESH_TOKEN_REUSED.error(
          "this refresh token was already used; its session is revoked, log in again"));
    }
    if (token.getBoolean("expired")) {
      return Future.succeededFuture(AuthErrors.REFRESH_TOKEN_EXPIRED.error("the refresh token has expired; log in again"));
    }
    if (!token.getBoolean("is_active")) {
      return run(conn, AuthStore.REVOKE_FAMILY, Tuple.of(family))
          .map(v -> Errors.ACCOUNT_DISABLED.error("this account is disabled; ask an admin"));
    }
    return run(conn, AuthStore.MARK_REFRESH_USED, Tuple.of(token.getLong("id")))
        .compose(v -> startSession(conn, AuthStore.USER_BY_ID, token.getUUID("user_id"), family))
        .map(session -> session);
  }

  private Future<Void> logout(ApiRequest request) {
    // the same answer whether or not the token was known: logout tells nothing about tokens
    return store.run(AuthStore.REVOKE_FAMILY_OF, Tuple.of(Secrets.digest(refreshToken(request)))).mapEmpty();
  }

  private static String refreshToken(ApiRequest request) {
    JsonObject body = request.bodyObject();
    JsonFields.ofBody(body).onlyKnown(Set.of("refresh_token"));
    return Fields.text(body, "refresh_token", 1, 200);
  }

  private Future<JsonObject> me(ApiRequest request) {
    Caller caller = request.caller();
    return store.run(AuthStore.USER_BY_ID, Tuple.of(UUID.fromString(caller.userId())))
        .map(rows -> AuthStore.userJson(OwnerScope.one(rows, "user", caller.userId())));
  }

  // ---- API keys

  private Future<JsonObject> createApiKey(ApiRequest request) {
    Caller caller = request.caller();
    JsonObject body = request.bodyObject();
    JsonFields.ofBody(body).onlyKnown(Set.of("name"));
    String name = Fields.text(body, "name", 1, 100);
    String key = Secrets.token(API_KEY_PREFIX);
    return store.run(AuthStore.INSERT_API_KEY, Tuple.of(OwnerScope.owner(caller), name,
            key.substring(0, API_KEY_SHOWN_PREFIX), Secrets.digest(key)))
        // the only time the key is shown: only its digest is stored
        .map(rows -> AuthStore.apiKeyJson(rows.iterator().next()).put("key", key));
  }

  private Future<JsonObject> listApiKeys(ApiRequest request) {
    return store.run(AuthStore.API_KEYS, Tuple.of(OwnerScope.filter(request.caller())))
        .map(rows -> new JsonObject().put("api_keys", toArray(rows, AuthStore::apiKeyJson)));
  }

  private Future<Void> revokeApiKey(ApiRequest request) {
    Caller caller = request.caller();
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("id"), "api key");
    return store.run(AuthStore.REVOKE_API_KEY, Tuple.of(id, OwnerScope.filter(caller)))
        .map(rows -> {
          OwnerScope.one(rows, "api key", id);
          control.evictApiKey(id.toString());
          return null;
        });
  }

  // ---- user administration (admin only)

  private Future<JsonObject> listUsers(ApiRequest request) {
    request.caller().requireAdmin();
    int limit = request.queryInt("limit", 100, 1, 500);
    // the cursor is the page's last username; users come in username order
    String after = request.query("cursor") == null ? "" : request.query("cursor");
    return store.run(AuthStore.USERS_PAGE, Tuple.of(after, limit)).map(rows -> {
      JsonArray users = toArray(rows, AuthStore::userJson);
      JsonObject page = new JsonObject().put("users", users);
      if (users.size() == limit) {
        page.put("next_cursor", users.getJsonObject(users.size() - 1).getString("username"));
      }
      return page;
    });
  }

  private Future<JsonObject> getUser(ApiRequest request) {
    request.caller().requireAdmin();
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("id"), "user");
    return store.run(AuthStore.USER_BY_ID, Tuple.of(id)).map(rows -> AuthStore.userJson(OwnerScope.one(rows, "user", id)));
  }

  private Future<JsonObject> updateUser(ApiRequest request) {
    request.caller().requireAdmin();
    UUID id = OwnerScope.uuidOrNotFound(request.pathParam("id"), "user");
    JsonObject body = request.bodyObject();
    JsonFields.ofBody(body).onlyKnown(Set.of("role", "is_active"));
    Caller.Role newRole = role(body);
    Boolean newActive = JsonFields.ofBody(body).bool("is_active", null);
    if (newRole == null && newActive == null) {
      throw ApiError.invalidField("role", "give role, is_active or both");
    }
    return store.inTransaction(conn -> run(conn, AuthStore.LOCK_USERS, Tuple.tuple())
        .compose(v -> run(conn, AuthStore.USER_BY_ID_FOR_UPDATE, Tuple.of(id)))
        .compose(rows -> {
          Row user = OwnerScope.one(rows, "user", id);
          String role = newRole == null ? user.getString("role") : newRole.wireName();
          boolean active = newActive == null ? user.getBoolean("is_active") : newActive;
          boolean losesAdmin = user.getString("role").equals("admin") && user.getBoolean("is_active")
              && (!role.equals("admin") || !active);
          Future<Void> allowed = !losesAdmin ? Future.succeededFuture() : run(conn, AuthStore.OTHER_ACTIVE_ADMINS, Tuple.of(id))
              .map(count -> {
                if (count.iterator().next().getLong(0) == 0) {
                  throw AuthErrors.LAST_ADMIN.error("this is the last active admin; make another admin first");
                }
                return null;
              });
          return allowed.compose(v -> run(conn, AuthStore.UPDATE_USER, Tuple.of(id, role, active)))
              .compose(updated -> (active ? Future.<RowSet<Row>>succeededFuture() : run(conn, AuthStore.REVOKE_USER_REFRESH, Tuple.of(id)))
                  .map(v -> AuthStore.userJson(updated.iterator().next())));
        }))
        .onSuccess(user -> control.evictUser(id.toString()));
  }

  private static JsonArray toArray(RowSet<Row> rows, Function<Row, JsonObject> mapper) {
    JsonArray array = new JsonArray();
    rows.forEach(row -> array.add(mapper.apply(row)));
    return array;
  }
}
