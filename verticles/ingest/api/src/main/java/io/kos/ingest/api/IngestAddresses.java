package io.kos.ingest.api;

/** The event-bus addresses of the {@code ingest} verticle that other verticles use. */
public final class IngestAddresses {

  /**
   * Request {@code {after_seq, limit}} → {@code {events, high_water_seq}}: committed events after a
   * seq, in seq order. Use {@link IngestClient#since}.
   */
  public static final String EVENTS_SINCE = "kos.ingest.events.since";
  /** Publication of every new {@link Event}, in seq order, after its commit. Use {@link IngestClient#onNewEvent}. */
  public static final String EVENTS_NEW = "kos.ingest.events.new";
  /**
   * Header of each {@link #EVENTS_NEW} publication: the seq of the event published just before it
   * (or the high-water mark the publisher started from). A consumer that saw that one, or whose
   * cursor is there, missed nothing in between. Read it with {@link IngestClient#onPublished}.
   */
  public static final String PREVIOUS_SEQ_HEADER = "kos-previous-seq";
  /**
   * Request with params {@code {chain_id, agent_id}} → an {@link Agent} as JSON; 404 when the log has
   * no identity event of it. Use {@link IngestClient#agent}.
   */
  public static final String AGENTS_GET = "kos.ingest.agents.get";
  /**
   * Request {@code {from_timestamp, to_timestamp}} (block times, unix seconds, inclusive) →
   * {@code {count, min_seq, max_seq}}: where the events of a time range lie in the log (seqs null
   * when there are none). Use {@link IngestClient#seqRange}.
   */
  public static final String EVENTS_SEQ_RANGE = "kos.ingest.events.seq_range";
  /** The most events one {@link #EVENTS_SINCE} request returns. */
  public static final int SINCE_MAX = 10_000;

  private IngestAddresses() {
  }
}
