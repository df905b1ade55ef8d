package io.kos.ingest;

import io.kos.verticle.JsonFields;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Follows one chain without an external indexer: reads blocks at most {@code head - confirmations},
 * in ranges of at most {@code max_block_range}, fetches the registries' logs and the blocks they sit
 * in, decodes them through the {@link AbiCatalog}, and stores each range's events and the new
 * checkpoint in one transaction. Before each range it checks that the first block's parent is the
 * checkpointed block: if not, the chain reorganised deeper than the confirmations and this chain
 * halts (the other chains go on) until an operator acts (docs/ingest.md).
 */
final class ChainFollower {

  private static final Logger LOG = LoggerFactory.getLogger(ChainFollower.class);
  private static final long MAX_BACKOFF_MILLIS = 30_000;

  /**
   * One chain's settings, from {@code verticles.config.ingest.chains[]}. {@code startBlock} -1: a
   * preset chain without {@code start_block} starts where its identity registry was deployed.
   */
  record Settings(long chainId, String rpcUrl, Map<String, String> registries, long startBlock, int confirmations,
                  int maxBlockRange, long pollMillis, long unhealthyAfterMillis, String abi) {

    private static final List<String> KEYS = List.of("chain_id", "rpc_url", "registries", "start_block", "confirmations",
        "max_block_range", "poll_interval_ms", "unhealthy_after_ms", "abi", "deployment");

    /** @param defaultAbi the catalogue of a chain that names none ({@code verticles.config.ingest.abi}) */
    static Settings parse(JsonObject chain, String defaultAbi) {
      JsonFields fields = JsonFields.ofSettings(chain).onlyKnown(KEYS);
      if (!(chain.getValue("registries", new JsonObject()) instanceof JsonObject registries)) {
        throw new IllegalArgumentException("registries must map identity, reputation and validation to addresses");
      }
      Object deployment = chain.getValue("deployment");
      // a preset's addresses first; an entry of registries overrides its registry's
      Map<String, String> byRegistry = new HashMap<>(deployment == null ? Map.of() : Deployments.registries(deployment));
      for (String registry : registries.fieldNames()) {
        if (!EventSchema.EVENT_TYPES.containsKey(registry)) {
          throw new IllegalArgumentException("registries." + registry + ": not a registry (identity, reputation, validation)");
        }
        if (!(registries.getValue(registry) instanceof String address) || !EventSchema.isHex(address, 40)) {
          throw new IllegalArgumentException("registries." + registry + " must be 0x and 40 hex digits");
        }
        byRegistry.put(registry, address.toLowerCase(Locale.ROOT));
      }
      if (byRegistry.isEmpty()) {
        throw new IllegalArgumentException("registries needs at least one of identity, reputation, validation");
      }
      if (!(chain.getValue("rpc_url") instanceof String rpcUrl) || !(rpcUrl.startsWith("http://") || rpcUrl.startsWith("https://"))) {
        throw new IllegalArgumentException("rpc_url must be an http(s) URL");
      }
      return new Settings(fields.integer("chain_id", null, 1, Long.MAX_VALUE), fields.string("rpc_url", null, 2048), Map.copyOf(byRegistry),
          fields.integer("start_block", deployment == null ? 0L : -1L, 0, Long.MAX_VALUE), fields.intValue("confirmations", 12, 0, 10_000),
          fields.intValue("max_block_range", 2000, 1, 100_000), fields.integer("poll_interval_ms", 4000L, 100, 3_600_000),
          fields.integer("unhealthy_after_ms", 60_000L, 0, 86_400_000), abi(chain.getValue("abi", defaultAbi)));
    }

    /** The chain's catalogue, loaded once here so that a name that does not exist stops the node (exit 2). */
    private static String abi(Object value) {
      String abi = IngestSettings.abi(value);
      AbiCatalog.load(abi);
      return abi;
    }
  }

  private final Vertx vertx;
  private final Settings settings;
  private final EthRpc rpc;
  private final LogDecoder decoder;
  private final AbiCatalog catalog;
  private final MeterRegistry meters;
  private final EventStore store;
  private final Counter stored;
  private EventStore.Checkpoint checkpoint;
  /** The first block to read without a checkpoint: start_block, or once found the identity registry's deployment (-1 until then). */
  private long firstBlock;
  private int range;
  private long backoffMillis = 1000;
  private long head = -1;
  private String halted;
  private boolean stopped;
  /** Why the follower last failed to progress (the RPC endpoint, the database) and since when; null while it progresses. */
  private String failure;
  private long failingSinceMillis;
  private long undecodedLogs;
  private String lastUndecodedTopic;
  private final Set<String> warnedTopics = new HashSet<>();

  ChainFollower(Vertx vertx, Settings settings, EthRpc rpc, AbiCatalog catalog, EventStore store, MeterRegistry meters) {
    this.vertx = vertx;
    this.settings = settings;
    this.rpc = rpc;
    this.decoder = new LogDecoder(catalog);
    this.catalog = catalog;
    this.meters = meters;
    this.store = store;
    this.range = settings.maxBlockRange();
    this.firstBlock = settings.startBlock();
    Tags chain = Tags.of("chain_id", Long.toString(settings.chainId()));
    Gauge.builder("kos.ingest.chain.halted", this, f -> f.halted == null ? 0 : 1).tags(chain)
        .description("1 when the follower stopped this chain after a reorganisation deeper than its confirmations").register(meters);
    Gauge.builder("kos.ingest.chain.checkpoint", this, f -> f.checkpoint == null ? -1 : f.checkpoint.blockNumber()).tags(chain)
        .description("last block stored for this chain").register(meters);
    Gauge.builder("kos.ingest.chain.head", this, f -> f.head).tags(chain).description("chain head last seen by the follower")
        .register(meters);
    Gauge.builder("kos.ingest.chain.failing.seconds", this, ChainFollower::failingSeconds).tags(chain)
        .description("how long the follower has been failing to progress (RPC endpoint or database); 0 while it progresses").register(meters);
    this.stored = Counter.builder("kos.ingest.events.stored").tag("source", "follower").register(meters);
  }

  Future<Void> start() {
    return store.checkpoint(settings.chainId()).map(stored -> {
      checkpoint = stored;
      LOG.info("following chain {} from block {}", settings.chainId(), nextBlock());
      vertx.runOnContext(v -> checkChainThenStep());
      return null;
    });
  }

  /** A wrong rpc_url would file another chain's events under this chain's id: check once, then follow. */
  private void checkChainThenStep() {
    rpc.chainId().onComplete(served -> {
      answered();
      if (served != settings.chainId()) {
        halt("the RPC endpoint serves chain " + served + ", not the configured chain " + settings.chainId());
      } else if (checkpoint == null && firstBlock < 0) {
        findDeployment();
      } else {
        step();
      }
    }, failure -> {
      if (!stopped) {
        retryLater("cannot ask the RPC endpoint for its chain id (" + failure + ")", this::checkChainThenStep);
      }
    });
  }

  void stop() {
    stopped = true;
  }

  long chainId() {
    return settings.chainId();
  }

  /**
   * Follows a halted chain again from the checkpoint stored now (an operator may have moved it with
   * {@code PUT /checkpoints}), checking the RPC's chain id and then each range's parent as at start:
   * if nothing was put right, the chain halts again at once. A halted chain has no step in flight,
   * and this runs on the follower's context, so only one loop ever runs.
   */
  Future<JsonObject> resume() {
    String reason = halted;
    halted = null;
    return store.checkpoint(settings.chainId()).map(stored -> {
      checkpoint = stored;
      range = settings.maxBlockRange();
      backoffMillis = 1000;
      LOG.warn("chain {} resumed by an operator at block {} (it had halted: {})", settings.chainId(), nextBlock(), reason);
      vertx.runOnContext(v -> checkChainThenStep());
      return status();
    }).onFailure(failure -> halted = reason);
  }

  /** Where this chain stands, for {@code GET /chains}. */
  JsonObject status() {
    return new JsonObject().put("chain_id", settings.chainId()).put("state", halted == null ? "following" : "halted")
        .put("next_block", nextBlock()).put("head", head).put("confirmations", settings.confirmations())
        .put("checkpoint", checkpoint == null ? null : new JsonObject().put("block_number", checkpoint.blockNumber())
            .put("block_hash", checkpoint.blockHash()))
        .put("halted_because", halted)
        .put("last_error", failure == null ? null : new JsonObject().put("message", failure)
            .put("since", Instant.ofEpochMilli(failingSinceMillis).toString()).put("failing_seconds", failingSeconds()))
        .put("undecoded_logs", undecodedLogs).put("last_undecoded_topic0", lastUndecodedTopic);
  }

  boolean isHalted() {
    return halted != null;
  }

  /** True once the follower has failed for longer than {@code unhealthy_after_ms}: the node's health says so. */
  boolean isFailing() {
    return failure != null && System.currentTimeMillis() - failingSinceMillis > settings.unhealthyAfterMillis();
  }

  private double failingSeconds() {
    return failure == null ? 0 : (System.currentTimeMillis() - failingSinceMillis) / 1000.0;
  }

  /** A step went through: whatever failed before is over. */
  private void answered() {
    failure = null;
    failingSinceMillis = 0;
  }

  private long nextBlock() {
    return checkpoint == null ? firstBlock : checkpoint.blockNumber() + 1;
  }

  /**
   * The block where the identity registry was deployed, by binary search over {@code eth_getCode}
   * (about log2(head) calls; the endpoint must serve historical state), so a preset chain does not
   * read from genesis. No code at the head: the chain has no such deployment, and it halts.
   */
  private void findDeployment() {
    String registry = settings.registries().get("identity");
    rpc.blockNumber().compose(latest -> rpc.hasCode(registry, latest).compose(deployed -> {
      if (!deployed) {
        halt("no contract at the identity registry " + registry + " at block " + latest + ": this chain has no such deployment");
        return Future.succeededFuture(-1L);
      }
      return firstWithCode(registry, 0, latest);
    })).onComplete(block -> {
      if (halted == null) {
        firstBlock = block;
        LOG.info("chain {}: the identity registry {} was deployed at block {}; following from there", settings.chainId(), registry, block);
        step();
      }
    }, failure -> {
      if (!stopped) {
        retryLater("cannot find where the identity registry was deployed (" + failure + ")", this::findDeployment);
      }
    });
  }

  /** The first block in [low, high] with code at {@code address}; there is code at {@code high}. */
  private Future<Long> firstWithCode(String address, long low, long high) {
    if (low >= high) {
      return Future.succeededFuture(high);
    }
    long middle = low + (high - low) / 2;
    return rpc.hasCode(address, middle).compose(deployed -> deployed ? firstWithCode(address, low, middle) : firstWithCode(address, middle + 1, high));
  }

  private void step() {
    if (stopped || halted != null) {
      return;
    }
    long from = nextBlock();
    rpc.blockNumber().compose(latest -> {
      head = latest;
      long safe = latest - settings.confirmations();
      if (from > safe) {
        return Future.succeededFuture(false);
      }
      long to = Math.min(from + range - 1, safe);
      return followRange(from, to).map(true);
    }).onComplete(progressed -> {
      backoffMillis = 1000;
      answered();
      if (progressed) {
        vertx.runOnContext(v -> step());
      } else {
        vertx.setTimer(settings.pollMillis(), id -> step());
      }
    }, this::failed);
  }

  private Future<Void> followRange(long from, long to) {
    return rpc.block(from).compose(first -> {
      if (checkpoint != null && !first.parentHash().equalsIgnoreCase(checkpoint.blockHash())) {
        halt("block " + from + " has parent " + first.parentHash() + " but the checkpoint holds block " + checkpoint.blockNumber()
            + " " + checkpoint.blockHash() + ": a reorganisation deeper than " + settings.confirmations() + " confirmations");
        return Future.failedFuture(new IllegalStateException(halted));
      }
      return rpc.logs(from, to, List.copyOf(settings.registries().values()))
          .compose(logs -> blocksOf(logs, first, to).compose(blocks -> storeRange(logs, blocks, to)));
    });
  }

  /** The headers of every block with a log, and of the range's last block (the new checkpoint); the first is known. */
  private Future<Map<Long, EthRpc.Block>> blocksOf(JsonArray logs, EthRpc.Block first, long to) {
    TreeSet<Long> numbers = new TreeSet<>();
    numbers.add(to);
    logs.forEach(log -> numbers.add(LogDecoder.quantity(((JsonObject) log).getString("blockNumber"))));
    numbers.remove(first.number());
    return rpc.blocks(List.copyOf(numbers)).map(headers -> {
      Map<Long, EthRpc.Block> blocks = new HashMap<>();
      blocks.put(first.number(), first);
      headers.forEach(block -> blocks.put(block.number(), block));
      return blocks;
    });
  }

  private Future<Void> storeRange(JsonArray logs, Map<Long, EthRpc.Block> blocks, long to) {
    List<JsonObject> events = new ArrayList<>();
    for (Object entry : logs) {
      JsonObject log = (JsonObject) entry;
      EthRpc.Block block = blocks.get(LogDecoder.quantity(log.getString("blockNumber")));
      if (!block.hash().equalsIgnoreCase(log.getString("blockHash"))) {
        return Future.failedFuture(new IllegalStateException("block " + block.number() + " changed while reading it; retrying"));
      }
      JsonObject event;
      try {
        event = decoder.decode(log, settings.chainId(), block.timestamp());
      } catch (RuntimeException malformed) {
        // its topics say a catalogue event but its data is not that event's: retrying would read the same bytes
        halt("the log at block " + block.number() + " index " + log.getString("logIndex") + " does not decode: " + malformed.getMessage());
        return Future.failedFuture(new IllegalStateException(halted));
      }
      if (event == null) {
        undecoded(log);
      } else if (log.getString("address", "").equalsIgnoreCase(settings.registries().get(event.getString("registry")))) {
        events.add(event);
      }
    }
    EventBatch batch = EventBatch.of(events);
    if (!batch.problems().isEmpty()) {
      halt("logs that do not decode into valid events: " + EventSchema.problemsJson(batch.problems(), 5));
      return Future.failedFuture(new IllegalStateException(halted));
    }
    EventStore.Checkpoint next = new EventStore.Checkpoint(settings.chainId(), to, blocks.get(to).hash().toLowerCase(Locale.ROOT));
    return store.store(batch, next).compose(outcome -> {
      if (outcome instanceof EventStore.Reorg reorg) {
        halt("block " + reorg.blockNumber() + " is stored with hash " + reorg.stored() + " but the chain now has " + reorg.pushed());
        return Future.failedFuture(new IllegalStateException(halted));
      }
      EventStore.Stored stored = (EventStore.Stored) outcome;
      checkpoint = next;
      if (!batch.isEmpty()) {
        this.stored.increment(stored.accepted());
        PublisherVerticle.offer(vertx, stored, batch.inserted(stored));
      }
      return Future.succeededFuture();
    });
  }

  /**
   * A log of a followed registry that no catalogue entry decodes and that is not a known ignored
   * event: counted, shown in {@code /chains}, logged once per topic0, so a spec change shows at once.
   */
  private void undecoded(JsonObject log) {
    JsonArray topics = log.getJsonArray("topics");
    String topic0 = topics == null || topics.isEmpty() ? "(none)" : topics.getString(0).toLowerCase(Locale.ROOT);
    if (!topic0.equals("(none)") && catalog.isIgnored(topic0)) {
      return;
    }
    undecodedLogs++;
    lastUndecodedTopic = topic0;
    Counter.builder("kos.ingest.logs.undecoded").tags("chain_id", Long.toString(settings.chainId()), "topic0", topic0)
        .description("logs of followed registries that the ABI catalogue does not decode").register(meters).increment();
    if (warnedTopics.add(topic0)) {
      LOG.warn("chain {}: registry {} emitted a log with topic0 {} that the {} catalogue does not decode; it is counted, not stored "
          + "(a newer ERC-8004 version? see docs/ingest.md, 'Decoding logs')", settings.chainId(), log.getString("address"), topic0,
          catalog.version());
    }
  }

  private void failed(Throwable failure) {
    if (stopped || halted != null) {
      return;
    }
    if (failure instanceof EthRpc.RpcError error && error.rangeTooLarge() && range > 1) {
      range = Math.max(1, range / 2);
      LOG.info("chain {}: the RPC refused the range ({}); now {} blocks per request", settings.chainId(), error.getMessage(), range);
      vertx.runOnContext(v -> step());
      return;
    }
    retryLater(failure.toString(), this::step);
  }

  /** Exponential backoff, 1 s doubling to 30 s; a step that succeeds resets it. */
  private void retryLater(String reason, Runnable again) {
    if (failure == null) {
      failingSinceMillis = System.currentTimeMillis();
    }
    failure = reason;
    LOG.warn("chain {}: {}; retrying in {} ms", settings.chainId(), reason, backoffMillis);
    vertx.setTimer(backoffMillis, id -> again.run());
    backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
  }

  private void halt(String reason) {
    halted = reason;
    LOG.error("chain {} HALTED: {}. See docs/ingest.md, 'A halted chain'.", settings.chainId(), reason);
  }
}
