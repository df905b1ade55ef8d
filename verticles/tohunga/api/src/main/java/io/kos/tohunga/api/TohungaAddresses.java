package io.kos.tohunga.api;

/** The event-bus addresses of the tohunga verticle that other verticles use. */
public final class TohungaAddresses {

  /**
   * Published (cluster-wide) whenever a job's state or counts change, at most about once a second
   * per job and always at its end: {@code {job_id, status, progress, records_in, records_out,
   * records_rejected, message}} ({@code progress} null while the total is unknown).
   */
  public static final String JOB_PROGRESS = "kos.tohunga.jobs.progress";

  /** Request: {@code {job_id}}; the job as {@code GET /api/tohunga/v1/jobs/{id}} shows it, for an admin caller. */
  public static final String JOBS_GET = "kos.tohunga.jobs.get";

  private TohungaAddresses() {
  }
}
