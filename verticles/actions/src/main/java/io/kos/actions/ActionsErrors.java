package io.kos.actions;

import io.kos.verticle.ErrorCode;

import java.util.List;

/** The actions verticle's own error codes (beside the common ones). */
final class ActionsErrors {

  static final ErrorCode JOB_NOT_RETRYABLE = new ErrorCode("job_not_retryable", 409,
      "only a dead or failed job can be retried; this one is queued, running or succeeded",
      "wait for it to end (GET /jobs/{id}), or leave it: a queued or running job is delivered without help");

  static final List<ErrorCode> ALL = List.of(JOB_NOT_RETRYABLE);

  private ActionsErrors() {
  }
}
