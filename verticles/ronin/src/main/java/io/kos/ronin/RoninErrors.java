package io.kos.ronin;

import io.kos.verticle.ErrorCode;

import java.util.List;

/** The ronin verticle's own error codes (beside the common ones). */
final class RoninErrors {

  static final ErrorCode INVALID_TARGET = new ErrorCode("invalid_target", 422,
      "the discovery target is not one this node may scan: outside scan_allow (the body names the ranges), multicast, broadcast "
          + "or unspecified, more hosts than max_hosts, or a name that resolves to no allowed address; nothing was sent",
      "scan a range inside scan_allow (verticles.config.ronin.scan_allow), or ask the node's operator to allow it");
  static final ErrorCode DISCOVERY_FINISHED = new ErrorCode("discovery_finished", 409,
      "the discovery job has already ended (completed, failed or cancelled), so it cannot be cancelled",
      "nothing to do; GET /jobs/{job_id} shows how it ended");
  static final ErrorCode DISCOVERY_FAILED = new ErrorCode("discovery_failed", 502,
      "the discovery job ran and failed; the body's code says why (SCAN_FAILED, CANCELLED, INTERRUPTED) and job_id names the job",
      "read the message and the job (GET /jobs/{job_id}), then run it again");

  static final List<ErrorCode> ALL = List.of(INVALID_TARGET, DISCOVERY_FINISHED, DISCOVERY_FAILED);

  /** Codes in a job's {@code error.code} (the kOS docs' upper-case codes). */
  static final String SCAN_FAILED = "SCAN_FAILED";
  static final String CANCELLED = "CANCELLED";
  static final String INTERRUPTED = "INTERRUPTED";

  private RoninErrors() {
  }
}
