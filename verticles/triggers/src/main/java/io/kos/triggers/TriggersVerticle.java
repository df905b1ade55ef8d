package io.kos.triggers;

import io.kos.actions.api.ActionsAddresses;
import io.kos.ingest.api.Event;
import io.kos.ingest.api.IngestClient;
import io.kos.triggers.api.TriggersAddresses;
import io.kos.verticle.ApiError;
import io.kos.verticle.ApiRequest;
import io.kos.verticle.ApiResponse;
import io.kos.verticle.Caller;
import io.kos.verticle.JsonFields;
import io.kos.verticle.KosVerticle;
import io.kos.verticle.OwnerScope;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The triggers API ({@code /api/triggers/v1}): owner-scoped writes and reads, dry runs. Deployed {@code instances} times. */
final class TriggersVerticle extends KosVerticle {

  private static final long VALIDATE_TIMEOUT_MS = 5000;
  private static final int LIST_MAX = 200;
  static final int BACKTEST_MAX_EVENTS = 100_000;
  private static final int BACKTEST_FIRST_FIRES = 100;
  private static final int BACKTEST_PAGE = 10_000;
  /** The most seqs a backtest by time reads to find its events (they lie among other chains' and other times'). */
  private static final long BACKTEST_MAX_SPAN = 1_000_000;

  private TriggerStore store;
  private IngestClient ingest;
  private TriggersSettings settings;

  @Override
  protected Future<?> setUp() {
    store = new TriggerStore(pool());
    ingest = new IngestClient(vertx);
    settings = TriggersSettings.parse(env().config());
    serve("triggers.create", this::create);
    serve("triggers.list", this::list);
    serve("triggers.get", request -> store.get(id(request), OwnerScope.filter(request.caller())).map(t -> found(t, request).toJson()));
    serve("triggers.replace", this::replace);
    serve("triggers.patch", this::patch);
    serve("triggers.delete", this::delete);
    serve("triggers.state", this::state);
    serve("triggers.fires", this::fires);
    serve("triggers.test", this::test);
    serve("triggers.backtest", this::backtest);
    serve("conditions.list", request -> owned(request).map(t -> new JsonObject().put("conditions", t.toJson().getJsonArray("conditions"))));
    serve("conditions.get", request -> owned(request).map(t -> part(t.toJson().getJsonArray("conditions"), partId(request, "cid"), "condition")));
    serve("conditions.create", this::addCondition);
    serve("conditions.replace", this::replaceCondition);
    serve("conditions.delete", request -> writable(request).compose(t -> store.deleteCondition(t.id(), partId(request, "cid")))
        .map(write -> {
          partWritten(write, request, "cid", "condition");
          return null;
        }));
    serve("actions.list", request -> owned(request).map(t -> new JsonObject().put("actions", t.toJson().getJsonArray("actions"))));
    serve("actions.get", request -> owned(request).map(t -> part(t.toJson().getJsonArray("actions"), partId(request, "aid"), "action")));
    serve("actions.create", this::addAction);
    serve("actions.replace", this::replaceAction);
    serve("actions.delete", request -> writable(request).compose(t -> store.deleteAction(t.id(), partId(request, "aid")))
        .map(write -> {
          partWritten(write, request, "aid", "action");
          return null;
        }));
    serve("follows.create", this::createFollow);
    serve("follows.list", this::listFollows);
    serve("follows.get", request -> store.follow(followId(request), OwnerScope.filter(request.caller())).map(f -> {
      if (f == null) {
        throw ApiError.notFound("no follow " + request.pathParam("id"));
      }
      return f;
    }));
    serve("follows.delete", this::deleteFollow);
    serve("triggers.breaker", this::breaker);
    serve("triggers.breaker.reset", this::resetBreaker);
    return Future.succeededFuture();
  }

  private Future<ApiResponse> create(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    Trigger.Draft draft = Trigger.Draft.parse(request.bodyObject());
    return validateActions(draft.actions(), OwnerScope.owner(caller))
        .compose(checked -> store.insert(OwnerScope.owner(caller), draft.withActions(checked.actions()))
            .map(trigger -> ApiResponse.of(201, checked.shownOnce(changed(trigger).toJson()))));
  }

  private Future<JsonObject> list(ApiRequest request) {
    Caller caller = request.caller();
    Long chainId = request.query("chain_id") == null ? null : request.queryLong("chain_id", 0, 1, Long.MAX_VALUE);
    String registry = request.query("registry") == null ? null : request.queryOneOf("registry", Trigger.REGISTRIES);
    String enabledText = request.query("enabled") == null ? null : request.queryOneOf("enabled", List.of("true", "false"));
    int limit = request.queryInt("limit", 50, 1, LIST_MAX);
    String cursor = request.query("cursor");
    UUID after = cursor == null ? null : cursorId(cursor);
    return store.list(OwnerScope.filter(caller), chainId, registry, enabledText == null ? null : Boolean.valueOf(enabledText), after, limit)
        .map(triggers -> {
          JsonArray items = new JsonArray();
          triggers.forEach(t -> items.add(t.toJson()));
          String next = triggers.size() == limit ? triggers.get(triggers.size() - 1).id().toString() : null;
          return new JsonObject().put("triggers", items).put("next_cursor", next);
        });
  }

  private Future<JsonObject> replace(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    UUID id = id(request);
    Trigger.Draft draft = Trigger.Draft.parse(request.bodyObject());
    Future<CheckedActions> checked = draft.actions().isEmpty() ? Future.succeededFuture(CheckedActions.NONE)
        : store.get(id, OwnerScope.filter(caller)).compose(t -> validateActions(draft.actions(), found(t, request).ownerId()));
    return checked.compose(actions -> store.replace(id, OwnerScope.filter(caller), draft.withActions(actions.actions()))
        .map(trigger -> actions.shownOnce(changed(found(trigger, request)).toJson())));
  }

  private Future<JsonObject> patch(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    UUID id = id(request);
    JsonObject body = request.bodyObject();
    JsonFields fields = JsonFields.ofBody(body).onlyKnown(List.of("name", "description", "enabled", "fire_limit_per_hour"));
    String name = body.containsKey("name") ? fields.string("name", null, 200) : null;
    if (name != null && name.isBlank()) {
      throw ApiError.invalidField("name", "must not be blank");
    }
    boolean setDescription = body.containsKey("description");
    String description = setDescription && body.getValue("description") != null ? fields.string("description", null, 2000) : null;
    Boolean enabled = fields.bool("enabled", null);
    Integer fireLimit = body.containsKey("fire_limit_per_hour") ? fields.intValue("fire_limit_per_hour", 0, 1, 100_000) : null;
    return store.patch(id, OwnerScope.filter(caller), name, setDescription, description, enabled, fireLimit)
        .map(trigger -> changed(found(trigger, request)).toJson());
  }

  private Future<Void> delete(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    UUID id = id(request);
    return store.delete(id, OwnerScope.filter(caller)).map(deleted -> {
      if (!deleted) {
        throw ApiError.notFound("no trigger " + id);
      }
      announce(id.toString());
      return null;
    });
  }

  private Future<JsonObject> state(ApiRequest request) {
    UUID id = id(request);
    return store.get(id, OwnerScope.filter(request.caller())).compose(t -> {
      Trigger trigger = found(t, request);
      return store.states(List.of(id)).map(states -> {
        LiveTrigger live = new LiveTrigger(trigger, states, List.of());
        return new JsonObject().put("trigger_id", id.toString()).put("conditions", live.statesJson());
      });
    });
  }

  private Future<JsonObject> fires(ApiRequest request) {
    UUID id = id(request);
    int limit = request.queryInt("limit", 50, 1, LIST_MAX);
    Long before = request.query("cursor") == null ? null : request.queryLong("cursor", 0, 1, Long.MAX_VALUE);
    UUID owner = OwnerScope.filter(request.caller());
    return store.get(id, owner).compose(t -> {
      found(t, request);
      return store.fires(id, owner, before, limit).map(fires -> new JsonObject().put("fires", fires)
          .put("next_cursor", fires.size() == limit ? String.valueOf(fires.getJsonObject(fires.size() - 1).getLong("id")) : null));
    });
  }

  /**
   * What the trigger would have decided over {@code from_seq..to_seq} of the log, or over the events
   * with block times in {@code from_time..to_time} (at most 100,000 events either way), from empty
   * state on a scratch copy, the hourly fire limit counted in block time: how many fires and the
   * first 100. No state, no fire, no job.
   */
  private Future<JsonObject> backtest(ApiRequest request) {
    UUID id = id(request);
    JsonObject body = request.bodyObject();
    JsonFields fields = request.bodyFields().onlyKnown(List.of("from_seq", "to_seq", "from_time", "to_time"));
    boolean bySeq = body.containsKey("from_seq") || body.containsKey("to_seq");
    if (bySeq == (body.containsKey("from_time") || body.containsKey("to_time"))) {
      throw ApiError.invalidField("from_seq", "give from_seq and to_seq, or from_time and to_time (block times in unix seconds)");
    }
    String fromName = bySeq ? "from_seq" : "from_time";
    String toName = bySeq ? "to_seq" : "to_time";
    long from = fields.integer(fromName, null, bySeq ? 1 : 0, Long.MAX_VALUE);
    long to = fields.integer(toName, null, bySeq ? 1 : 0, Long.MAX_VALUE);
    if (to < from) {
      throw ApiError.invalidField(toName, "must be at least " + fromName);
    }
    if (bySeq && to - from + 1 > BACKTEST_MAX_EVENTS) {
      throw ApiError.invalidField(toName, "a backtest covers at most " + BACKTEST_MAX_EVENTS + " seqs; split the range");
    }
    Future<long[]> seqs = bySeq ? Future.succeededFuture(new long[] {from, to}) : ingest.seqRange(from, to).map(range -> {
      if (range.count() > BACKTEST_MAX_EVENTS) {
        throw ApiError.invalidField(toName, "the time range holds " + range.count() + " events; a backtest covers at most " + BACKTEST_MAX_EVENTS);
      }
      if (range.count() > 0 && range.maxSeq() - range.minSeq() + 1 > BACKTEST_MAX_SPAN) {
        throw ApiError.invalidField(toName, "the time range's events are spread over more than " + BACKTEST_MAX_SPAN + " seqs of the log; "
            + "give from_seq and to_seq");
      }
      return range.count() == 0 ? new long[] {1, 0} : new long[] {range.minSeq(), range.maxSeq()};
    });
    java.util.function.Predicate<JsonObject> inRange = bySeq ? event -> true
        : event -> event.getLong("timestamp") >= from && event.getLong("timestamp") <= to;
    return store.get(id, OwnerScope.filter(request.caller())).compose(t -> {
      LiveTrigger scratch = new LiveTrigger(found(t, request), Map.of(), List.of());
      return seqs.compose(range -> replay(scratch, range[0] - 1, range[1], inRange, new Backtest()));
    }).map(result -> result.toJson().put("trigger_id", id.toString()).put(fromName, from).put(toName, to));
  }

  /** The tally of a backtest. */
  private static final class Backtest {
    long evaluated;
    long fires;
    long suppressed;
    final JsonArray first = new JsonArray();

    JsonObject toJson() {
      return new JsonObject().put("events_evaluated", evaluated).put("fires", fires).put("suppressed_by_fire_limit", suppressed)
          .put("first_fires", first);
    }
  }

  private Future<Backtest> replay(LiveTrigger scratch, long after, long to, java.util.function.Predicate<JsonObject> inRange, Backtest tally) {
    int limit = (int) Math.min(BACKTEST_PAGE, to - after);
    if (limit <= 0) {
      return Future.succeededFuture(tally);
    }
    return ingest.since(after, limit).compose(page -> {
      long last = after;
      for (Event event : page.events()) {
        if (event.seq() > to) {
          return Future.succeededFuture(tally);
        }
        last = event.seq();
        if (!inRange.test(event.fields())) {
          continue;
        }
        tally.evaluated++;
        if (scratch.evaluate(event.seq(), event.fields())) {
          if (scratch.allowFire(event.fields().getLong("timestamp") * 1000)) {
            tally.fires++;
            if (tally.first.size() < BACKTEST_FIRST_FIRES) {
              tally.first.add(new JsonObject().put("event_id", event.id()).put("event_seq", event.seq()));
            }
          } else {
            tally.suppressed++;
          }
        }
      }
      return page.events().size() < limit ? Future.succeededFuture(tally) : replay(scratch, last, to, inRange, tally);
    });
  }

  /** The trigger of the path if the caller may see it; 404 otherwise. */
  private Future<Trigger> owned(ApiRequest request) {
    return store.get(id(request), OwnerScope.filter(request.caller())).map(t -> found(t, request));
  }

  /** As {@link #owned}, for a write: viewers are refused first. */
  private Future<Trigger> writable(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    return store.get(id(request), OwnerScope.filter(caller)).map(t -> found(t, request));
  }

  private Future<ApiResponse> addCondition(ApiRequest request) {
    JsonObject body = request.bodyObject();
    return writable(request).compose(t -> store.addCondition(t.id(), Conditions.parse(body, "", t.registry())))
        .map(write -> {
          if (write.trigger() == null) {
            throw ApiError.invalidField("conditions", "a trigger has at most " + Conditions.MAX_CONDITIONS + " conditions");
          }
          return ApiResponse.of(201, part(changed(write.trigger()).toJson().getJsonArray("conditions"), write.partId(), "condition"));
        });
  }

  /** Replaces one condition; its state (if stateful) starts again. */
  private Future<JsonObject> replaceCondition(ApiRequest request) {
    JsonObject body = request.bodyObject();
    long conditionId = partId(request, "cid");
    return writable(request).compose(t -> store.replaceCondition(t.id(), conditionId, Conditions.parse(body, "", t.registry())))
        .map(write -> part(partWritten(write, request, "cid", "condition").toJson().getJsonArray("conditions"), conditionId, "condition"));
  }

  private Future<ApiResponse> addAction(ApiRequest request) {
    request.caller().requireWriter();
    Trigger.ActionDraft action = Trigger.ActionDraft.parse(request.bodyObject(), "");
    return writable(request).compose(t -> validateActions(List.of(action), t.ownerId())
        .compose(checked -> store.addAction(t.id(), checked.actions().get(0)).map(write -> {
          if (write.trigger() == null) {
            throw ApiError.invalidField("actions", "a trigger has at most " + Trigger.MAX_ACTIONS + " actions");
          }
          return ApiResponse.of(201, checked.shownOnce(0, part(changed(write.trigger()).toJson().getJsonArray("actions"), write.partId(), "action")));
        })));
  }

  private Future<JsonObject> replaceAction(ApiRequest request) {
    request.caller().requireWriter();
    Trigger.ActionDraft action = Trigger.ActionDraft.parse(request.bodyObject(), "");
    long actionId = partId(request, "aid");
    return writable(request).compose(t -> validateActions(List.of(action), t.ownerId())
        .compose(checked -> store.replaceAction(t.id(), actionId, checked.actions().get(0)).map(write -> checked.shownOnce(0,
            part(partWritten(write, request, "aid", "action").toJson().getJsonArray("actions"), actionId, "action")))));
  }

  /** The trigger after a part's write, announced; 404 when the part is not the trigger's. */
  private Trigger partWritten(TriggerStore.PartWrite write, ApiRequest request, String param, String what) {
    if (write.trigger() == null) {
      throw ApiError.notFound("no " + what + " " + request.pathParam(param) + " in trigger " + request.pathParam("id"));
    }
    return changed(write.trigger());
  }

  private static JsonObject part(JsonArray parts, long id, String what) {
    return parts.stream().map(JsonObject.class::cast).filter(p -> p.getLong("id") == id).findFirst()
        .orElseThrow(() -> ApiError.notFound("no " + what + " " + id + " in this trigger"));
  }

  private static long partId(ApiRequest request, String param) {
    String raw = request.pathParam(param);
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw ApiError.notFound("no " + (param.equals("cid") ? "condition " : "action ") + raw);
    }
  }

  /** One managed trigger per registry for one agent, with the same actions: the "tell me everything about agent 42" case. */
  private Future<ApiResponse> createFollow(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    JsonFields fields = request.bodyFields().onlyKnown(List.of("chain_id", "agent_id", "actions", "fire_limit_per_hour"));
    long chainId = fields.integer("chain_id", null, 1, Long.MAX_VALUE);
    JsonObject agentCondition = new JsonObject().put("condition_type", "agent_id_equals").put("operator", "=")
        .put("value", request.bodyObject().getValue("agent_id"));
    Condition.AgentId agent;
    try {
      agent = (Condition.AgentId) Conditions.parse(agentCondition, "agent", "identity");
    } catch (ApiError e) {
      throw ApiError.invalidField("agent_id", "must be an agent id: an integer from 0 to 2^256-1 (a decimal string for large ones)");
    }
    String agentId = (String) agent.definition().value();
    int fireLimit = fields.intValue("fire_limit_per_hour", 100, 1, 100_000);
    List<Trigger.ActionDraft> written = Trigger.ActionDraft.parse(fields.array("actions", new JsonArray()));
    return validateActions(written, OwnerScope.owner(caller)).compose(checked -> {
      List<Trigger.Draft> drafts = Trigger.REGISTRIES.stream().sorted().map(registry -> new Trigger.Draft(
          "follow agent " + agentId + " on chain " + chainId + ": " + registry, null, chainId, registry, true, fireLimit,
          Conditions.parse(new JsonArray().add(agentCondition.copy().put("value", agentId)), registry), checked.actions())).toList();
      return store.insertFollow(OwnerScope.owner(caller), chainId, agentId, drafts).map(follow -> {
        follow.getJsonArray("trigger_ids").forEach(id -> announce((String) id));
        JsonArray secrets = new JsonArray();
        checked.secrets().forEach(secrets::add);
        return ApiResponse.of(201, checked.secrets().stream().allMatch(java.util.Objects::isNull) ? follow : follow.put("webhook_secrets", secrets));
      });
    });
  }

  private Future<JsonObject> listFollows(ApiRequest request) {
    int limit = request.queryInt("limit", 50, 1, LIST_MAX);
    String cursor = request.query("cursor");
    return store.follows(OwnerScope.filter(request.caller()), cursor == null ? null : cursorId(cursor), limit).map(follows -> new JsonObject()
        .put("follows", follows).put("next_cursor", follows.size() == limit ? follows.getJsonObject(follows.size() - 1).getString("id") : null));
  }

  private Future<Void> deleteFollow(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    UUID id = followId(request);
    return store.follow(id, OwnerScope.filter(caller)).compose(follow -> {
      if (follow == null) {
        throw ApiError.notFound("no follow " + id);
      }
      return store.deleteFollow(id, OwnerScope.filter(caller)).map(deleted -> {
        follow.getJsonArray("trigger_ids").forEach(t -> announce((String) t));
        return null;
      });
    });
  }

  private static UUID followId(ApiRequest request) {
    return OwnerScope.uuidOrNotFound(request.pathParam("id"), "follow");
  }

  private Future<JsonObject> breaker(ApiRequest request) {
    UUID id = id(request);
    return store.get(id, OwnerScope.filter(request.caller())).compose(t -> {
      found(t, request);
      return store.breakers(List.of(id)).map(breakers -> breakers.getOrDefault(id, TriggerStore.Breaker.CLOSED).toJson()
          .put("trigger_id", id.toString()).put("failures_to_open", settings.breakerFailures())
          .put("cooldown_seconds", settings.breakerCooldownSeconds()));
    });
  }

  private Future<JsonObject> resetBreaker(ApiRequest request) {
    Caller caller = request.caller().requireWriter();
    UUID id = id(request);
    return store.get(id, OwnerScope.filter(caller)).compose(t -> {
      changed(found(t, request));
      return store.resetBreaker(id);
    }).compose(v -> breaker(request));
  }

  /** A dry run: the event given inline ({@code event}) or by seq ({@code event_seq}) against the trigger's current state, changing nothing. */
  private Future<JsonObject> test(ApiRequest request) {
    UUID id = id(request);
    JsonObject body = request.bodyObject();
    JsonFields fields = JsonFields.ofBody(body).onlyKnown(List.of("event", "event_seq"));
    if (body.containsKey("event") == body.containsKey("event_seq")) {
      throw ApiError.invalidField("event", "give exactly one of event (the event's JSON) and event_seq (an event of the log)");
    }
    Future<Event> event = body.containsKey("event") ? Future.succeededFuture(Event.of(0, checkedInline(fields.object("event", null))))
        : eventAt(fields.integer("event_seq", null, 1, Long.MAX_VALUE));
    return store.get(id, OwnerScope.filter(request.caller())).compose(t -> {
      Trigger trigger = found(t, request);
      return Future.all(event, store.states(List.of(id))).map(v -> {
        Event e = v.resultAt(0);
        Map<Long, TriggerStore.StoredState> states = v.resultAt(1);
        // the stored state as it is, on a copy: applied as a new event (seq above every state) so the dry run shows its effect
        LiveTrigger scratch = new LiveTrigger(trigger, states, List.of());
        return scratch.explain(Long.MAX_VALUE, e.fields()).put("trigger_id", id.toString()).put("event_seq", e.seq() == 0 ? null : e.seq());
      });
    });
  }

  /** An inline event has what conditions read in the log's types: ids, block time, numbers as numbers or decimal strings. */
  private static JsonObject checkedInline(JsonObject event) {
    if (!(event.getValue("chain_id") instanceof Number chain) || chain.longValue() < 1 || chain instanceof Double) {
      throw ApiError.invalidField("event.chain_id", "must be a positive integer");
    }
    if (!(event.getValue("registry") instanceof String registry) || !Trigger.REGISTRIES.contains(registry)) {
      throw ApiError.invalidField("event.registry", "must be identity, reputation or validation");
    }
    if (!(event.getValue("timestamp") instanceof Integer || event.getValue("timestamp") instanceof Long) || event.getLong("timestamp") < 0) {
      throw ApiError.invalidField("event.timestamp", "must be the block time in unix seconds");
    }
    for (String field : List.of("score", "response", "value_decimal")) {
      Object value = event.getValue(field);
      if (value != null && !(value instanceof Integer || value instanceof Long
          || value instanceof String s && s.matches("-?(0|[1-9][0-9]{0,77})(\\.[0-9]{1,38})?"))) {
        throw ApiError.invalidField("event." + field, "must be an integer or a decimal string");
      }
    }
    for (String field : List.of("event_type", "agent_id", "tag1", "tag2", "tag", "tag1_text", "tag2_text", "tag_text", "validator_address",
        "file_uri", "response_uri", "token_uri")) {
      if (event.getValue(field) != null && !(event.getValue(field) instanceof String)) {
        throw ApiError.invalidField("event." + field, "must be a string");
      }
    }
    return event;
  }

  private Future<Event> eventAt(long seq) {
    return ingest.since(seq - 1, 1).map(page -> {
      if (page.events().isEmpty() || page.events().get(0).seq() != seq) {
        throw ApiError.invalidField("event_seq", "the log has no event " + seq);
      }
      return page.events().get(0);
    });
  }

  /**
   * The actions as the actions verticle checked them: the configs to store (secrets sealed) and,
   * by index, the webhook secrets it generated, shown once in the write's answer.
   */
  record CheckedActions(List<Trigger.ActionDraft> actions, List<String> secrets) {

    static final CheckedActions NONE = new CheckedActions(List.of(), List.of());

    /** The trigger's JSON with each generated secret beside its action ({@code actions[i].webhook_secret}). */
    JsonObject shownOnce(JsonObject trigger) {
      JsonArray actionsJson = trigger.getJsonArray("actions");
      for (int i = 0; i < secrets.size() && i < actionsJson.size(); i++) {
        shownOnce(i, actionsJson.getJsonObject(i));
      }
      return trigger;
    }

    JsonObject shownOnce(int index, JsonObject action) {
      return secrets.get(index) == null ? action : action.put("webhook_secret", secrets.get(index));
    }
  }

  /** Asks the actions verticle to check the action configs; 503 when none answers (never stored unchecked). */
  private Future<CheckedActions> validateActions(List<Trigger.ActionDraft> drafts, UUID owner) {
    if (drafts.isEmpty()) {
      return Future.succeededFuture(CheckedActions.NONE);
    }
    JsonArray actions = new JsonArray();
    drafts.forEach(a -> actions.add(a.toJson()));
    JsonObject body = new JsonObject().put("owner_id", owner.toString()).put("actions", actions);
    return vertx.eventBus().<Buffer>request(ActionsAddresses.VALIDATE, ApiRequest.busRequest(body),
        new DeliveryOptions().setSendTimeout(VALIDATE_TIMEOUT_MS)).map(reply -> checked(drafts, reply.body())).recover(failure -> {
          if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() == 422) {
            JsonObject error = new JsonObject(reply.getMessage());
            return Future.failedFuture(new ApiError(TriggersErrors.INVALID_ACTION, error.getString("message"),
                error.containsKey("field") ? new JsonObject().put("field", error.getString("field")) : null));
          }
          return Future.failedFuture(TriggersErrors.ACTIONS_UNAVAILABLE.error("no actions verticle checked the actions: "
              + failure.getMessage() + "; nothing was stored"));
        });
  }

  private static CheckedActions checked(List<Trigger.ActionDraft> drafts, Buffer reply) {
    JsonArray answers = reply == null || reply.length() == 0 ? null : new JsonObject(reply).getJsonArray("actions");
    List<Trigger.ActionDraft> stored = new ArrayList<>(drafts.size());
    List<String> secrets = new ArrayList<>(drafts.size());
    for (int i = 0; i < drafts.size(); i++) {
      Trigger.ActionDraft draft = drafts.get(i);
      JsonObject answer = answers == null || i >= answers.size() ? new JsonObject() : answers.getJsonObject(i);
      stored.add(new Trigger.ActionDraft(draft.actionType(), draft.priority(), answer.getJsonObject("config", draft.config())));
      secrets.add(answer.getString("secret"));
    }
    return new CheckedActions(stored, secrets);
  }

  private Trigger changed(Trigger trigger) {
    announce(trigger.id().toString());
    return trigger;
  }

  /** Wakes every node's evaluator after a write (which triggers changed, they read from trigger_changes). */
  private void announce(String triggerId) {
    vertx.eventBus().publish(TriggersAddresses.CHANGED, new JsonObject().put("trigger_id", triggerId));
  }

  private static Trigger found(Trigger trigger, ApiRequest request) {
    if (trigger == null) {
      throw ApiError.notFound("no trigger " + request.pathParam("id"));
    }
    return trigger;
  }

  private static UUID id(ApiRequest request) {
    return OwnerScope.uuidOrNotFound(request.pathParam("id"), "trigger");
  }

  private static UUID cursorId(String cursor) {
    try {
      return UUID.fromString(cursor);
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidParameter("cursor", "must be the next_cursor of a previous page");
    }
  }
}
