package io.kos.node.auth;

import io.kos.node.config.AuthSettings;
import io.kos.node.config.NodeConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.nio.file.Path;

/**
 * The node's access control, shared by every ingress instance: the access tables, password hashing
 * on its own bounded worker pool, the login guard, the setup token and the token signing key.
 * Each ingress instance gets its own {@link AuthApi} from {@link #api}.
 */
public final class AccessControl {

  /** Published when cached callers must be dropped on every node: {@code {key_id}}, {@code {user_id}} or {@code {peer_did}}. */
  static final String EVICT_ADDRESS = "kos.auth.evict";

  private final AuthSettings settings;
  private final AuthStore store;
  private final PasswordHasher hasher;
  private final WorkerExecutor hashing;
  private final LoginGuard guard;
  private final SetupToken setupToken;
  private final byte[] signingKey;
  private final ApiKeyCache apiKeys;
  private final EventBus eventBus;
  private final Peers peers;

  private AccessControl(AuthSettings settings, AuthStore store, WorkerExecutor hashing, SetupToken setupToken, byte[] signingKey,
                        EventBus eventBus, Peers peers) {
    this.settings = settings;
    this.store = store;
    this.hasher = new PasswordHasher(settings.argon2MemoryKib(), settings.argon2Iterations());
    this.hashing = hashing;
    this.guard = new LoginGuard(settings.loginMaxFailures(), settings.loginAddressMaxFailures(), settings.loginLockout(),
        System::currentTimeMillis);
    this.setupToken = setupToken;
    this.signingKey = signingKey;
    this.apiKeys = new ApiKeyCache(settings.apiKeyCacheTtl().toMillis(), System::currentTimeMillis);
    this.eventBus = eventBus;
    this.peers = peers;
    peers.evictingThrough(this);
  }

  /** Blocking: run on the node's start thread once the node schema is migrated. */
  public static AccessControl start(Vertx vertx, Pool nodePool, NodeConfig config) {
    AuthSettings settings = config.auth();
    byte[] key = SigningKey.load(settings.jwtSecret(), config.dataDir());
    boolean usersExist = nodePool.preparedQuery(AuthStore.ANY_USER).execute(Tuple.tuple()).await().iterator().next().getBoolean(0);
    SetupToken setupToken = SetupToken.prepare(config.dataDir(), usersExist);
    // bounded: each argon2id hash holds argon2_memory_kib of heap while it runs
    WorkerExecutor hashing = vertx.createSharedWorkerExecutor("kos-password-hash", settings.hashThreadCount());
    AuthStore store = new AuthStore(nodePool);
    Peers peers = new Peers(config.klf(), store, settings.apiKeyCacheTtl().toMillis(), System::currentTimeMillis);
    AccessControl control = new AccessControl(settings, store, hashing, setupToken, key, vertx.eventBus(), peers);
    vertx.eventBus().<JsonObject>consumer(EVICT_ADDRESS, message -> control.evictLocally(message.body()));
    return control;
  }

  ApiKeyCache apiKeys() {
    return apiKeys;
  }

  /** A key was revoked: forget it here at once and on every other node of the cluster. */
  void evictApiKey(String keyId) {
    evict(new JsonObject().put("key_id", keyId));
  }

  /** A user's role or active flag changed: forget its keys' callers everywhere. */
  void evictUser(String userId) {
    evict(new JsonObject().put("user_id", userId));
  }

  /** A peer was added, changed or removed: forget its cached role everywhere. */
  void evictPeer(String did) {
    evict(new JsonObject().put("peer_did", did));
  }

  private void evict(JsonObject which) {
    evictLocally(which);
    eventBus.publish(EVICT_ADDRESS, which);
  }

  private void evictLocally(JsonObject which) {
    if (which.containsKey("key_id")) {
      apiKeys.evictKey(which.getString("key_id"));
    }
    if (which.containsKey("user_id")) {
      apiKeys.evictUser(which.getString("user_id"));
    }
    if (which.containsKey("peer_did")) {
      peers.evictLocally(which.getString("peer_did"));
    }
  }

  /** The API for one ingress instance (its own token signer and checker). */
  public AuthApi api(Vertx vertx) {
    return new AuthApi(this, new AccessTokens(vertx, signingKey, settings.accessTokenTtl()));
  }

  /** The nodes this node trusts (KLF senders). */
  public Peers peers() {
    return peers;
  }

  /** The pending setup token, or null once the node has a user. */
  public String pendingSetupToken() {
    return setupToken.value();
  }

  public Path setupTokenFile() {
    return setupToken.file();
  }

  public String passwordCost() {
    return hasher.cost();
  }

  AuthSettings settings() {
    return settings;
  }

  AuthStore store() {
    return store;
  }

  LoginGuard guard() {
    return guard;
  }

  SetupToken setupToken() {
    return setupToken;
  }

  Future<String> hash(String password) {
    return hashing.executeBlocking(() -> hasher.hash(password), false);
  }

  /** Checks a password against a stored hash; with no hash (no such account) spends the same time and fails. */
  Future<Boolean> verify(String password, String storedHash) {
    return hashing.executeBlocking(() -> storedHash == null ? hasher.verifyDecoy(password) : hasher.verify(password, storedHash), false);
  }
}
