package io.kos.tohunga;

import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * {@code verticles.config.tohunga}: checked at start (a bad key stops the node with exit 2).
 *
 * @param maxRunningJobs     jobs one node runs at once; later ones wait, pending, in order
 * @param pageMaxBytes       the most bytes of one HTTP page read (a larger answer fails the job with SOURCE_ERROR)
 * @param backoffBaseMs      the first retry of a page waits up to this (full jitter)
 * @param backoffCapMs       no retry waits longer (unless the source's Retry-After says so, up to 5 minutes)
 * @param jobTimeoutSeconds  a job still running after this fails with TIMEOUT
 * @param progressIntervalMs how often a running job's counts are written to its row and published
 * @param schedulerPollMs       how often the pipeline scheduler looks for due runs (and renews its lease)
 * @param schedulerLeaseSeconds how long the scheduler lease lasts unrenewed (another node takes over after it)
 * @param uploadMaxBytes        the largest file an upload may declare
 * @param uploadExpiryHours     an unfinished upload is deleted this long after it started
 * @param uploadSweepMs         how often expired uploads and idle inbound streams are looked for
 * @param streamBatchBytes      a klf_stream output sends its records in batches of about this many bytes of JSON Lines
 * @param streamRetrySeconds    a klf_stream batch the target node does not acknowledge is sent again for this long, then the job fails
 * @param streamExpiryHours     an inbound stream no batch reached for this long is expired and its file deleted
 */
record TohungaSettings(int maxRunningJobs, int pageMaxBytes, long backoffBaseMs, long backoffCapMs, long jobTimeoutSeconds,
                       long progressIntervalMs, long schedulerPollMs, int schedulerLeaseSeconds, long uploadMaxBytes,
                       int uploadExpiryHours, long uploadSweepMs, int streamBatchBytes, long streamRetrySeconds, int streamExpiryHours) {

  static TohungaSettings parse(JsonObject config) {
    JsonFields fields = JsonFields.ofSettings(config).onlyKnown(List.of("max_running_jobs", "page_max_bytes", "backoff_base_ms",
        "backoff_cap_ms", "job_timeout_seconds", "progress_interval_ms", "scheduler_poll_ms", "scheduler_lease_seconds",
        "upload_max_bytes", "upload_expiry_hours", "upload_sweep_ms", "stream_batch_bytes", "stream_retry_seconds", "stream_expiry_hours"));
    long base = fields.integer("backoff_base_ms", 500L, 1, 600_000);
    long cap = fields.integer("backoff_cap_ms", 30_000L, 1, 3_600_000);
    if (cap < base) {
      throw fields.invalid("backoff_cap_ms", "must not be below backoff_base_ms (" + base + ")");
    }
    return new TohungaSettings(fields.intValue("max_running_jobs", 4, 1, 256),
        fields.intValue("page_max_bytes", 32 << 20, 1024, 512 << 20), base, cap,
        fields.integer("job_timeout_seconds", 6 * 3600L, 1, 30 * 86_400L), fields.integer("progress_interval_ms", 1000L, 10, 60_000),
        fields.integer("scheduler_poll_ms", 5000L, 50, 600_000), fields.intValue("scheduler_lease_seconds", 30, 1, 3600),
        fields.integer("upload_max_bytes", 10L << 30, 1, 1L << 40), fields.intValue("upload_expiry_hours", 24, 1, 24 * 365),
        fields.integer("upload_sweep_ms", 60_000L, 50, 3_600_000),
        // a batch travels escaped inside a signed JSON string: well under klf.max_message_bytes (1 MiB by default)
        fields.intValue("stream_batch_bytes", 256 << 10, 1024, 768 << 10), fields.integer("stream_retry_seconds", 300L, 1, 86_400),
        fields.intValue("stream_expiry_hours", 24, 1, 24 * 365));
  }

  /** Full jitter: a random delay up to base × 2^(attempt-1), capped. */
  static long fullJitter(long baseMs, long capMs, int attempt) {
    long ceiling = Math.min(capMs, baseMs << Math.min(20, attempt - 1));
    return java.util.concurrent.ThreadLocalRandom.current().nextLong(ceiling + 1);
  }
}
