package io.kos.ingest;

import io.kos.ingest.api.Event;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Events checked against {@link EventSchema} and ready for {@link EventStore#store}: their column
 * values, the months they fall in (for partitions) and the hash of each block they name (for the reorg
 * check). The push API and the chain follower prepare their events the same way. Immutable once made.
 */
final class EventBatch {

  private static final int ID = EventSchema.INDEX.get("id");
  private static final int CHAIN = EventSchema.INDEX.get("chain_id");
  private static final int BLOCK = EventSchema.INDEX.get("block_number");
  private static final int HASH = EventSchema.INDEX.get("block_hash");
  private static final int TIME = EventSchema.INDEX.get("timestamp");

  /** One block the batch names and the hash it gives it. */
  record Block(long chainId, long number, String hash) {
  }

  private final List<String[]> rows;
  private final List<EventSchema.Problem> problems = new ArrayList<>();
  private final int repeated;
  private final List<Block> blocks;
  private final List<Long> months;

  private EventBatch(List<?> events, long keptFrom, int retentionDays) {
    rows = new ArrayList<>(events.size());
    Map<String, String> hashes = new HashMap<>();
    Set<String> ids = new HashSet<>();
    Set<Long> monthStarts = new java.util.TreeSet<>();
    int repeats = 0;
    for (int i = 0; i < events.size(); i++) {
      String[] row = EventSchema.parse(events.get(i), i, problems);
      if (row == null) {
        continue;
      }
      if (!ids.add(row[ID])) {
        repeats++;
        continue;
      }
      String earlier = hashes.putIfAbsent(row[CHAIN] + ":" + row[BLOCK], row[HASH]);
      if (earlier != null && !earlier.equals(row[HASH])) {
        problems.add(new EventSchema.Problem(i, "block_hash", "differs from another event of this batch in the same block"));
        continue;
      }
      long timestamp = Long.parseLong(row[TIME]);
      if (timestamp < keptFrom) {
        problems.add(new EventSchema.Problem(i, "timestamp", "is older than this node keeps (retention_days " + retentionDays
            + ": block times from " + java.time.Instant.ofEpochSecond(keptFrom) + " on); raise verticles.config.ingest.retention_days to keep it"));
        continue;
      }
      monthStarts.add(EventStore.monthStart(timestamp));
      rows.add(row);
    }
    repeated = repeats;
    List<Block> named = new ArrayList<>(hashes.size());
    hashes.forEach((block, hash) -> {
      int colon = block.indexOf(':');
      named.add(new Block(Long.parseLong(block.substring(0, colon)), Long.parseLong(block.substring(colon + 1)), hash));
    });
    blocks = List.copyOf(named);
    months = List.copyOf(monthStarts);
  }

  /** The checked batch of these (decoded JSON) events; see {@link #problems()} before storing it. */
  static EventBatch of(List<?> events) {
    return new EventBatch(events, Long.MIN_VALUE, 0);
  }

  /**
   * As {@link #of(List)}, with a problem for each event whose block time is before {@code keptFrom}
   * (the start of the oldest month retention keeps): its partition would be dropped at the next run.
   */
  static EventBatch of(List<?> events, long keptFrom, int retentionDays) {
    return new EventBatch(events, keptFrom, retentionDays);
  }

  /** What is wrong with the events, by index and field; a batch with problems is not stored. */
  List<EventSchema.Problem> problems() {
    return problems;
  }

  /** Each event's column values in {@link EventSchema#COLUMNS} order, without the repeated ones. */
  List<String[]> rows() {
    return rows;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Events that repeat an id earlier in the same batch: duplicates, not stored twice. */
  int repeated() {
    return repeated;
  }

  List<Block> blocks() {
    return blocks;
  }

  /** The start (unix seconds) of each month the events fall in, ascending: the partitions they need. */
  List<Long> months() {
    return months;
  }

  /** True when every row was stored, in the batch's order (the write hands out seqs so): the usual case, no lookup by id. */
  private boolean inBatchOrder(EventStore.Stored stored) {
    if (stored.ids().length != rows.size()) {
      return false;
    }
    for (int i = 0; i < rows.size(); i++) {
      if (!rows.get(i)[ID].equals(stored.ids()[i])) {
        return false;
      }
    }
    return true;
  }

  /** The events a stored batch inserted, in seq order, as consumers receive them. */
  List<Event> inserted(EventStore.Stored stored) {
    List<Event> events = new ArrayList<>(stored.seqs().length);
    if (inBatchOrder(stored)) {
      for (int i = 0; i < rows.size(); i++) {
        events.add(EventSchema.event(rows.get(i), stored.seqs()[i]));
      }
      return events;
    }
    Map<String, String[]> byId = new HashMap<>();
    rows.forEach(row -> byId.put(row[ID], row));
    for (int i = 0; i < stored.seqs().length; i++) {
      events.add(EventSchema.event(byId.get(stored.ids()[i]), stored.seqs()[i]));
    }
    return events;
  }
}
