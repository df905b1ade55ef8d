package io.kos.triggers;

import io.kos.actions.api.ActionsAddresses;
import io.kos.ingest.api.Event;
import io.kos.ingest.api.EventPage;
import io.kos.ingest.api.IngestClient;
import io.kos.triggers.api.TriggersAddresses;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.KosVerticle;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Evaluates the log against the enabled triggers, in seq order, from a durable cursor. A range of
 * events is read with {@code kos.ingest.events.since} (or, live, taken as published on
 * {@code kos.ingest.events.new} when each publication follows the one before it with nothing
 * missed: no read-back on the hot path), evaluated in memory, and its state updates,
 * fire decisions and the cursor's advance are committed in one transaction; the relay then hands
 * each committed fire to {@code kos.actions.enqueue} until it is acknowledged. A crash anywhere
 * re-evaluates at most the uncommitted range from the stored state (each state also remembers the
 * last seq it applied), and fires are unique by idempotency key: every fire exactly once in
 * effect. A publication missed, or one out of the chain, only costs the read-back;
 * {@code kos.triggers.changed} only wakes it.
 *
 * <p>Several nodes may run it on one database: the cursor advances by compare-and-set, so a writer
 * whose range another committed first writes nothing and reloads (see docs/triggers.md).
 */
final class EvaluatorVerticle extends KosVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(EvaluatorVerticle.class);
  static final String CONSUMER = "evaluator";
  private static final long POLL_MS = 2000;
  private static final int RELAY_BATCH = 200;
  private static final long ENQUEUE_TIMEOUT_MS = 10_000;
  private static final long MAX_RELAY_BACKOFF_MS = 30_000;
  private static final long PRUNE_MS = 600_000;
  /** Bounds {@link #breakerChangedWhileAbsent} (outcomes of triggers that never load: deleted, disabled). */
  private static final int MAX_ABSENT_BREAKERS = 10_000;
  /** Bounds {@link #heard}: an evaluator that far behind the publications reads the log back instead. */
  private static final int MAX_HEARD = 10_000;

  private final TriggerIndex index = new TriggerIndex();
  /**
   * Triggers whose breaker changed while they were not in the index (an outcome counted while the
   * trigger loads): read again once they are in, or the index could keep the state read before.
   */
  private final Set<UUID> breakerChangedWhileAbsent = new HashSet<>();
  /** The trigger changes applied to the index (trigger_changes.generation); a commit requires that none came after. */
  private long generation;
  private TriggerStore store;
  private IngestClient ingest;
  private TriggersSettings settings;
  private long cursor = -1;
  /**
   * The events published after the cursor, each the one published right after the one before it:
   * nothing between the cursor and the last of them is missing, so a round evaluates them as they are.
   */
  private final ArrayDeque<Event> heard = new ArrayDeque<>();
  /** The last seq kept in that chain (in {@link #heard}, or taken by the round in flight); -1: none, the chain starts at the cursor. */
  private long chainTail = -1;
  private long evaluatedAsPublished;
  private long readBack;
  private boolean pumping;
  private boolean wakeAgain;
  /** The newest seq published to this node: a wake-up for an event the round just read needs no other round. */
  private long announced;
  /** A trigger changed since the running round asked for changes. */
  private boolean changeAnnounced;
  /** When the round last asked for the trigger changes (epoch millis). */
  private long changesReadAt;
  private boolean relaying;
  /** A relay was asked for while one ran. */
  private boolean relayAgain;
  /** After a failed send the relay waits (1 s doubling to 30 s) instead of re-reading the outbox on every commit. */
  private long relayBackoffMs;
  private long relayResumeAt;
  private boolean reloadAll = true;
  private String lastError;
  private String relayError;
  private long evaluated;

  @Override
  protected Future<?> setUp() {
    settings = TriggersSettings.parse(env().config());
    store = new TriggerStore(pool());
    ingest = new IngestClient(vertx);
    // a change only wakes the loop: which triggers changed is read from trigger_changes, which no lost message can skip
    vertx.eventBus().<JsonObject>consumer(TriggersAddresses.CHANGED, message -> {
      changeAnnounced = true;
      pump();
    });
    vertx.eventBus().<Object>consumer(ActionsAddresses.OUTCOME, message -> outcome(message.body()));
    ingest.onPublished(published -> {
      hear(published);
      pump();
    });
    vertx.setPeriodic(POLL_MS, id -> {
      pump();
      relay();
    });
    vertx.setPeriodic(PRUNE_MS, id -> store.pruneOutcomes().onFailure(e -> LOG.debug("triggers: outcomes not pruned: {}", e.toString())));
    reportHealth(() -> new JsonObject().put("ok", lastError == null).put("cursor", cursor).put("triggers", index.size())
        .put("evaluated", evaluated).put("evaluated_as_published", evaluatedAsPublished).put("read_back", readBack)
        .put("last_error", lastError).put("relay_error", relayError));
    vertx.runOnContext(v -> pump());
    return Future.succeededFuture();
  }

  /** A publication: kept when it follows the cursor or the last kept with none missed between; otherwise the next round reads back. */
  private void hear(IngestClient.Published published) {
    Event event = published.event();
    announced = Math.max(announced, event.seq());
    long last = chainTail >= 0 ? chainTail : cursor;
    if (event.seq() <= last) {
      return;
    }
    if (!reloadAll && published.previousSeq() >= 0 && published.previousSeq() == last && heard.size() < MAX_HEARD) {
      heard.addLast(event);
      chainTail = event.seq();
    } else {
      dropChain();
    }
  }

  private void dropChain() {
    heard.clear();
    chainTail = -1;
  }

  /** Runs the loop unless it is running; a wake-up while it runs makes it go round once more. */
  private void pump() {
    if (pumping) {
      wakeAgain = true;
      return;
    }
    pumping = true;
    wakeAgain = false;
    boolean changed = changeAnnounced;
    changeAnnounced = false;
    step(changed).onComplete(more -> {
      pumping = false;
      if (more.failed()) {
        failed(more.cause());
      } else {
        lastError = null;
        relay();
        if (more.result() || (wakeAgain && (changeAnnounced || announced > cursor))) {
          vertx.runOnContext(v -> pump());
        }
      }
    });
  }

  /**
   * One round: the triggers changed and one range of events, asked at once (one round trip of
   * latency, not two), then the range evaluated; true when there may be more to read. Events taken
   * as published need no read, so the changes are asked only when announced, or every poll
   * interval in case an announcement was lost (a change missed that way fails the commit, which
   * checks the generation, and the evaluator reloads).
   */
  private Future<Boolean> step(boolean changeAnnounced) {
    if (reloadAll) {
      return reload().map(true);
    }
    boolean asPublished = !heard.isEmpty();
    long now = System.currentTimeMillis();
    Future<TriggerStore.Changes> changes;
    if (asPublished && !changeAnnounced && now - changesReadAt < POLL_MS) {
      changes = Future.succeededFuture(new TriggerStore.Changes(generation, Set.of()));
    } else {
      changesReadAt = now;
      changes = store.changesAfter(generation);
    }
    Future<EventPage> page = asPublished ? Future.succeededFuture(takeHeard()) : ingest.since(cursor, settings.batchSize());
    return Future.all(changes, page).compose(v -> apply(changes.result())).compose(v -> evaluate(page.result(), asPublished));
  }

  /** Up to a batch of the events heard, as a page that follows the cursor. */
  private EventPage takeHeard() {
    List<Event> events = new ArrayList<>(Math.min(heard.size(), settings.batchSize()));
    while (!heard.isEmpty() && events.size() < settings.batchSize()) {
      events.add(heard.pollFirst());
    }
    return new EventPage(events, announced);
  }

  /** Everything from the database: on the first round, and after a lost race or a failure. */
  private Future<Void> reload() {
    index.clear();
    dropChain();
    // the generation first: a change committed while the triggers load is newer, and applied next round
    return store.generation().compose(loadedAt -> ingest.since(0, 1).compose(page -> store.cursor(CONSUMER, page.highWaterSeq()))
        .compose(stored -> store.enabled().compose(this::loaded).map(v -> {
          cursor = stored;
          generation = loadedAt;
          reloadAll = false;
          LOG.info("triggers: evaluating {} enabled triggers from seq {}", index.size(), cursor);
          return null;
        })));
  }

  /** The triggers written since the last round, into the index. */
  private Future<Void> apply(TriggerStore.Changes changes) {
    if (changes.triggerIds().isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<Trigger>> loads = changes.triggerIds().stream().map(store::any).toList();
    return Future.all(loads).compose(v -> {
      changes.triggerIds().forEach(index::remove);
      return loaded(loads.stream().map(Future::result).filter(t -> t != null && t.enabled()).toList());
    }).map(v -> {
      generation = changes.generation();
      return null;
    });
  }

  /** Indexes these triggers with their stored states and the last hour's fires. */
  private Future<Void> loaded(List<Trigger> triggers) {
    if (triggers.isEmpty()) {
      return Future.succeededFuture();
    }
    List<UUID> ids = triggers.stream().map(Trigger::id).toList();
    return Future.all(store.states(ids), store.recentFires(), store.breakers(ids)).compose(v -> {
      Map<Long, TriggerStore.StoredState> states = v.resultAt(0);
      Map<UUID, List<Long>> fires = v.resultAt(1);
      Map<UUID, TriggerStore.Breaker> breakers = v.resultAt(2);
      triggers.forEach(t -> {
        LiveTrigger live = new LiveTrigger(t, states, fires.getOrDefault(t.id(), List.of()));
        live.breaker = breakers.getOrDefault(t.id(), TriggerStore.Breaker.CLOSED);
        index.put(live);
      });
      return breakersAgain(ids);
    });
  }

  /** The breakers an outcome changed while these triggers loaded, read now that they are in the index. */
  private Future<Void> breakersAgain(List<UUID> loadedIds) {
    List<UUID> stale = loadedIds.stream().filter(breakerChangedWhileAbsent::remove).toList();
    if (stale.isEmpty()) {
      return Future.succeededFuture();
    }
    return store.breakers(stale).map(breakers -> {
      stale.forEach(id -> {
        LiveTrigger live = index.get(id);
        if (live != null) {
          live.breaker = breakers.getOrDefault(id, TriggerStore.Breaker.CLOSED);
        }
      });
      return null;
    });
  }

  private Future<Boolean> evaluate(EventPage page, boolean asPublished) {
    if (page.events().isEmpty()) {
      return Future.succeededFuture(false);
    }
    long from = cursor;
    long to = page.events().get(page.events().size() - 1).seq();
    List<TriggerStore.FireWrite> fires = new ArrayList<>();
    List<UUID> halfOpened = new ArrayList<>();
    Set<LiveTrigger> touched = new LinkedHashSet<>();
    long now = System.currentTimeMillis();
    for (Event event : page.events()) {
      JsonObject fields = event.fields();
      for (LiveTrigger live : index.candidates(fields)) {
        if (live.isStateful()) {
          touched.add(live);
        }
        if (live.evaluate(event.seq(), fields)) {
          decide(live, event, now, fires, halfOpened);
        }
      }
    }
    List<TriggerStore.StateWrite> states = new ArrayList<>();
    touched.forEach(live -> live.collectStates(from, states));
    return store.commit(CONSUMER, from, to, generation, states, fires, halfOpened).map(committed -> {
      if (!committed) {
        // another evaluator committed this range, or a trigger changed while it was evaluated: the database is the truth
        LOG.debug("triggers: seq {} to {} not committed (another evaluator's, or a trigger changed); reloading", from, to);
        reloadAll = true;
        index.clear();
        dropChain();
        return true;
      }
      cursor = to;
      // what was heard while this range was read back, and is in it
      while (!heard.isEmpty() && heard.peekFirst().seq() <= to) {
        heard.pollFirst();
      }
      if (chainTail <= to) {
        chainTail = -1;
      }
      evaluated += page.events().size();
      if (asPublished) {
        evaluatedAsPublished += page.events().size();
      } else {
        readBack += page.events().size();
      }
      return page.events().size() >= settings.batchSize() || !heard.isEmpty();
    });
  }

  /** One fire decision per action; all suppressed past the hourly limit (recorded, not enqueued). */
  private void decide(LiveTrigger live, Event event, long now, List<TriggerStore.FireWrite> fires, List<UUID> halfOpened) {
    Trigger t = live.trigger;
    String suppressed = breakerOpen(live, now, halfOpened) ? "circuit_open" : live.allowFire(now) ? null : "fire_limit";
    if (t.actions().isEmpty()) {
      fires.add(new TriggerStore.FireWrite(t.id() + ":" + event.id() + ":0", t.id(), 0, event.id(), event.seq(), "no_actions", null));
      return;
    }
    for (Trigger.Action action : t.actions()) {
      String key = t.id() + ":" + event.id() + ":" + action.id();
      JsonObject request = suppressed != null ? null : new JsonObject().put("idempotency_key", key)
          .put("trigger", new JsonObject().put("id", t.id().toString()).put("name", t.name()).put("owner_id", t.ownerId().toString()))
          .put("action", action.toJson()).put("event", event.fields());
      fires.add(new TriggerStore.FireWrite(key, t.id(), action.id(), event.id(), event.seq(), suppressed, request));
    }
  }

  /**
   * True while the trigger's breaker holds fires back: open within its cooldown, or half open with
   * its one trial fire out. Past the cooldown an open breaker lets this fire through as the trial,
   * and goes half open in the same transaction as that fire.
   */
  private boolean breakerOpen(LiveTrigger live, long now, List<UUID> halfOpened) {
    TriggerStore.Breaker breaker = live.breaker;
    if (breaker.state().equals("closed")) {
      return false;
    }
    if (breaker.state().equals("open") && breaker.openedAt() != null
        && now >= breaker.openedAt().toEpochMilli() + settings.breakerCooldownSeconds() * 1000L) {
      live.breaker = new TriggerStore.Breaker("half_open", breaker.consecutiveFailures(), breaker.openedAt());
      halfOpened.add(live.trigger.id());
      return false;
    }
    return true;
  }

  /** A delivery outcome from the actions verticle: counted once (whichever node stores it first), then read back into the index. */
  private void outcome(Object body) {
    JsonObject outcome = body instanceof Buffer b ? new JsonObject(b) : body instanceof JsonObject j ? j : null;
    UUID triggerId;
    try {
      triggerId = UUID.fromString(outcome.getString("trigger_id"));
    } catch (RuntimeException malformed) {
      LOG.debug("triggers: an outcome without a trigger id ignored: {}", body);
      return;
    }
    String status = outcome.getString("status", "");
    if (!status.equals("succeeded") && !status.equals("failed") && !status.equals("dead")) {
      return;
    }
    String key = outcome.getValue("job_id") + ":" + outcome.getValue("attempt");
    store.countOutcome(triggerId, status.equals("succeeded"), key, settings.breakerFailures())
        .compose(v -> store.breakers(List.of(triggerId)))
        .onSuccess(breakers -> {
          LiveTrigger live = index.get(triggerId);
          if (live != null) {
            live.breaker = breakers.getOrDefault(triggerId, TriggerStore.Breaker.CLOSED);
          } else if (breakerChangedWhileAbsent.size() < MAX_ABSENT_BREAKERS) {
            breakerChangedWhileAbsent.add(triggerId);
          }
        })
        .onFailure(e -> LOG.warn("triggers: outcome of {} not counted: {}", triggerId, e.toString()));
  }

  /** Sends the committed, unsent fires; what fails stays in the outbox for the next round (every 2 s or after a commit). */
  private void relay() {
    if (relaying) {
      // fires committed while the outbox is being read may not be in what it read: read it once more after
      relayAgain = true;
      return;
    }
    if (System.currentTimeMillis() < relayResumeAt) {
      return;
    }
    relaying = true;
    relayAgain = false;
    store.outbox(RELAY_BATCH).compose(out -> Future.all(out.stream().map(this::send).toList()).map(v -> out.size()))
        .onComplete(sent -> {
          relaying = false;
          if (sent.failed()) {
            relayBackoffMs = Math.min(MAX_RELAY_BACKOFF_MS, Math.max(POLL_MS / 2, relayBackoffMs * 2));
            relayResumeAt = System.currentTimeMillis() + relayBackoffMs;
            relayError = sent.cause().getMessage();
            LOG.debug("triggers: relay paused for {} ms: {}", relayBackoffMs, sent.cause().toString());
          } else {
            relayBackoffMs = 0;
            relayError = null;
            if (sent.result() >= RELAY_BATCH || relayAgain) {
              vertx.runOnContext(v -> relay());
            }
          }
        });
  }

  private Future<Void> send(TriggerStore.Outgoing fire) {
    return vertx.eventBus().request(ActionsAddresses.ENQUEUE, ApiRequest.busRequest(fire.request()),
            new DeliveryOptions().setSendTimeout(ENQUEUE_TIMEOUT_MS))
        .compose(reply -> {
          JsonObject body = reply.body() instanceof Buffer b ? new JsonObject(b) : (JsonObject) reply.body();
          return store.markEnqueued(fire.id(), String.valueOf(body.getValue("job_id")));
        });
  }

  private void failed(Throwable failure) {
    lastError = failure.getMessage();
    LOG.warn("triggers: evaluation paused at seq {}: {}; retrying", cursor, failure.toString());
    // whatever was evaluated in memory and not committed is discarded: start again from the database
    reloadAll = true;
    index.clear();
    dropChain();
    vertx.setTimer(POLL_MS, id -> pump());
  }
}
