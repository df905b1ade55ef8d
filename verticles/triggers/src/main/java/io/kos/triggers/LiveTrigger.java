package io.kos.triggers;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A trigger as the evaluator holds it: its conditions split into stateless and stateful, a state
 * per stateful condition, and the fire times the hourly limit counts. Evaluation order is the
 * issue's: every stateless condition first (all AND-ed; each evaluated, so a dry run can say which
 * failed); only an event that passes them all updates the stateful conditions — every one of them,
 * whatever another says — and then they are compared.
 */
final class LiveTrigger {

  private static final long HOUR_MILLIS = 3_600_000L;

  final Trigger trigger;
  /** The circuit breaker as the evaluator last read or moved it. */
  TriggerStore.Breaker breaker = TriggerStore.Breaker.CLOSED;
  private final List<Condition.Stateless> stateless = new ArrayList<>();
  private final List<Condition.Stateful> stateful = new ArrayList<>();
  private final List<Long> statefulIds = new ArrayList<>();
  private final List<ConditionState> states = new ArrayList<>();
  private final ArrayDeque<Long> recentFires = new ArrayDeque<>();

  /** With the stored states (by condition id; a condition without one starts empty) and the last hour's fire times. */
  LiveTrigger(Trigger trigger, Map<Long, TriggerStore.StoredState> stored, Collection<Long> fireTimes) {
    this.trigger = trigger;
    for (int i = 0; i < trigger.conditions().size(); i++) {
      Condition condition = trigger.conditions().get(i);
      if (condition instanceof Condition.Stateless s) {
        stateless.add(s);
      } else {
        Condition.Stateful s = (Condition.Stateful) condition;
        long id = trigger.conditionIds().get(i);
        ConditionState state = s.newState();
        TriggerStore.StoredState saved = stored.get(id);
        if (saved != null) {
          state.load(saved.data());
          state.lastSeq = saved.lastSeq();
        }
        stateful.add(s);
        statefulIds.add(id);
        states.add(state);
      }
    }
    fireTimes.stream().sorted().forEach(recentFires::add);
  }

  /** Whether it has state to write after a range (known once: asked per candidate on the hot path). */
  boolean isStateful() {
    return !states.isEmpty();
  }

  /** Evaluates one event (seq order), updating the stateful conditions; true when the trigger fires. */
  boolean evaluate(long seq, JsonObject event) {
    if (event.getLong("chain_id") != trigger.chainId() || !trigger.registry().equals(event.getString("registry"))) {
      return false;
    }
    for (Condition.Stateless condition : stateless) {
      if (!condition.test(event)) {
        return false;
      }
    }
    for (ConditionState state : states) {
      if (seq <= state.lastSeq) {
        // a replay: this event's decision was committed with this state; deciding again on the later state could differ
        return false;
      }
    }
    boolean all = true;
    for (ConditionState state : states) {
      all &= state.applyAndTest(seq, event);
    }
    if (all) {
      states.forEach(ConditionState::fired);
    }
    return all;
  }

  /** The dry run's answer: each condition's result, in order, and whether the trigger would fire; states change only on this scratch copy. */
  JsonObject explain(long seq, JsonObject event) {
    JsonArray results = new JsonArray();
    boolean inScope = event.getValue("chain_id") instanceof Number n && n.longValue() == trigger.chainId()
        && trigger.registry().equals(event.getString("registry"));
    boolean statelessPass = inScope;
    int s = 0;
    for (Condition condition : trigger.conditions()) {
      if (condition instanceof Condition.Stateless stateless) {
        boolean passed = stateless.test(event);
        statelessPass &= passed;
        results.add(condition.definition().toJson().put("passed", passed));
      }
    }
    boolean all = statelessPass;
    for (Condition condition : trigger.conditions()) {
      if (condition instanceof Condition.Stateful) {
        ConditionState state = states.get(s++);
        JsonObject result = condition.definition().toJson();
        if (statelessPass) {
          boolean passed = state.applyAndTest(seq, event);
          all &= passed;
          result.put("passed", passed).put("state", state.toJson());
        } else {
          result.put("passed", false).put("reason", "not updated: the stateless conditions did not all pass");
        }
        results.add(result);
      }
    }
    return new JsonObject().put("in_scope", inScope).put("would_fire", all).put("conditions", results);
  }

  /** Records a fire at {@code now} unless the hourly limit is reached: then false (the fire is suppressed). */
  boolean allowFire(long now) {
    while (!recentFires.isEmpty() && recentFires.peekFirst() <= now - HOUR_MILLIS) {
      recentFires.pollFirst();
    }
    if (recentFires.size() >= trigger.fireLimitPerHour()) {
      return false;
    }
    recentFires.addLast(now);
    return true;
  }

  /** The states changed by events up to now, to write: every stateful condition's (they are few per trigger). */
  void collectStates(long fromSeq, List<TriggerStore.StateWrite> writes) {
    for (int i = 0; i < states.size(); i++) {
      ConditionState state = states.get(i);
      if (state.lastSeq > fromSeq) {
        writes.add(new TriggerStore.StateWrite(statefulIds.get(i), trigger.id(), state.toJson(), state.lastSeq));
      }
    }
  }

  /** Each stateful condition's state, for {@code GET /triggers/{id}/state}. */
  JsonArray statesJson() {
    JsonArray array = new JsonArray();
    for (int i = 0; i < states.size(); i++) {
      array.add(stateful.get(i).definition().toJson().put("condition_id", statefulIds.get(i)).put("last_seq", states.get(i).lastSeq)
          .put("state", states.get(i).toJson()));
    }
    return array;
  }
}
