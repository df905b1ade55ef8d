package io.kos.triggers;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The enabled triggers by what an event must be to match them: chain and registry, then event
 * type (from an {@code event_type_equals =}) and agent id (from an {@code agent_id_equals =} or
 * {@code in}), each {@code *} when the trigger does not narrow it. An event looks up at most four
 * lists, so its cost follows the triggers that can match it, not all of them. One owner: the
 * evaluator's context.
 */
final class TriggerIndex {

  private static final String ANY = "*";

  private final Map<UUID, LiveTrigger> byId = new LinkedHashMap<>();
  /** chain:registry → event type or * → agent id or * → triggers */
  private final Map<String, Map<String, Map<String, List<LiveTrigger>>>> index = new HashMap<>();

  void put(LiveTrigger live) {
    remove(live.trigger.id());
    byId.put(live.trigger.id(), live);
    Trigger t = live.trigger;
    Map<String, Map<String, List<LiveTrigger>>> scope = index.computeIfAbsent(t.chainId() + ":" + t.registry(), k -> new HashMap<>());
    for (String type : eventTypes(t)) {
      Map<String, List<LiveTrigger>> byAgent = scope.computeIfAbsent(type, k -> new HashMap<>());
      for (String agent : agentIds(t)) {
        byAgent.computeIfAbsent(agent, k -> new ArrayList<>()).add(live);
      }
    }
  }

  void remove(UUID id) {
    LiveTrigger live = byId.remove(id);
    if (live == null) {
      return;
    }
    Trigger t = live.trigger;
    Map<String, Map<String, List<LiveTrigger>>> scope = index.get(t.chainId() + ":" + t.registry());
    for (String type : eventTypes(t)) {
      for (String agent : agentIds(t)) {
        List<LiveTrigger> list = scope.get(type).get(agent);
        list.remove(live);
        if (list.isEmpty()) {
          scope.get(type).remove(agent);
        }
      }
      if (scope.get(type).isEmpty()) {
        scope.remove(type);
      }
    }
    if (scope.isEmpty()) {
      index.remove(t.chainId() + ":" + t.registry());
    }
  }

  LiveTrigger get(UUID id) {
    return byId.get(id);
  }

  int size() {
    return byId.size();
  }

  void clear() {
    byId.clear();
    index.clear();
  }

  /** The triggers this event can match, each once (a trigger is under one type and agent pair per value it names). */
  List<LiveTrigger> candidates(JsonObject event) {
    Map<String, Map<String, List<LiveTrigger>>> scope = index.get(event.getLong("chain_id") + ":" + event.getString("registry"));
    if (scope == null) {
      return List.of();
    }
    List<LiveTrigger> candidates = new ArrayList<>();
    String agent = event.getString("agent_id");
    add(candidates, scope.get(event.getString("event_type")), agent);
    add(candidates, scope.get(ANY), agent);
    return candidates;
  }

  private static void add(List<LiveTrigger> candidates, Map<String, List<LiveTrigger>> byAgent, String agent) {
    if (byAgent == null) {
      return;
    }
    if (agent != null && byAgent.containsKey(agent)) {
      candidates.addAll(byAgent.get(agent));
    }
    if (byAgent.containsKey(ANY)) {
      candidates.addAll(byAgent.get(ANY));
    }
  }

  /** The event types a trigger needs (one = condition narrows it; v0.4 and v1 URI updates both), or *. */
  private static Set<String> eventTypes(Trigger t) {
    for (Condition c : t.conditions()) {
      if (c instanceof Condition.EventType e && !e.negated()) {
        return e.types();
      }
    }
    return Set.of(ANY);
  }

  /** The agent ids a trigger needs (from {@code =} or {@code in}), or *. */
  private static Set<String> agentIds(Trigger t) {
    for (Condition c : t.conditions()) {
      if (c instanceof Condition.AgentId a && !a.negated()) {
        return a.ids();
      }
    }
    return Set.of(ANY);
  }
}
