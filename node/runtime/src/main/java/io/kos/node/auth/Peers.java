package io.kos.node.auth;

import io.kos.node.config.KlfSettings;
import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.Caller;
import io.kos.verticle.JsonFields;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The nodes this node trusts, and the role each one's KLF messages act with: {@code klf.peers} from
 * the config (fixed while the node runs) and the {@code peers} table that admins change through
 * {@code /api/auth/v1/peers}. Lookups are cached like API keys, and evicted on every cluster member
 * when a peer changes.
 */
public final class Peers {

  static final String SELECT_ROLE = "SELECT role FROM peers WHERE did = $1";
  static final String LIST = "SELECT did, role, name, created_at FROM peers ORDER BY did";
  static final String UPSERT = "INSERT INTO peers (did, role, name, created_by) VALUES ($1, $2, $3, $4) "
      + "ON CONFLICT (did) DO UPDATE SET role = EXCLUDED.role, name = EXCLUDED.name RETURNING did, role, name, created_at";
  static final String DELETE = "DELETE FROM peers WHERE did = $1 RETURNING did";
  private static final Pattern DID = Pattern.compile("did:kos:[a-z][a-z0-9]{0,30}:[0-9a-f]{32}");
  private static final Set<String> FIELDS = Set.of("did", "role", "name");
  private static final int MAX_CACHED = 10_000;

  private record Cached(Optional<Caller.Role> role, long expiresAtMillis) {
  }

  private final Map<String, KlfSettings.Peer> configured = new LinkedHashMap<>();
  private final Caller.Role acceptUnknown;
  private final AuthStore store;
  private final long ttlMillis;
  private final LongSupplier clock;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  private AccessControl control;

  Peers(KlfSettings settings, AuthStore store, long ttlMillis, LongSupplier clock) {
    settings.peers().forEach(peer -> configured.put(peer.did(), peer));
    this.acceptUnknown = settings.acceptUnknown();
    this.store = store;
    this.ttlMillis = ttlMillis;
    this.clock = clock;
  }

  void evictingThrough(AccessControl control) {
    this.control = control;
  }

  /**
   * Drops every cached peer lookup, so that the next message from each sender reads the peer list
   * again (a change made by another member of the cluster, or in the table itself, counts at once):
   * the maintenance task {@code reload_peers}. How many entries were dropped.
   */
  public int reload() {
    int cached = cache.size();
    cache.clear();
    return cached;
  }

  /** The role a verified sender acts with: its peer entry's, else {@code klf.accept_unknown}'s; null when it is not trusted. */
  public Future<Caller.Role> roleOf(String did) {
    KlfSettings.Peer peer = configured.get(did);
    if (peer != null) {
      return Future.succeededFuture(peer.role());
    }
    Cached cached = cache.get(did);
    long now = clock.getAsLong();
    if (cached != null && cached.expiresAtMillis > now) {
      return Future.succeededFuture(cached.role.orElse(acceptUnknown));
    }
    return store.run(SELECT_ROLE, Tuple.of(did)).map(rows -> {
      Optional<Caller.Role> role = rows.size() == 0 ? Optional.empty() : Optional.of(Caller.Role.parse(rows.iterator().next().getString(0)));
      if (cache.size() >= MAX_CACHED) {
        cache.values().removeIf(entry -> entry.expiresAtMillis <= now);
      }
      if (cache.size() < MAX_CACHED) {
        cache.put(did, new Cached(role, now + ttlMillis));
      }
      return role.orElse(acceptUnknown);
    });
  }

  void evictLocally(String did) {
    cache.remove(did);
  }

  // ---- the API, admins only

  Future<JsonObject> list(ApiRequest request) {
    request.caller().requireAdmin();
    return store.run(LIST, Tuple.tuple()).map(rows -> {
      JsonArray peers = new JsonArray();
      configured.values().forEach(peer -> peers.add(new JsonObject().put("did", peer.did()).put("role", peer.role().wireName())
          .put("name", peer.name()).put("source", "config")));
      rows.forEach(row -> {
        if (!configured.containsKey(row.getString("did"))) {
          peers.add(json(row));
        }
      });
      return new JsonObject().put("peers", peers);
    });
  }

  Future<JsonObject> put(ApiRequest request) {
    Caller caller = request.caller().requireAdmin();
    request.bodyFields().onlyKnown(FIELDS);
    JsonObject body = request.bodyObject();
    String did = did(body.getValue("did"));
    Caller.Role role = body.getValue("role") instanceof String r ? Caller.Role.parse(r) : null;
    if (role == null) {
      throw ApiError.invalidField("role", "must be admin, editor or viewer");
    }
    Object name = body.getValue("name", "");
    if (!(name instanceof String text) || text.length() > 200) {
      throw ApiError.invalidField("name", "must be a string of at most 200 characters");
    }
    refuseConfigured(did);
    return store.run(UPSERT, Tuple.of(did, role.wireName(), text, caller.isNode() ? null : UUID.fromString(caller.userId())))
        .map(rows -> {
          control.evictPeer(did);
          return json(rows.iterator().next());
        });
  }

  Future<Void> delete(ApiRequest request) {
    request.caller().requireAdmin();
    String did = request.pathParam("did");
    if (did == null || !DID.matcher(did).matches()) {
      throw ApiError.notFound("no peer " + did);
    }
    refuseConfigured(did);
    return store.run(DELETE, Tuple.of(did)).map(rows -> {
      if (rows.size() == 0) {
        throw ApiError.notFound("no peer " + did);
      }
      control.evictPeer(did);
      return null;
    });
  }

  private void refuseConfigured(String did) {
    if (configured.containsKey(did)) {
      throw AuthErrors.PEER_FROM_CONFIG.error(did + " is listed in klf.peers; change the config to change or remove it");
    }
  }

  private static String did(Object value) {
    if (!(value instanceof String did) || !DID.matcher(did).matches()) {
      throw ApiError.invalidField("did", "must be a kOS DID, did:kos:<class>:<32 hex digits>");
    }
    return did;
  }

  private static JsonObject json(Row row) {
    return new JsonObject().put("did", row.getString("did")).put("role", row.getString("role")).put("name", row.getString("name"))
        .put("source", "api").put("created_at", row.getOffsetDateTime("created_at").toString());
  }
}
