package io.kos.node.health;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts the node's own ERROR and WARN log lines per minute, for the last {@link #WINDOW_MINUTES}
 * minutes: the {@code logs_summary} of its health document. It sees what the log level lets
 * through ({@code logging.level: ERROR} counts no warnings). Lock-free: a logging thread only
 * increments the slot of its minute.
 */
public final class LogCounts extends AppenderBase<ILoggingEvent> {

  public static final int WINDOW_MINUTES = 5;
  private static final String NAME = "kos-log-counts";
  private static final int SLOTS = WINDOW_MINUTES + 1;

  /** Per slot: the minute it counts (epoch minutes), errors, warnings. */
  private final AtomicLongArray minutes = new AtomicLongArray(SLOTS);
  private final AtomicLongArray errors = new AtomicLongArray(SLOTS);
  private final AtomicLongArray warnings = new AtomicLongArray(SLOTS);

  /** The counter on the root logger, added once (Logging.configure resets the context, so it is looked up, not cached). */
  public static synchronized LogCounts installed() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    if (root.getAppender(NAME) instanceof LogCounts existing) {
      return existing;
    }
    LogCounts counts = new LogCounts();
    counts.setContext(context);
    counts.setName(NAME);
    counts.start();
    root.addAppender(counts);
    return counts;
  }

  @Override
  protected void append(ILoggingEvent event) {
    boolean error = event.getLevel().isGreaterOrEqual(Level.ERROR);
    if (!error && !event.getLevel().isGreaterOrEqual(Level.WARN)) {
      return;
    }
    long minute = event.getTimeStamp() / 60_000;
    int slot = (int) (minute % SLOTS);
    long held = minutes.get(slot);
    if (held != minute && minutes.compareAndSet(slot, held, minute)) {
      // the slot's minute has passed: it starts again (a racing increment of the old minute may be lost)
      errors.set(slot, 0);
      warnings.set(slot, 0);
    }
    (error ? errors : warnings).incrementAndGet(slot);
  }

  /** {@code {error_count, warning_count, interval_seconds}} over the last minutes. */
  public JsonObject summary(long nowMillis) {
    long now = nowMillis / 60_000;
    long errorCount = 0;
    long warningCount = 0;
    for (int slot = 0; slot < SLOTS; slot++) {
      long minute = minutes.get(slot);
      if (minute > now - WINDOW_MINUTES && minute <= now) {
        errorCount += errors.get(slot);
        warningCount += warnings.get(slot);
      }
    }
    return new JsonObject().put("error_count", errorCount).put("warning_count", warningCount).put("interval_seconds", WINDOW_MINUTES * 60);
  }
}
