package io.kos.triggers;

import io.kos.verticle.OwnerScope;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Every statement of the triggers verticle on its tables. */
final class TriggerStore {

  private static final String TRIGGER_COLUMNS = "id, owner_id, name, description, chain_id, registry, enabled, fire_limit_per_hour, "
      + "follow_id, created_at, updated_at";
  static final String INSERT_TRIGGER = "INSERT INTO triggers (owner_id, name, description, chain_id, registry, enabled, is_stateful, "
      + "fire_limit_per_hour, follow_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
  private static final String FOLLOW_COLUMNS = "f.id, f.owner_id, f.chain_id, f.agent_id, f.created_at, "
      + "(SELECT coalesce(array_agg(t.id ORDER BY t.registry), '{}') FROM triggers t WHERE t.follow_id = f.id) AS trigger_ids";
  static final String INSERT_FOLLOW = "INSERT INTO follows (owner_id, chain_id, agent_id) VALUES ($1, $2, $3) RETURNING id";
  static final String SELECT_FOLLOW = "SELECT " + FOLLOW_COLUMNS + " FROM follows f WHERE f.id = $1 AND " + OwnerScope.clause(2).replace("owner_id", "f.owner_id");
  static final String LIST_FOLLOWS = "SELECT " + FOLLOW_COLUMNS + " FROM follows f WHERE " + OwnerScope.clause(1).replace("owner_id", "f.owner_id")
      + " AND ($2::uuid IS NULL OR f.id > $2) ORDER BY f.id LIMIT $3";
  static final String DELETE_FOLLOW = "DELETE FROM follows WHERE id = $1 AND " + OwnerScope.clause(2) + " RETURNING id";
  static final String REPLACE_TRIGGER = "UPDATE triggers SET name = $3, description = $4, chain_id = $5, registry = $6, enabled = $7, "
      + "is_stateful = $8, fire_limit_per_hour = $9 WHERE id = $1 AND " + OwnerScope.clause(2) + " RETURNING id";
  static final String PATCH_TRIGGER = "UPDATE triggers SET name = coalesce($3, name), description = CASE WHEN $4::boolean THEN $5 "
      + "ELSE description END, enabled = coalesce($6, enabled), fire_limit_per_hour = coalesce($7, fire_limit_per_hour) "
      + "WHERE id = $1 AND " + OwnerScope.clause(2) + " RETURNING id";
  static final String DELETE_TRIGGER = "DELETE FROM triggers WHERE id = $1 AND " + OwnerScope.clause(2) + " RETURNING id";
  static final String DELETE_CONDITIONS = "DELETE FROM trigger_conditions WHERE trigger_id = $1";
  static final String DELETE_ACTIONS = "DELETE FROM trigger_actions WHERE trigger_id = $1";
  static final String INSERT_CONDITION = "INSERT INTO trigger_conditions (trigger_id, position, condition_type, field, operator, value, config) "
      + "VALUES ($1, $2, $3, $4, $5, $6, $7)";
  static final String INSERT_ACTION = "INSERT INTO trigger_actions (trigger_id, action_type, priority, config) VALUES ($1, $2, $3, $4)";
  static final String SELECT_TRIGGER = "SELECT " + TRIGGER_COLUMNS + " FROM triggers WHERE id = $1 AND " + OwnerScope.clause(2);
  /** Keyset paging by id; each filter is optional (null). */
  static final String LIST_TRIGGERS = "SELECT " + TRIGGER_COLUMNS + " FROM triggers WHERE " + OwnerScope.clause(1)
      + " AND ($2::bigint IS NULL OR chain_id = $2) AND ($3::text IS NULL OR registry = $3) AND ($4::boolean IS NULL OR enabled = $4) "
      + "AND ($5::uuid IS NULL OR id > $5) ORDER BY id LIMIT $6";
  static final String ENABLED_TRIGGERS = "SELECT " + TRIGGER_COLUMNS + " FROM triggers WHERE enabled ORDER BY id";
  static final String CONDITIONS_OF = "SELECT id, trigger_id, condition_type, field, operator, value, config FROM trigger_conditions "
      + "WHERE trigger_id = ANY($1) ORDER BY trigger_id, position";
  static final String ACTIONS_OF = "SELECT id, trigger_id, action_type, priority, config FROM trigger_actions WHERE trigger_id = ANY($1) "
      + "ORDER BY trigger_id, priority, id";
  static final String STATES_OF = "SELECT condition_id, state_data, last_seq FROM trigger_state WHERE trigger_id = ANY($1)";
  static final String UPSERT_STATE = "INSERT INTO trigger_state (condition_id, trigger_id, state_data, last_seq) VALUES ($1, $2, $3, $4) "
      + "ON CONFLICT (condition_id) DO UPDATE SET state_data = EXCLUDED.state_data, last_seq = EXCLUDED.last_seq, last_updated = now() "
      + "WHERE trigger_state.last_seq < EXCLUDED.last_seq";
  static final String INSERT_FIRE = "INSERT INTO trigger_fires (idempotency_key, trigger_id, action_id, event_id, event_seq, suppressed, request) "
      + "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING";
  static final String CURSOR = "SELECT last_seq FROM trigger_cursor WHERE consumer = $1";
  static final String CREATE_CURSOR = "INSERT INTO trigger_cursor (consumer, last_seq) VALUES ($1, $2) ON CONFLICT (consumer) DO NOTHING";
  /**
   * Compare and set: a writer whose cursor moved under it (another evaluator committed the range),
   * or whose triggers changed after the generation it evaluated with, commits nothing.
   */
  static final String ADVANCE_CURSOR = "UPDATE trigger_cursor SET last_seq = $3, updated_at = now() WHERE consumer = $1 AND last_seq = $2 "
      // the counter, not trigger_changes: a prepared statement's generic plan would scan every change for "generation > $4"
      + "AND (SELECT generation FROM trigger_generation) = $4";
  static final String GENERATION = "SELECT generation FROM trigger_generation";
  static final String CHANGES_AFTER = "SELECT generation, trigger_id FROM trigger_changes WHERE generation > $1 ORDER BY generation";
  static final String OUTBOX = "SELECT id, request FROM trigger_fires WHERE job_id IS NULL AND suppressed IS NULL ORDER BY id LIMIT $1";
  static final String MARK_ENQUEUED = "UPDATE trigger_fires SET job_id = $2, enqueued_at = now(), request = NULL WHERE id = $1";
  static final String FIRES_OF = "SELECT f.id, f.action_id, f.event_id, f.event_seq, f.decided_at, f.suppressed, f.job_id, f.enqueued_at "
      + "FROM trigger_fires f JOIN triggers t ON t.id = f.trigger_id WHERE f.trigger_id = $1 AND " + OwnerScope.clause(2).replace("owner_id", "t.owner_id")
      + " AND ($3::bigint IS NULL OR f.id < $3) ORDER BY f.id DESC LIMIT $4";
  /** Fires counted by the fire limit: the last hour's, not suppressed. */
  static final String RECENT_FIRES = "SELECT trigger_id, (extract(epoch FROM decided_at) * 1000)::bigint FROM trigger_fires "
      + "WHERE suppressed IS NULL AND decided_at > now() - interval '1 hour'";

  /**
   * One delivery outcome, counted once whichever node stores it first (trigger_outcomes; $2:
   * succeeded; $3: the outcome's key; $4: the failures that open the breaker): success closes, a
   * failure counts and opens at the threshold, and a failure while half open opens again.
   */
  static final String COUNT_OUTCOME = "WITH counted AS (INSERT INTO trigger_outcomes (outcome_key, trigger_id) "
      + "SELECT $3, $1 WHERE EXISTS (SELECT 1 FROM triggers WHERE id = $1) ON CONFLICT (outcome_key) DO NOTHING RETURNING 1) "
      + "INSERT INTO trigger_breakers AS b (trigger_id, state, consecutive_failures, opened_at) "
      + "SELECT $1, CASE WHEN $2 OR $4 > 1 THEN 'closed' ELSE 'open' END, CASE WHEN $2 THEN 0 ELSE 1 END, "
      + "CASE WHEN $2 OR $4 > 1 THEN NULL ELSE now() END FROM counted "
      + "ON CONFLICT (trigger_id) DO UPDATE SET "
      + "state = CASE WHEN $2 THEN 'closed' WHEN b.state = 'half_open' OR b.consecutive_failures + 1 >= $4 THEN 'open' ELSE b.state END, "
      + "opened_at = CASE WHEN $2 THEN NULL WHEN b.state = 'half_open' OR (b.state = 'closed' AND b.consecutive_failures + 1 >= $4) THEN now() "
      + "ELSE b.opened_at END, "
      + "consecutive_failures = CASE WHEN $2 THEN 0 ELSE b.consecutive_failures + 1 END, updated_at = now()";
  static final String PRUNE_OUTCOMES = "DELETE FROM trigger_outcomes WHERE counted_at < now() - interval '1 day'";
  static final String HALF_OPEN = "UPDATE trigger_breakers SET state = 'half_open', updated_at = now() WHERE trigger_id = ANY($1) "
      + "AND state = 'open'";
  static final String RESET_BREAKER = "UPDATE trigger_breakers SET state = 'closed', consecutive_failures = 0, opened_at = NULL, updated_at = now() "
      + "WHERE trigger_id = $1";
  static final String TOUCH_TRIGGER = "UPDATE triggers SET updated_at = now() WHERE id = $1";
  static final String BREAKERS = "SELECT trigger_id, state, consecutive_failures, opened_at FROM trigger_breakers WHERE trigger_id = ANY($1)";

  static final String NEXT_POSITION = "SELECT coalesce(max(position) + 1, 0), count(*) FROM trigger_conditions WHERE trigger_id = $1";
  static final String INSERT_ONE_CONDITION = INSERT_CONDITION + " RETURNING id";
  static final String REPLACE_CONDITION = "UPDATE trigger_conditions SET condition_type = $3, field = $4, operator = $5, value = $6, config = $7 "
      + "WHERE id = $1 AND trigger_id = $2 RETURNING id";
  static final String DELETE_CONDITION = "DELETE FROM trigger_conditions WHERE id = $1 AND trigger_id = $2 RETURNING id";
  /** A condition's state does not carry over to its new definition. */
  static final String DELETE_CONDITION_STATE = "DELETE FROM trigger_state WHERE condition_id = $1";
  static final String COUNT_ACTIONS = "SELECT count(*) FROM trigger_actions WHERE trigger_id = $1";
  static final String INSERT_ONE_ACTION = INSERT_ACTION + " RETURNING id";
  static final String REPLACE_ACTION = "UPDATE trigger_actions SET action_type = $3, priority = $4, config = $5 WHERE id = $1 AND trigger_id = $2 "
      + "RETURNING id";
  static final String DELETE_ACTION = "DELETE FROM trigger_actions WHERE id = $1 AND trigger_id = $2 RETURNING id";
  /** After a part changed: the trigger's own row moves too, so every evaluator reloads it (trigger_changes). */
  static final String PART_CHANGED = "UPDATE triggers SET is_stateful = EXISTS (SELECT 1 FROM trigger_conditions WHERE trigger_id = $1 "
      + "AND condition_type IN ('ema_threshold', 'rate_limit')), updated_at = now() WHERE id = $1";

  private final Pool pool;

  TriggerStore(Pool pool) {
    this.pool = pool;
  }

  Future<Trigger> insert(UUID owner, Trigger.Draft draft) {
    return pool.withTransaction(conn -> insert(conn, owner, draft, null).compose(id -> load(conn, List.of(id))).map(list -> list.get(0)));
  }

  private static Future<UUID> insert(SqlConnection conn, UUID owner, Trigger.Draft draft, UUID followId) {
    return conn.preparedQuery(INSERT_TRIGGER).execute(Tuple.of(owner, draft.name(), draft.description(), draft.chainId(), draft.registry(),
            draft.enabled(), isStateful(draft), draft.fireLimitPerHour(), followId))
        .compose(rows -> {
          UUID id = rows.iterator().next().getUUID(0);
          return insertParts(conn, id, draft).map(id);
        });
  }

  /** A follow and its managed triggers (one per draft), in one transaction; its JSON. */
  Future<JsonObject> insertFollow(UUID owner, long chainId, String agentId, List<Trigger.Draft> drafts) {
    return pool.withTransaction(conn -> conn.preparedQuery(INSERT_FOLLOW).execute(Tuple.of(owner, chainId, agentId)).compose(rows -> {
      UUID follow = rows.iterator().next().getUUID(0);
      Future<Void> chain = Future.succeededFuture();
      for (Trigger.Draft draft : drafts) {
        chain = chain.compose(v -> insert(conn, owner, draft, follow).mapEmpty());
      }
      return chain.compose(v -> conn.preparedQuery(SELECT_FOLLOW).execute(Tuple.of(follow, (Object) null)))
          .map(found -> followJson(found.iterator().next()));
    }));
  }

  /** The follow if the caller may see it, else null. */
  Future<JsonObject> follow(UUID id, UUID ownerFilter) {
    return pool.preparedQuery(SELECT_FOLLOW).execute(Tuple.of(id, ownerFilter))
        .map(rows -> rows.size() == 0 ? null : followJson(rows.iterator().next()));
  }

  Future<JsonArray> follows(UUID ownerFilter, UUID after, int limit) {
    return pool.preparedQuery(LIST_FOLLOWS).execute(Tuple.of(ownerFilter, after, limit)).map(rows -> {
      JsonArray follows = new JsonArray();
      rows.forEach(row -> follows.add(followJson(row)));
      return follows;
    });
  }

  /** Deletes the follow and its triggers; false when not the caller's. */
  Future<Boolean> deleteFollow(UUID id, UUID ownerFilter) {
    return pool.preparedQuery(DELETE_FOLLOW).execute(Tuple.of(id, ownerFilter)).map(rows -> rows.rowCount() > 0);
  }

  private static JsonObject followJson(Row row) {
    JsonArray triggers = new JsonArray();
    for (UUID id : row.getArrayOfUUIDs("trigger_ids")) {
      triggers.add(id.toString());
    }
    return new JsonObject().put("id", row.getUUID("id").toString()).put("owner_id", row.getUUID("owner_id").toString())
        .put("chain_id", row.getLong("chain_id")).put("agent_id", row.getString("agent_id")).put("trigger_ids", triggers)
        .put("created_at", row.getOffsetDateTime("created_at").toInstant().toString());
  }

  /** Replaces the whole trigger; its conditions get new ids, so their state starts again. Null when not the caller's. */
  Future<Trigger> replace(UUID id, UUID ownerFilter, Trigger.Draft draft) {
    return pool.withTransaction(conn -> conn.preparedQuery(REPLACE_TRIGGER).execute(Tuple.of(id, ownerFilter, draft.name(),
            (draft.description()), draft.chainId(), draft.registry(), draft.enabled(), isStateful(draft), draft.fireLimitPerHour()))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture((Trigger) null)
            : conn.preparedQuery(DELETE_CONDITIONS).execute(Tuple.of(id))
                .compose(v -> conn.preparedQuery(DELETE_ACTIONS).execute(Tuple.of(id)))
                .compose(v -> insertParts(conn, id, draft))
                .compose(v -> load(conn, List.of(id))).map(list -> list.get(0))));
  }

  /** PATCH: the fields given (null: unchanged; description may be cleared). Null when not the caller's. */
  Future<Trigger> patch(UUID id, UUID ownerFilter, String name, boolean setDescription, String description, Boolean enabled, Integer fireLimit) {
    return pool.withTransaction(conn -> conn.preparedQuery(PATCH_TRIGGER).execute(Tuple.of(id, ownerFilter, name,
            setDescription, description, enabled, fireLimit))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture((Trigger) null) : load(conn, List.of(id)).map(list -> list.get(0))));
  }

  Future<Boolean> delete(UUID id, UUID ownerFilter) {
    return pool.preparedQuery(DELETE_TRIGGER).execute(Tuple.of(id, ownerFilter)).map(rows -> rows.rowCount() > 0);
  }

  /** What a change of one condition or action did: the trigger after it, and the part's id; a null trigger when the part is not found. */
  record PartWrite(Trigger trigger, long partId) {
  }

  /** Adds a condition at the end of the trigger's (already checked against its registry); null part id past the limit. */
  Future<PartWrite> addCondition(UUID triggerId, Condition condition) {
    Condition.Definition d = condition.definition();
    return pool.withTransaction(conn -> conn.preparedQuery(NEXT_POSITION).execute(Tuple.of(triggerId)).compose(rows -> {
      Row row = rows.iterator().next();
      if (row.getLong(1) >= Conditions.MAX_CONDITIONS) {
        return Future.succeededFuture(new PartWrite(null, -1));
      }
      return conn.preparedQuery(INSERT_ONE_CONDITION).execute(Tuple.of(triggerId, row.getInteger(0), d.conditionType(), d.field(), d.operator(),
          Json.encode(d.value()), d.config())).compose(inserted -> partChanged(conn, triggerId, inserted.iterator().next().getLong(0)));
    }));
  }

  Future<PartWrite> replaceCondition(UUID triggerId, long conditionId, Condition condition) {
    Condition.Definition d = condition.definition();
    return pool.withTransaction(conn -> conn.preparedQuery(REPLACE_CONDITION).execute(Tuple.of(conditionId, triggerId, d.conditionType(),
        d.field(), d.operator(), Json.encode(d.value()), d.config())).compose(rows -> rows.rowCount() == 0
            ? Future.succeededFuture(new PartWrite(null, conditionId))
            : conn.preparedQuery(DELETE_CONDITION_STATE).execute(Tuple.of(conditionId)).compose(v -> partChanged(conn, triggerId, conditionId))));
  }

  Future<PartWrite> deleteCondition(UUID triggerId, long conditionId) {
    return pool.withTransaction(conn -> conn.preparedQuery(DELETE_CONDITION).execute(Tuple.of(conditionId, triggerId)).compose(rows ->
        rows.rowCount() == 0 ? Future.succeededFuture(new PartWrite(null, conditionId)) : partChanged(conn, triggerId, conditionId)));
  }

  Future<PartWrite> addAction(UUID triggerId, Trigger.ActionDraft action) {
    return pool.withTransaction(conn -> conn.preparedQuery(COUNT_ACTIONS).execute(Tuple.of(triggerId)).compose(rows -> {
      if (rows.iterator().next().getLong(0) >= Trigger.MAX_ACTIONS) {
        return Future.succeededFuture(new PartWrite(null, -1));
      }
      return conn.preparedQuery(INSERT_ONE_ACTION).execute(Tuple.of(triggerId, action.actionType(), action.priority(), action.config()))
          .compose(inserted -> partChanged(conn, triggerId, inserted.iterator().next().getLong(0)));
    }));
  }

  Future<PartWrite> replaceAction(UUID triggerId, long actionId, Trigger.ActionDraft action) {
    return pool.withTransaction(conn -> conn.preparedQuery(REPLACE_ACTION).execute(Tuple.of(actionId, triggerId, action.actionType(),
        action.priority(), action.config())).compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(new PartWrite(null, actionId))
            : partChanged(conn, triggerId, actionId)));
  }

  Future<PartWrite> deleteAction(UUID triggerId, long actionId) {
    return pool.withTransaction(conn -> conn.preparedQuery(DELETE_ACTION).execute(Tuple.of(actionId, triggerId)).compose(rows ->
        rows.rowCount() == 0 ? Future.succeededFuture(new PartWrite(null, actionId)) : partChanged(conn, triggerId, actionId)));
  }

  private static Future<PartWrite> partChanged(SqlConnection conn, UUID triggerId, long partId) {
    return conn.preparedQuery(PART_CHANGED).execute(Tuple.of(triggerId)).compose(v -> load(conn, List.of(triggerId)))
        .map(list -> new PartWrite(list.get(0), partId));
  }

  /** The trigger if the caller may see it, else null. */
  Future<Trigger> get(UUID id, UUID ownerFilter) {
    return pool.preparedQuery(SELECT_TRIGGER).execute(Tuple.of(id, ownerFilter))
        .compose(rows -> rows.size() == 0 ? Future.succeededFuture(null) : assemble(pool, rows).map(list -> list.get(0)));
  }

  Future<List<Trigger>> list(UUID ownerFilter, Long chainId, String registry, Boolean enabled, UUID after, int limit) {
    return pool.preparedQuery(LIST_TRIGGERS).execute(Tuple.of(ownerFilter, chainId, registry,
        (enabled), after, limit)).compose(rows -> assemble(pool, rows));
  }

  Future<List<Trigger>> enabled() {
    return pool.preparedQuery(ENABLED_TRIGGERS).execute().compose(rows -> assemble(pool, rows));
  }

  /** One trigger for the evaluator, whoever owns it; null when deleted. */
  Future<Trigger> any(UUID id) {
    return get(id, null);
  }

  /** The stored state of these triggers' conditions, by condition id. */
  Future<Map<Long, StoredState>> states(List<UUID> triggerIds) {
    return pool.preparedQuery(STATES_OF).execute(Tuple.of(triggerIds.toArray(UUID[]::new))).map(rows -> {
      Map<Long, StoredState> states = new HashMap<>();
      rows.forEach(row -> states.put(row.getLong(0), new StoredState((JsonObject) row.getValue(1), row.getLong(2))));
      return states;
    });
  }

  record StoredState(JsonObject data, long lastSeq) {
  }

  /** Each trigger's non-suppressed fires of the last hour, as epoch millis: what the fire limit counts. */
  Future<Map<UUID, List<Long>>> recentFires() {
    return pool.preparedQuery(RECENT_FIRES).execute().map(rows -> {
      Map<UUID, List<Long>> fires = new HashMap<>();
      rows.forEach(row -> fires.computeIfAbsent(row.getUUID(0), k -> new ArrayList<>()).add(row.getLong(1)));
      return fires;
    });
  }

  Future<Long> cursor(String consumer, long startAt) {
    return pool.preparedQuery(CREATE_CURSOR).execute(Tuple.of(consumer, startAt))
        .compose(v -> pool.preparedQuery(CURSOR).execute(Tuple.of(consumer)))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** A state row to write: only if newer than the stored one (its last seq). */
  record StateWrite(long conditionId, UUID triggerId, JsonObject data, long lastSeq) {
  }

  /** A fire decision; {@code request} is null when suppressed. */
  record FireWrite(String idempotencyKey, UUID triggerId, long actionId, String eventId, long eventSeq, String suppressed, JsonObject request) {
  }

  /**
   * One evaluated range in one transaction: states, fires and the cursor from {@code from} to
   * {@code to}. False (nothing written) when the cursor was not at {@code from} (another writer
   * committed this range) or a trigger changed after {@code generation}.
   */
  Future<Boolean> commit(String consumer, long from, long to, long generation, List<StateWrite> states, List<FireWrite> fires,
                         List<UUID> halfOpened) {
    return pool.withTransaction(conn -> conn.preparedQuery(ADVANCE_CURSOR).execute(Tuple.of(consumer, from, to, generation)).compose(advanced -> {
      if (advanced.rowCount() == 0) {
        return Future.succeededFuture(false);
      }
      List<Tuple> stateRows = new ArrayList<>(states.size());
      states.forEach(s -> stateRows.add(Tuple.of(s.conditionId(), s.triggerId(), s.data(), s.lastSeq())));
      List<Tuple> fireRows = new ArrayList<>(fires.size());
      fires.forEach(f -> fireRows.add(Tuple.of(f.idempotencyKey(), f.triggerId(), f.actionId(), f.eventId(), f.eventSeq(),
          f.suppressed(), f.request())));
      Future<?> writeStates = stateRows.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(UPSERT_STATE).executeBatch(stateRows);
      Future<?> writeFires = fireRows.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(INSERT_FIRE).executeBatch(fireRows);
      // a breaker's trial fire and its half-open state commit together
      Future<?> trials = halfOpened.isEmpty() ? Future.succeededFuture()
          : conn.preparedQuery(HALF_OPEN).execute(Tuple.of(halfOpened.toArray(UUID[]::new)));
      return Future.all(writeStates, writeFires, trials).map(true);
    }));
  }

  /** The triggers' change counter now: what an evaluator loads its triggers at. */
  Future<Long> generation() {
    return pool.preparedQuery(GENERATION).execute().map(rows -> rows.iterator().next().getLong(0));
  }

  /** The triggers written after a generation, and the newest generation among them (or the one given). */
  record Changes(long generation, java.util.Set<UUID> triggerIds) {
  }

  Future<Changes> changesAfter(long generation) {
    return pool.preparedQuery(CHANGES_AFTER).execute(Tuple.of(generation)).map(rows -> {
      long newest = generation;
      java.util.Set<UUID> ids = new java.util.LinkedHashSet<>();
      for (Row row : rows) {
        newest = row.getLong(0);
        ids.add(row.getUUID(1));
      }
      return new Changes(newest, ids);
    });
  }

  /** A trigger's breaker as stored; {@code closed} with no failures when it has no row. */
  record Breaker(String state, int consecutiveFailures, java.time.Instant openedAt) {
    static final Breaker CLOSED = new Breaker("closed", 0, null);

    JsonObject toJson() {
      return new JsonObject().put("state", state).put("consecutive_failures", consecutiveFailures)
          .put("opened_at", openedAt == null ? null : openedAt.toString());
    }
  }

  Future<Void> countOutcome(UUID triggerId, boolean succeeded, String outcomeKey, int threshold) {
    return pool.preparedQuery(COUNT_OUTCOME).execute(Tuple.of(triggerId, succeeded, outcomeKey, threshold)).mapEmpty();
  }

  /** Closes the breaker and touches the trigger, so that every evaluator reloads it (trigger_changes) with the breaker closed. */
  Future<Void> pruneOutcomes() {
    return pool.query(PRUNE_OUTCOMES).execute().mapEmpty();
  }

  Future<Void> resetBreaker(UUID triggerId) {
    return pool.withTransaction(conn -> conn.preparedQuery(RESET_BREAKER).execute(Tuple.of(triggerId))
        .compose(v -> conn.preparedQuery(TOUCH_TRIGGER).execute(Tuple.of(triggerId)))).mapEmpty();
  }

  Future<Map<UUID, Breaker>> breakers(List<UUID> triggerIds) {
    return pool.preparedQuery(BREAKERS).execute(Tuple.of(triggerIds.toArray(UUID[]::new))).map(rows -> {
      Map<UUID, Breaker> breakers = new HashMap<>();
      rows.forEach(row -> breakers.put(row.getUUID(0), new Breaker(row.getString(1), row.getInteger(2),
          row.getOffsetDateTime(3) == null ? null : row.getOffsetDateTime(3).toInstant())));
      return breakers;
    });
  }

  record Outgoing(long id, JsonObject request) {
  }

  Future<List<Outgoing>> outbox(int limit) {
    return pool.preparedQuery(OUTBOX).execute(Tuple.of(limit)).map(rows -> {
      List<Outgoing> out = new ArrayList<>();
      rows.forEach(row -> out.add(new Outgoing(row.getLong(0), (JsonObject) row.getValue(1))));
      return out;
    });
  }

  Future<Void> markEnqueued(long fireId, String jobId) {
    return pool.preparedQuery(MARK_ENQUEUED).execute(Tuple.of(fireId, jobId)).mapEmpty();
  }

  Future<JsonArray> fires(UUID triggerId, UUID ownerFilter, Long before, int limit) {
    return pool.preparedQuery(FIRES_OF).execute(Tuple.of(triggerId, ownerFilter, before, limit)).map(rows -> {
      JsonArray fires = new JsonArray();
      rows.forEach(row -> fires.add(new JsonObject().put("id", row.getLong(0)).put("action_id", row.getLong(1)).put("event_id", row.getString(2))
          .put("event_seq", row.getLong(3)).put("decided_at", row.getOffsetDateTime(4).toInstant().toString()).put("suppressed", row.getString(5))
          .put("job_id", row.getString(6)).put("enqueued_at", row.getOffsetDateTime(7) == null ? null : row.getOffsetDateTime(7).toInstant().toString())));
      return fires;
    });
  }

  private static boolean isStateful(Trigger.Draft draft) {
    return draft.conditions().stream().anyMatch(c -> c instanceof Condition.Stateful);
  }

  private static Future<Void> insertParts(SqlConnection conn, UUID id, Trigger.Draft draft) {
    List<Tuple> conditions = new ArrayList<>();
    for (int i = 0; i < draft.conditions().size(); i++) {
      Condition.Definition d = draft.conditions().get(i).definition();
      conditions.add(Tuple.of(id, i, d.conditionType(), d.field(), d.operator(), Json.encode(d.value()), d.config()));
    }
    List<Tuple> actions = new ArrayList<>();
    draft.actions().forEach(a -> actions.add(Tuple.of(id, a.actionType(), a.priority(), a.config())));
    Future<?> c = conditions.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(INSERT_CONDITION).executeBatch(conditions);
    Future<?> a = actions.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(INSERT_ACTION).executeBatch(actions);
    return Future.all(c, a).mapEmpty();
  }

  private static Future<List<Trigger>> load(SqlClient client, List<UUID> ids) {
    return client.preparedQuery("SELECT " + TRIGGER_COLUMNS + " FROM triggers WHERE id = ANY($1) ORDER BY id")
        .execute(Tuple.of(ids.toArray(UUID[]::new))).compose(rows -> assemble(client, rows));
  }

  /** Triggers from their rows, with their conditions (re-checked as when written) and actions. */
  private static Future<List<Trigger>> assemble(SqlClient client, RowSet<Row> rows) {
    Map<UUID, Row> byId = new LinkedHashMap<>();
    rows.forEach(row -> byId.put(row.getUUID("id"), row));
    if (byId.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    UUID[] ids = byId.keySet().toArray(UUID[]::new);
    Future<RowSet<Row>> conditions = client.preparedQuery(CONDITIONS_OF).execute(Tuple.of(ids));
    Future<RowSet<Row>> actions = client.preparedQuery(ACTIONS_OF).execute(Tuple.of(ids));
    return Future.all(conditions, actions).map(v -> {
      Map<UUID, List<Row>> conditionRows = group(conditions.result());
      Map<UUID, List<Row>> actionRows = group(actions.result());
      List<Trigger> triggers = new ArrayList<>();
      byId.forEach((id, row) -> {
        String registry = row.getString("registry");
        List<Condition> parsed = new ArrayList<>();
        List<Long> conditionIds = new ArrayList<>();
        for (Row c : conditionRows.getOrDefault(id, List.of())) {
          JsonObject definition = new JsonObject().put("condition_type", c.getString("condition_type")).put("field", c.getString("field"))
              .put("operator", c.getString("operator")).put("value", Json.decodeValue(c.getString("value")));
          if (c.getValue("config") != null) {
            definition.put("config", c.getValue("config"));
          }
          parsed.add(Conditions.parse(definition, "conditions[" + parsed.size() + "]", registry));
          conditionIds.add(c.getLong("id"));
        }
        List<Trigger.Action> parsedActions = new ArrayList<>();
        for (Row a : actionRows.getOrDefault(id, List.of())) {
          parsedActions.add(new Trigger.Action(a.getLong("id"), a.getString("action_type"), a.getInteger("priority"), (JsonObject) a.getValue("config")));
        }
        triggers.add(new Trigger(id, row.getUUID("owner_id"), row.getString("name"), row.getString("description"), row.getLong("chain_id"), registry,
            row.getBoolean("enabled"), row.getInteger("fire_limit_per_hour"), List.copyOf(parsed), List.copyOf(conditionIds),
            List.copyOf(parsedActions), row.getUUID("follow_id"), row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at")));
      });
      return triggers;
    });
  }

  private static Map<UUID, List<Row>> group(RowSet<Row> rows) {
    Map<UUID, List<Row>> grouped = new HashMap<>();
    rows.forEach(row -> grouped.computeIfAbsent(row.getUUID("trigger_id"), k -> new ArrayList<>()).add(row));
    return grouped;
  }

}
