package io.kos.ingest.api;

import java.util.List;

/**
 * A page of the log: the events after the asked seq, in seq order, and the newest committed seq
 * when it was read. Fewer events than the limit means the consumer has caught up with
 * {@code highWaterSeq}.
 */
public record EventPage(List<Event> events, long highWaterSeq) {

  public EventPage {
    events = List.copyOf(events);
  }
}
