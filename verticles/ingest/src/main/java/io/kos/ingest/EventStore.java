package io.kos.ingest;

import io.kos.ingest.api.Agent;
import io.kos.ingest.api.Event;
import io.vertx.core.json.JsonObject;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.templates.RowMapper;
import io.vertx.sqlclient.templates.SqlTemplate;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** Every statement of the ingest verticle on its tables. */
final class EventStore {

  private static final String COLUMN_LIST = EventSchema.COLUMN_LIST;
  private static final String SELECT_COLUMNS = EventSchema.SELECT_COLUMNS;

  /** The same lock the table's statement trigger takes: taken first so the reorg check and the insert see one state. */
  static final String LOCK_WRITERS = "SELECT pg_advisory_xact_lock(hashtext('kos.ingest.events'))";
  static final String ENSURE_PARTITIONS = "SELECT ensure_event_partitions($1, $2)";
  /** One partition per month start given: a batch pays for the months it has, never for the span between them. */
  static final String ENSURE_MONTHS = "SELECT coalesce(sum(ensure_event_partitions(m, m)), 0)::int FROM unnest($1::bigint[]) AS m";
  static final String DROP_PARTITIONS_BEFORE = "SELECT drop_event_partitions_before($1)";
  /**
   * The whole write of a batch in one statement, run under the writers' lock: the first block whose
   * stored hash differs from the batch's (a reorg: then nothing is written), else the events (each
   * column the batch fills as a text array, cast here; seqs in batch order) and the checkpoint when
   * one is given (the follower's range). Most batches are new events, so the first try does not look
   * for stored copies: a duplicate fails it on the primary key, and the batch is written again
   * skipping duplicates. Looking up every event first costs a fifth of the insert.
   *
   * <p>By column mask (and the duplicate-skipping bit): a column no event of the batch fills is left
   * out rather than sent and unnested as an array of nulls (a v1 feedback batch fills 24 of the
   * table's columns). Few shapes occur: each is built once here and prepared once per connection by
   * the pool's statement cache.
   */
  private static final Map<Long, String> WRITES = new ConcurrentHashMap<>();
  private static final long SKIPPING_DUPLICATES = 1L << 63;
  private static final String UNIQUE_VIOLATION = "23505";
  /**
   * What PostgreSQL answers an insert whose row no partition takes (check_violation, shared with the
   * table's CHECKs, which validation keeps a batch from breaking: such a batch would fail once more).
   */
  private static final String NO_PARTITION_FOR_ROW = "23514";
  static final String EVENTS_SINCE = "SELECT " + SELECT_COLUMNS + " FROM events WHERE seq > $1 ORDER BY seq LIMIT $2";
  static final String EVENTS_BETWEEN = "SELECT " + SELECT_COLUMNS + " FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3";
  static final String EVENT_BY_ID = "SELECT " + SELECT_COLUMNS + " FROM events WHERE id = $1";
  /** One agent's identity events in log order (index events_agent_identity): few per agent. */
  static final String AGENT_EVENTS = "SELECT " + SELECT_COLUMNS + " FROM events WHERE chain_id = $1 AND agent_id = $2 "
      + "AND registry = 'identity' ORDER BY seq";
  /** The last seq handed out; inside a writer's transaction (writers are serialised) that is its own newest event. */
  static final String LAST_SEQ = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM events_seq";
  /** Where a time range's events lie: partitions outside the range are pruned by the timestamp bounds. */
  static final String SEQ_RANGE = "SELECT count(*), min(seq), max(seq) FROM events WHERE timestamp >= $1 AND timestamp <= $2";
  /** The newest committed event's seq. */
  static final String HIGH_WATER = "SELECT coalesce(max(seq), 0) FROM events";
  private static final String CHECKPOINT_COLUMNS = "chain_id, block_number, block_hash, updated_at";
  static final String CHECKPOINTS = "SELECT " + CHECKPOINT_COLUMNS + " FROM checkpoints ORDER BY chain_id";
  static final String CHECKPOINT = "SELECT " + CHECKPOINT_COLUMNS + " FROM checkpoints WHERE chain_id = #{chain_id}";
  private static final String ON_CHECKPOINT_CONFLICT = "ON CONFLICT (chain_id) DO UPDATE SET block_number = EXCLUDED.block_number, "
      + "block_hash = EXCLUDED.block_hash, updated_at = now()";
  static final String UPSERT_CHECKPOINT = "INSERT INTO checkpoints (chain_id, block_number, block_hash) "
      + "VALUES (#{chain_id}, #{block_number}, #{block_hash}) " + ON_CHECKPOINT_CONFLICT + " RETURNING " + CHECKPOINT_COLUMNS;
  static final String STATS = "SELECT hour, chain_id, registry, event_type, events FROM events_hourly "
      + "WHERE hour >= #{from} AND hour < #{to} ORDER BY hour, chain_id, registry, event_type";

  /** A row of {@code checkpoints}. */
  private static final RowMapper<StoredCheckpoint> CHECKPOINT_ROW = row -> new StoredCheckpoint(
      new Checkpoint(row.getLong("chain_id"), row.getLong("block_number"), row.getString("block_hash")), row.getOffsetDateTime("updated_at"));
  /** A row of {@code events_hourly}. */
  private static final RowMapper<HourlyCount> HOURLY_ROW = row -> new HourlyCount(row.getLong("hour"), row.getLong("chain_id"),
      row.getString("registry"), row.getString("event_type"), row.getLong("events"));

  /** Filters of the list query: the query parameter, the column, the SQL type and comparison. */
  record Filter(String parameter, String condition) {
  }

  static final List<Filter> FILTERS = List.of(
      new Filter("chain_id", "chain_id = $%d::bigint"),
      new Filter("registry", "registry = $%d"),
      new Filter("event_type", "event_type = ANY($%d::text[])"),
      new Filter("agent_id", "agent_id = $%d::numeric"),
      new Filter("client_address", "client_address = lower($%d)"),
      new Filter("validator_address", "validator_address = lower($%d)"),
      new Filter("from_block", "block_number >= $%d::bigint"),
      new Filter("to_block", "block_number <= $%d::bigint"));

  private final Pool pool;
  /** Month starts (unix seconds) whose partition is known to exist. */
  private final Set<Long> partitions = ConcurrentHashMap.newKeySet();

  EventStore(Pool pool) {
    this.pool = pool;
  }

  Pool pool() {
    return pool;
  }

  /** What writing a batch came to: {@link Stored} or, with nothing written, {@link Reorg}. */
  sealed interface WriteOutcome permits Stored, Reorg {
  }

  /**
   * A stored batch. Writers are serialised and {@code seqBefore} is read under their lock, so this
   * batch owns every seq in ({@code seqBefore}, {@code highWaterSeq}]: {@code seqs[i]} went to event
   * {@code ids[i]}. (A failed first write may have taken seqs before that span: gaps.)
   */
  record Stored(int accepted, int duplicates, long seqBefore, long highWaterSeq, Long[] seqs, String[] ids) implements WriteOutcome {
  }

  /** A block whose pushed hash differs from the stored one: nothing of the batch was written. */
  record Reorg(long chainId, long blockNumber, String stored, String pushed) implements WriteOutcome {
  }

  /** A chain's position, stored with the events that bring it there. */
  record Checkpoint(long chainId, long blockNumber, String blockHash) {
  }

  /** A checkpoint as stored, with when it last moved. */
  record StoredCheckpoint(Checkpoint checkpoint, OffsetDateTime updatedAt) {
  }

  /** Events of one hour, chain, registry and type ({@code events_hourly}). */
  record HourlyCount(long hour, long chainId, String registry, String eventType, long events) {
  }

  /** The events after a seq and the newest committed seq when they were read. */
  record Page(List<Event> events, long highWaterSeq) {
  }

  /**
   * Stores a validated batch in one transaction: writers' lock, the seq before it, missing
   * partitions, then the write ({@link #WRITES}: reorg check, insert, checkpoint), and once more
   * skipping duplicates when the batch holds stored events, or with its months made again when
   * retention dropped one. Every statement of a transaction is sent at once, pipelined on one
   * connection, so the writers' lock is held only while PostgreSQL works, never while this node's
   * event loop is busy elsewhere (not {@code pool.withTransaction}, which waits for
   * each statement's answer before sending the next: the ingest bench measured push at 44-56 % of
   * COPY that way and 55-64 % pipelined). Completes with a {@link Reorg} (nothing stored) or a
   * {@link Stored}; acknowledged means committed.
   */
  Future<WriteOutcome> store(EventBatch batch, Checkpoint checkpoint) {
    // built once: the retry binds the same values
    List<EventBatch.Block> blocks = batch.blocks();
    Long[] blockChains = new Long[blocks.size()];
    Long[] blockNumbers = new Long[blocks.size()];
    String[] blockHashes = new String[blocks.size()];
    for (int i = 0; i < blocks.size(); i++) {
      blockChains[i] = blocks.get(i).chainId();
      blockNumbers[i] = blocks.get(i).number();
      blockHashes[i] = blocks.get(i).hash();
    }
    long filled = EventSchema.filledColumns(batch.rows());
    Tuple args = Tuple.from(EventSchema.columnsOf(batch.rows(), filled)).addArrayOfLong(blockChains).addArrayOfLong(blockNumbers)
        .addArrayOfString(blockHashes);
    if (checkpoint == null) {
      args.addValue(null).addValue(null).addValue(null);
    } else {
      args.addLong(checkpoint.chainId()).addLong(checkpoint.blockNumber()).addString(checkpoint.blockHash());
    }
    return write(filled, false, batch, args, true);
  }

  /**
   * Once, then again skipping duplicates after a duplicate, or with its months made again after
   * PostgreSQL found no partition for a row: retention (another verticle's store) dropped a month
   * this store knew, and an event of it is written again (the follower's history, or a push in the
   * oldest month kept as that month expires).
   */
  private Future<WriteOutcome> write(long filled, boolean skippingDuplicates, EventBatch batch, Tuple args, boolean partitionsKnown) {
    return write(writeStatement(filled, skippingDuplicates), batch, args).recover(failure -> {
      String state = failure instanceof PgException pg ? pg.getSqlState() : null;
      if (UNIQUE_VIOLATION.equals(state) && !skippingDuplicates) {
        return write(filled, true, batch, args, partitionsKnown);
      }
      if (NO_PARTITION_FOR_ROW.equals(state) && partitionsKnown) {
        partitions.removeAll(batch.months());
        return write(filled, skippingDuplicates, batch, args, false);
      }
      return Future.failedFuture(failure);
    });
  }

  private Future<WriteOutcome> write(String statement, EventBatch batch, Tuple args) {
    List<Long> months = batch.months().stream().filter(month -> !partitions.contains(month)).toList();
    return pool.getConnection().compose(conn -> {
      Future<?> begin = conn.query("BEGIN").execute();
      Future<?> lock = conn.query(LOCK_WRITERS).execute();
      Future<RowSet<Row>> before = conn.query(LAST_SEQ).execute();
      Future<?> ensure = months.isEmpty() ? Future.succeededFuture()
          : conn.preparedQuery(ENSURE_MONTHS).execute(Tuple.of(months.toArray(new Long[0])));
      Future<RowSet<Row>> write = conn.preparedQuery(statement).execute(args);
      // after a failed statement PostgreSQL answers COMMIT by rolling back: the connection goes back clean
      Future<?> commit = conn.query("COMMIT").execute();
      return Future.all(List.of(begin, lock, before, ensure, write, commit))
          .map(v -> {
            // only now: a rolled-back transaction takes the partitions it created with it
            partitions.addAll(months);
            return outcome(write.result().iterator().next(), before.result().iterator().next().getLong(0), batch.rows().size());
          })
          .eventually(conn::close);
    });
  }

  private static WriteOutcome outcome(Row row, long seqBefore, int size) {
    if (row.getLong("conflict_chain") != null) {
      return new Reorg(row.getLong("conflict_chain"), row.getLong("conflict_block"), row.getString("stored_hash"), row.getString("pushed_hash"));
    }
    int accepted = row.getInteger("accepted");
    Long[] seqs = accepted == 0 ? new Long[0] : row.getArrayOfLongs("seqs");
    String[] ids = accepted == 0 ? new String[0] : row.getArrayOfStrings("ids");
    return new Stored(accepted, size - accepted, seqBefore, row.getLong("high_water"), seqs, ids);
  }

  /** The stored checkpoint of a chain, or null. */
  Future<Checkpoint> checkpoint(long chainId) {
    return SqlTemplate.forQuery(pool, CHECKPOINT).mapTo(CHECKPOINT_ROW).execute(Map.of("chain_id", chainId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().checkpoint());
  }

  /** Every chain's checkpoint, by chain id. */
  Future<List<StoredCheckpoint>> checkpoints() {
    return SqlTemplate.forQuery(pool, CHECKPOINTS).mapTo(CHECKPOINT_ROW).execute(Map.of()).map(EventStore::list);
  }

  /** Sets a chain's checkpoint (an operator's move; the follower's go with its events). */
  Future<StoredCheckpoint> putCheckpoint(Checkpoint checkpoint) {
    return SqlTemplate.forUpdate(pool, UPSERT_CHECKPOINT).mapTo(CHECKPOINT_ROW)
        .execute(Map.of("chain_id", checkpoint.chainId(), "block_number", checkpoint.blockNumber(), "block_hash", checkpoint.blockHash()))
        .map(rows -> rows.iterator().next());
  }

  /** Hourly counts with {@code from <= hour < to}. */
  Future<List<HourlyCount>> hourly(long fromTimestamp, long toTimestamp) {
    return SqlTemplate.forQuery(pool, STATS).mapTo(HOURLY_ROW).execute(Map.of("from", fromTimestamp, "to", toTimestamp)).map(EventStore::list);
  }

  /** An agent as its identity events say, folded in log order; null when the log has none. */
  Future<Agent> agent(long chainId, String agentId) {
    return pool.preparedQuery(AGENT_EVENTS).mapping(EventSchema::event).execute(Tuple.of(chainId, new BigDecimal(agentId)))
        .map(rows -> {
          String tokenUri = null;
          String owner = null;
          Map<String, String> metadata = new TreeMap<>();
          long lastSeq = -1;
          for (Event event : rows) {
            JsonObject fields = event.fields();
            switch (event.eventType()) {
              case "Registered" -> {
                tokenUri = fields.getString("token_uri");
                owner = fields.getString("owner");
              }
              case "UriUpdated", "URIUpdated" -> tokenUri = fields.getString("token_uri");
              case "Transfer" -> owner = fields.getString("owner");
              case "MetadataSet" -> metadata.put(fields.getString("metadata_key"), fields.getString("metadata_value"));
              default -> {
                continue;
              }
            }
            lastSeq = event.seq();
          }
          return lastSeq < 0 ? null : new Agent(chainId, agentId, tokenUri, owner, metadata, lastSeq);
        });
  }

  /** The event with this id, or null. */
  Future<Event> event(String id) {
    return pool.preparedQuery(EVENT_BY_ID).mapping(EventSchema::event).execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** Creates partitions from {@code from} to {@code to} ahead of need (at start and hourly). */
  Future<Integer> prepareWindow(long fromTimestamp, long toTimestamp) {
    return pool.withTransaction(conn -> conn.query(LOCK_WRITERS).execute()
        .compose(v -> conn.preparedQuery(ENSURE_PARTITIONS).execute(Tuple.of(fromTimestamp, toTimestamp))))
        .map(rows -> {
          partitions.addAll(monthStarts(fromTimestamp, toTimestamp));
          return rows.iterator().next().getInteger(0);
        });
  }

  /** Drops the partitions that hold only events older than the cutoff; returns their names. */
  Future<List<String>> dropBefore(long cutoffTimestamp) {
    return pool.withTransaction(conn -> conn.query(LOCK_WRITERS).execute()
        .compose(v -> conn.preparedQuery(DROP_PARTITIONS_BEFORE).execute(Tuple.of(cutoffTimestamp))))
        .map(rows -> {
          List<String> dropped = new ArrayList<>();
          rows.forEach(row -> dropped.add(row.getString(0)));
          partitions.removeIf(month -> month < cutoffTimestamp);
          return dropped;
        });
  }

  /** The start of the UTC month holding {@code timestamp}, in unix seconds. */
  static long monthStart(long timestamp) {
    return Instant.ofEpochSecond(timestamp).atZone(ZoneOffset.UTC).withDayOfMonth(1).toLocalDate().atStartOfDay(ZoneOffset.UTC).toEpochSecond();
  }

  static List<Long> monthStarts(long fromTimestamp, long toTimestamp) {
    List<Long> months = new ArrayList<>();
    ZonedDateTime month = Instant.ofEpochSecond(fromTimestamp).atZone(ZoneOffset.UTC).withDayOfMonth(1).toLocalDate()
        .atStartOfDay(ZoneOffset.UTC);
    while (month.toEpochSecond() <= toTimestamp) {
      months.add(month.toEpochSecond());
      month = month.plusMonths(1);
    }
    return months;
  }

  /**
   * Up to {@code limit} events after {@code afterSeq} in seq order, and the high-water mark: both
   * queries at once (a consumer's catch-up waits for one round trip, not two), the mark raised to
   * the last event's seq when it was read before that event's commit.
   */
  Future<Page> since(long afterSeq, int limit) {
    Future<RowSet<Event>> events = pool.preparedQuery(EVENTS_SINCE).mapping(EventSchema::event).execute(Tuple.of(afterSeq, limit));
    Future<Long> high = highWater();
    return Future.all(events, high).map(v -> {
      List<Event> list = list(events.result());
      long mark = list.isEmpty() ? high.result() : Math.max(high.result(), list.get(list.size() - 1).seq());
      return new Page(list, mark);
    });
  }

  /** Up to {@code limit} events with {@code afterSeq < seq <= upToSeq}, in seq order. */
  Future<List<Event>> between(long afterSeq, long upToSeq, int limit) {
    return pool.preparedQuery(EVENTS_BETWEEN).mapping(EventSchema::event).execute(Tuple.of(afterSeq, upToSeq, limit)).map(EventStore::list);
  }

  Future<JsonObject> seqRange(long fromTimestamp, long toTimestamp) {
    return pool.preparedQuery(SEQ_RANGE).execute(Tuple.of(fromTimestamp, toTimestamp)).map(rows -> {
      Row row = rows.iterator().next();
      return new JsonObject().put("count", row.getLong(0)).put("min_seq", row.getLong(1)).put("max_seq", row.getLong(2));
    });
  }

  Future<Long> highWater() {
    return pool.query(HIGH_WATER).execute().map(rows -> rows.iterator().next().getLong(0));
  }

  /** The list query for the filters present, keyset-paged by seq (each shape is prepared once). */
  Future<List<Event>> list(List<String> presentFilters, List<Object> values, long afterSeq, int limit) {
    StringBuilder sql = new StringBuilder("SELECT ").append(SELECT_COLUMNS).append(" FROM events WHERE seq > $1");
    Tuple args = Tuple.tuple().addLong(afterSeq);
    for (int i = 0; i < presentFilters.size(); i++) {
      String parameter = presentFilters.get(i);
      String condition = FILTERS.stream().filter(f -> f.parameter().equals(parameter)).findFirst().orElseThrow().condition();
      sql.append(" AND ").append(String.format(condition, i + 2));
      args.addValue(values.get(i));
    }
    sql.append(" ORDER BY seq LIMIT $").append(presentFilters.size() + 2);
    args.addInteger(limit);
    return pool.preparedQuery(sql.toString()).mapping(EventSchema::event).execute(args).map(EventStore::list);
  }

  private static <T> List<T> list(RowSet<T> rows) {
    List<T> list = new ArrayList<>(rows.size());
    rows.forEach(list::add);
    return list;
  }

  private static String writeStatement(long filled, boolean skipDuplicates) {
    return WRITES.computeIfAbsent(filled | (skipDuplicates ? SKIPPING_DUPLICATES : 0), key -> writeBatch(skipDuplicates, filled));
  }

  /** The write statement binding the columns of {@code filled} (a mask over {@link EventSchema#COLUMNS}) in column order. */
  private static String writeBatch(boolean skipDuplicates, long filled) {
    StringBuilder arrays = new StringBuilder();
    StringBuilder casts = new StringBuilder();
    StringBuilder names = new StringBuilder();
    int bound = 0;
    for (int i = 0; i < EventSchema.COLUMNS.size(); i++) {
      if ((filled & (1L << i)) == 0) {
        continue;
      }
      EventSchema.Column column = EventSchema.COLUMNS.get(i);
      String separator = bound == 0 ? "" : ", ";
      arrays.append(separator).append('$').append(++bound).append("::text[]");
      names.append(separator).append(column.name());
      casts.append(separator).append("t.").append(column.name())
          .append(column.sqlType().equals("text") ? "" : "::" + column.sqlType());
    }
    String columnList = names.toString();
    int blocks = bound + 1;
    int checkpoint = blocks + 3;
    return "WITH conflict AS MATERIALIZED (SELECT b.chain_id, b.block_number, e.block_hash AS stored, b.block_hash AS pushed "
        + "FROM unnest($" + blocks + "::bigint[], $" + (blocks + 1) + "::bigint[], $" + (blocks + 2) + "::text[]) AS b(chain_id, block_number, block_hash) "
        + "JOIN LATERAL (SELECT block_hash FROM events e WHERE e.chain_id = b.chain_id AND e.block_number = b.block_number LIMIT 1) e "
        + "ON e.block_hash <> b.block_hash LIMIT 1), "
        + "inserted AS (INSERT INTO events (" + columnList + ") SELECT " + casts + " FROM unnest(" + arrays + ") WITH ORDINALITY AS t("
        + columnList + ", ord) WHERE NOT EXISTS (SELECT 1 FROM conflict) "
        + (skipDuplicates ? "AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = t.id AND e.timestamp = t.timestamp::bigint) " : "")
        // seqs follow the batch's order (a chain's order for the follower) whatever join the planner picks
        + "ORDER BY t.ord RETURNING seq, id), "
        + "checkpoint AS (INSERT INTO checkpoints (chain_id, block_number, block_hash) "
        + "SELECT $" + checkpoint + "::bigint, $" + (checkpoint + 1) + "::bigint, $" + (checkpoint + 2) + "::text "
        + "WHERE $" + checkpoint + "::bigint IS NOT NULL AND NOT EXISTS (SELECT 1 FROM conflict) " + ON_CHECKPOINT_CONFLICT + ") "
        + "SELECT c.chain_id AS conflict_chain, c.block_number AS conflict_block, c.stored AS stored_hash, c.pushed AS pushed_hash, w.* "
        + "FROM (SELECT count(*)::int AS accepted, greatest(max(seq), (" + LAST_SEQ + ")) AS high_water, "
        + "array_agg(seq ORDER BY seq) AS seqs, array_agg(id ORDER BY seq) AS ids FROM inserted) w LEFT JOIN conflict c ON true";
  }
}
