package io.kos.ingest;

import io.kos.verticle.ApiRequest;
import io.kos.verticle.KosVerticle;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The chains this node follows, once per node, so each chain has one writer: a {@link ChainFollower}
 * per configured chain, and the operations that need to know them — {@code chains},
 * {@code chains.resume} and {@code checkpoints.put} (refused for a chain being followed).
 */
final class ChainsVerticle extends KosVerticle {

  private final List<ChainFollower> followers = new ArrayList<>();
  private EventStore store;

  @Override
  protected Future<?> setUp() {
    IngestSettings settings = IngestSettings.parse(env().config());
    store = new EventStore(pool());
    serve("chains", request -> {
      request.caller();
      return Future.succeededFuture(new JsonObject().put("chains", chainStates()));
    });
    serve("chains.resume", this::resumeChain);
    serve("checkpoints.put", this::putCheckpoint);
    if (settings.chains().isEmpty()) {
      return Future.succeededFuture();
    }
    reportHealth(() -> {
      boolean halted = followers.stream().anyMatch(ChainFollower::isHalted);
      boolean failing = followers.stream().anyMatch(ChainFollower::isFailing);
      JsonObject health = new JsonObject().put("ok", !halted && !failing).put("chains", chainStates());
      if (halted) {
        return health.put("error", "a followed chain is halted; see docs/ingest.md, 'A halted chain'");
      }
      return failing ? health.put("error", "a followed chain has been failing (RPC endpoint or database) for longer than its "
          + "unhealthy_after_ms; see last_error in chains") : health;
    });
    Map<String, AbiCatalog> catalogs = new HashMap<>();
    WebClient client = WebClient.create(vertx);
    List<Future<Void>> started = new ArrayList<>();
    for (ChainFollower.Settings chain : settings.chains()) {
      AbiCatalog catalog = catalogs.computeIfAbsent(chain.abi(), AbiCatalog::load);
      ChainFollower follower = new ChainFollower(vertx, chain, new EthRpc(client, chain.rpcUrl()), catalog, store, env().meters());
      followers.add(follower);
      started.add(follower.start());
    }
    return Future.all(started);
  }

  @Override
  public Future<?> stop() {
    followers.forEach(ChainFollower::stop);
    return Future.succeededFuture();
  }

  /** An operator's way back after a halt, once the log and the checkpoint are right (docs/ingest.md). */
  private Future<JsonObject> resumeChain(ApiRequest request) {
    request.caller().requireAdmin();
    long chainId = IngestRequests.chainId(request);
    ChainFollower follower = followers.stream().filter(f -> f.chainId() == chainId).findFirst()
        .orElseThrow(() -> IngestErrors.UNKNOWN_CHAIN.error("this node does not follow chain " + chainId));
    if (!follower.isHalted()) {
      throw IngestErrors.NOT_HALTED.error("chain " + chainId + " is not halted");
    }
    return follower.resume();
  }

  private Future<JsonObject> putCheckpoint(ApiRequest request) {
    IngestRequests.requireProducer(request.caller().requireWriter(), "set checkpoints");
    long chainId = IngestRequests.chainId(request);
    if (followers.stream().anyMatch(f -> f.chainId() == chainId && !f.isHalted())) {
      throw IngestErrors.CHAIN_FOLLOWED.error("this node follows chain " + chainId + " and moves its checkpoint; "
          + "set it only while the chain is halted (docs/ingest.md, 'A halted chain')");
    }
    var body = request.bodyFields().onlyKnown(List.of("block_number", "block_hash"));
    long blockNumber = body.integer("block_number", null, 0, Long.MAX_VALUE);
    String hash = body.string("block_hash", null, 66);
    if (!EventSchema.isHex(hash, 64)) {
      throw body.invalid("block_hash", "must be 0x and 64 hex digits");
    }
    return store.putCheckpoint(new EventStore.Checkpoint(chainId, blockNumber, hash.toLowerCase(Locale.ROOT)))
        .map(IngestRequests::checkpointJson);
  }

  private JsonArray chainStates() {
    JsonArray chains = new JsonArray();
    followers.forEach(follower -> chains.add(follower.status()));
    return chains;
  }
}
