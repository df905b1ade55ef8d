package io.kos.tohunga;

import io.kos.verticle.ErrorCode;

import java.util.List;

/** The tohunga verticle's own error codes (beside the common ones). */
final class TohungaErrors {

  static final ErrorCode UNSUPPORTED_STEP = new ErrorCode("unsupported_step", 422,
      "the pipeline names a step module this node cannot run (validation/rego_policy: no maintained JVM Rego engine)",
      "use validation/json_schema, or run the policy elsewhere before the data reaches this node");
  static final ErrorCode JOB_FINISHED = new ErrorCode("job_finished", 409,
      "the job has already ended (completed, failed or cancelled), so it cannot be cancelled",
      "nothing to do; GET /jobs/{job_id} shows how it ended");
  static final ErrorCode JOB_UNFINISHED = new ErrorCode("job_unfinished", 409,
      "the job is still pending or running, so it cannot be deleted",
      "cancel it first (POST /jobs/{job_id}/cancel), then delete it");
  static final ErrorCode SOURCE_IN_USE = new ErrorCode("source_in_use", 409,
      "a pending or running job reads this source, so it cannot be deleted",
      "wait for the job to end or cancel it, then delete the source");
  static final ErrorCode SOURCE_INACTIVE = new ErrorCode("source_inactive", 409,
      "the source is deactivated (is_active false), so no job may read it",
      "set is_active to true (PATCH /sources/{source_id}) or use another source");
  static final ErrorCode JOB_FAILED = new ErrorCode("job_failed", 502,
      "the acquisition job ran and failed; the body's code says why (SOURCE_UNREACHABLE, SOURCE_AUTH_FAILED, SOURCE_ERROR, "
          + "VALIDATION_FAILED, OUTPUT_WRITE_ERROR, TIMEOUT, CANCELLED, INTERRUPTED) and job_id names the job",
      "read the message and the job (GET /jobs/{job_id}); fix the source, the steps or the output and run it again");
  static final ErrorCode ASSET_UNAVAILABLE = new ErrorCode("asset_unavailable", 503,
      "the file (an asset or an upload) is on a node of the cluster that is not reachable now",
      "retry later, when that node (stored_on) is up");

  static final ErrorCode PIPELINE_RUNNING = new ErrorCode("pipeline_running", 409,
      "a run of this pipeline is pending or running; runs of one pipeline never overlap",
      "wait for the run to end (GET /pipelines/{pipeline_id}/runs) or cancel it, then try again");

  static final ErrorCode UPLOAD_INCOMPLETE = new ErrorCode("upload_incomplete", 409,
      "the upload is missing chunks (the body lists the first missing ones), so it cannot be completed",
      "PUT the missing chunks (GET /uploads/{upload_id} shows what arrived), then complete it again");
  static final ErrorCode UPLOAD_HASH_MISMATCH = new ErrorCode("upload_hash_mismatch", 422,
      "the SHA-256 of the bytes that arrived is not the one declared when the upload started (expected and actual in the body)",
      "check the file and its hash; PUT the chunks again (a chunk sent again replaces its bytes) and complete it again");
  static final ErrorCode UPLOAD_CLOSED = new ErrorCode("upload_closed", 409,
      "the upload is already completed, so its chunks cannot change",
      "start a new upload for another file");

  static final ErrorCode STREAM_CLOSED = new ErrorCode("stream_closed", 409,
      "the inbound stream was aborted or expired (no batch for stream_expiry_hours), so it takes no more batches",
      "run the job again: a new job sends a new stream");
  static final ErrorCode STREAM_OUT_OF_ORDER = new ErrorCode("stream_out_of_order", 409,
      "the batch's seq is past the next one the stream expects (next_seq in the body): a batch is missing",
      "send the batches in order, one at a time, starting at 0; a batch sent again with its own seq is acknowledged without being written twice");

  static final List<ErrorCode> ALL = List.of(UNSUPPORTED_STEP, JOB_FINISHED, JOB_UNFINISHED, SOURCE_IN_USE, SOURCE_INACTIVE,
      JOB_FAILED, ASSET_UNAVAILABLE, PIPELINE_RUNNING, UPLOAD_INCOMPLETE, UPLOAD_HASH_MISMATCH, UPLOAD_CLOSED, STREAM_CLOSED, STREAM_OUT_OF_ORDER);

  private TohungaErrors() {
  }

  /**
   * A failure of a request to the node that holds a file (an asset, an upload), as the caller should
   * get it: that node not answering is 503 {@code asset_unavailable}; an error it answered (a 4xx of
   * this verticle's or a common code) is passed on as it is; anything else stays unexpected.
   */
  static Throwable fromHoldingNode(Throwable failure, String what) {
    if (!(failure instanceof io.vertx.core.eventbus.ReplyException reply)) {
      return failure;
    }
    if (reply.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS || reply.failureType() == io.vertx.core.eventbus.ReplyFailure.TIMEOUT) {
      return ASSET_UNAVAILABLE.error("the node that holds this " + what + " does not answer now");
    }
    if (reply.failureCode() < 400 || reply.failureCode() >= 500) {
      return failure;
    }
    io.vertx.core.json.JsonObject error = new io.vertx.core.json.JsonObject(reply.getMessage());
    ErrorCode code = java.util.stream.Stream.concat(ALL.stream(), io.kos.verticle.Errors.COMMON.stream())
        .filter(known -> known.code().equals(error.getString("error"))).findFirst().orElse(null);
    if (code == null) {
      return failure;
    }
    io.vertx.core.json.JsonObject details = error.copy();
    details.remove("error");
    details.remove("message");
    return new io.kos.verticle.ApiError(code, error.getString("message"), details.isEmpty() ? null : details);
  }
}
