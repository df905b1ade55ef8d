package io.kos.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Events checked against {@link EventSchema} and ready for {@link EventStore#store}: their column
 * values, their time span (for partitions) and the hash of each block they name (for the reorg
 * check). The push API and the chain follower prepare their events the same way.
 */
final class EventBatch {

  private static final int CHAIN = EventSchema.INDEX.get("chain_id");
  private static final int BLOCK = EventSchema.INDEX.get("block_number");
  private static final int HASH = EventSchema.INDEX.get("block_hash");
  private static final int TIME = EventSchema.INDEX.get("timestamp");

  final List<String[]> rows;
  final List<EventSchema.Problem> problems = new ArrayList<>();
  /** Events that repeat an id earlier in the same batch: duplicates, not stored twice. */
  int repeated;
  long minTimestamp = Long.MAX_VALUE;
  long maxTimestamp = Long.MIN_VALUE;
  final Long[] blockChains;
  final Long[] blockNumbers;
  final String[] blockHashes;

  private EventBatch(List<?> events) {
    rows = new ArrayList<>(events.size());
    Map<String, String> hashes = new HashMap<>();
    java.util.Set<String> ids = new java.util.HashSet<>();
    int id = EventSchema.INDEX.get("id");
    for (int i = 0; i < events.size(); i++) {
      String[] row = EventSchema.parse(events.get(i), i, problems);
      if (row == null) {
        continue;
      }
      if (!ids.add(row[id])) {
        repeated++;
        continue;
      }
      String earlier = hashes.putIfAbsent(row[CHAIN] + ":" + row[BLOCK], row[HASH]);
      if (earlier != null && !earlier.equals(row[HASH])) {
        problems.add(new EventSchema.Problem(i, "block_hash", "differs from another event of this batch in the same block"));
        continue;
      }
      long timestamp = Long.parseLong(row[TIME]);
      minTimestamp = Math.min(minTimestamp, timestamp);
      maxTimestamp = Math.max(maxTimestamp, timestamp);
      rows.add(row);
    }
    blockChains = new Long[hashes.size()];
    blockNumbers = new Long[hashes.size()];
    blockHashes = new String[hashes.size()];
    int b = 0;
    for (Map.Entry<String, String> entry : hashes.entrySet()) {
      int colon = entry.getKey().indexOf(':');
      blockChains[b] = Long.parseLong(entry.getKey().substring(0, colon));
      blockNumbers[b] = Long.parseLong(entry.getKey().substring(colon + 1));
      blockHashes[b++] = entry.getValue();
    }
  }

  static EventBatch of(List<?> events) {
    return new EventBatch(events);
  }

  /** The events a stored batch inserted, in seq order, as consumers receive them. */
  List<io.vertx.core.json.JsonObject> inserted(EventStore.Stored stored) {
    Map<String, String[]> byId = new HashMap<>();
    int id = EventSchema.INDEX.get("id");
    rows.forEach(row -> byId.put(row[id], row));
    List<io.vertx.core.json.JsonObject> events = new ArrayList<>(stored.seqs().length);
    for (int i = 0; i < stored.seqs().length; i++) {
      events.add(EventSchema.toJson(byId.get(stored.ids()[i]), stored.seqs()[i]));
    }
    return events;
  }

  io.vertx.core.Future<Object> store(EventStore store, EventStore.Checkpoint checkpoint) {
    return store.store(this, checkpoint);
  }
}
