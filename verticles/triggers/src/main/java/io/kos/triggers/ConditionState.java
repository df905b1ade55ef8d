package io.kos.triggers;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state of one stateful condition, with the seq of the newest event applied to it: an event at
 * or below that seq is not applied again, so a replay after a crash never counts twice. Owned by
 * the evaluator (one writer); stored as {@code trigger_state.state_data}.
 */
abstract sealed class ConditionState {

  long lastSeq;

  /** Applies the event (once per seq) and says whether the condition now holds for it. */
  final boolean applyAndTest(long seq, JsonObject event) {
    if (seq > lastSeq) {
      apply(event);
      lastSeq = seq;
    }
    return holds(event);
  }

  abstract void apply(JsonObject event);

  abstract boolean holds(JsonObject event);

  /** What a fire of the trigger does to the state (a rate window may restart). */
  void fired() {
  }

  abstract JsonObject toJson();

  abstract void load(JsonObject json);

  /** EMAs of {@code ema_threshold}: one, or one per agent id, the least recently updated dropped past {@code max_keys}. */
  static final class Averages extends ConditionState {
    /** Decimal arithmetic with 34 digits: the same inputs give the same average on every node and in every replay. */
    private static final MathContext PRECISION = MathContext.DECIMAL128;

    private final Condition.Ema condition;
    private final LinkedHashMap<String, Sample> samples;

    Averages(Condition.Ema condition) {
      this.condition = condition;
      int maxKeys = condition.maxKeys();
      this.samples = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Sample> eldest) {
          return size() > maxKeys;
        }
      };
    }

    private record Sample(BigDecimal ema, long count) {
    }

    private String key(JsonObject event) {
      return condition.perAgent() ? event.getString("agent_id") : "";
    }

    @Override
    void apply(JsonObject event) {
      BigDecimal value = Conditions.number(event, condition.field());
      String key = key(event);
      if (value == null || key == null) {
        return;
      }
      Sample before = samples.get(key);
      BigDecimal ema = before == null ? value
          : condition.alpha().multiply(value, PRECISION).add(BigDecimal.ONE.subtract(condition.alpha()).multiply(before.ema(), PRECISION), PRECISION);
      samples.put(key, new Sample(ema, before == null ? 1 : before.count() + 1));
    }

    @Override
    boolean holds(JsonObject event) {
      String key = key(event);
      Sample sample = key == null || Conditions.number(event, condition.field()) == null ? null : samples.get(key);
      return sample != null && sample.count() >= condition.minCount() && condition.comparison().holds(sample.ema().compareTo(condition.threshold()));
    }

    @Override
    JsonObject toJson() {
      JsonObject averages = new JsonObject();
      samples.forEach((key, sample) -> averages.put(key, new JsonObject().put("ema", sample.ema().stripTrailingZeros().toPlainString()).put("count", sample.count())));
      return new JsonObject().put("averages", averages);
    }

    @Override
    void load(JsonObject json) {
      samples.clear();
      json.getJsonObject("averages", new JsonObject()).forEach(entry -> {
        JsonObject sample = (JsonObject) entry.getValue();
        samples.put(entry.getKey(), new Sample(new BigDecimal(sample.getString("ema")), sample.getLong("count")));
      });
    }
  }

  /**
   * The trailing window of {@code rate_limit} in block time, as {@value #BUCKETS} buckets of
   * window/{@value #BUCKETS} seconds (at least one): the count is exact to a bucket's width, and
   * memory stays the same whatever the window and N.
   */
  static final class Window extends ConditionState {
    static final int BUCKETS = 60;

    private final Condition.Rate condition;
    private final long width;
    private final long[] starts = new long[BUCKETS];
    private final long[] counts = new long[BUCKETS];

    Window(Condition.Rate condition) {
      this.condition = condition;
      this.width = Math.max(1, (condition.windowSeconds() + BUCKETS - 1) / BUCKETS);
      java.util.Arrays.fill(starts, -1);
    }

    @Override
    void apply(JsonObject event) {
      long bucket = event.getLong("timestamp") / width;
      int slot = (int) (bucket % BUCKETS);
      if (starts[slot] != bucket) {
        starts[slot] = bucket;
        counts[slot] = 0;
      }
      counts[slot]++;
    }

    /** The events in the window that ends at this event's block time. */
    long count(long timestamp) {
      long newest = timestamp / width;
      long oldest = (timestamp - condition.windowSeconds()) / width;
      long total = 0;
      for (int i = 0; i < BUCKETS; i++) {
        if (starts[i] > oldest && starts[i] <= newest) {
          total += counts[i];
        }
      }
      return total;
    }

    @Override
    boolean holds(JsonObject event) {
      return condition.comparison().holds(Long.compare(count(event.getLong("timestamp")), condition.count()));
    }

    @Override
    void fired() {
      if (condition.resetOnTrigger()) {
        java.util.Arrays.fill(starts, -1);
        java.util.Arrays.fill(counts, 0);
      }
    }

    @Override
    JsonObject toJson() {
      JsonArray buckets = new JsonArray();
      for (int i = 0; i < BUCKETS; i++) {
        if (starts[i] >= 0 && counts[i] > 0) {
          buckets.add(new JsonArray().add(starts[i] * width).add(counts[i]));
        }
      }
      return new JsonObject().put("bucket_seconds", width).put("buckets", buckets);
    }

    @Override
    void load(JsonObject json) {
      java.util.Arrays.fill(starts, -1);
      java.util.Arrays.fill(counts, 0);
      for (Object entry : json.getJsonArray("buckets", new JsonArray())) {
        JsonArray bucket = (JsonArray) entry;
        long start = bucket.getLong(0) / width;
        int slot = (int) (start % BUCKETS);
        starts[slot] = start;
        counts[slot] = bucket.getLong(1);
      }
    }
  }
}
