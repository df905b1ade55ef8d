package io.kos.ronin.api;

/** The event-bus addresses of the ronin verticle that other verticles use. */
public final class RoninAddresses {

  /**
   * Request ({@code ApiRequest.envelope({}, query, null)}, the caller in the headers as
   * {@code Caller.addTo} puts it, e.g. the node itself): the query parameters of
   * {@code GET /api/ronin/v1/services} ({@code capability} (several: comma separated, all of them),
   * {@code node_class}, {@code verified}, {@code fresh_within}, {@code limit}, {@code after});
   * the page {@code {services, next_cursor}} as a JSON-encoded buffer (as every served operation replies). Hakim uses it to find the nodes it watches.
   */
  public static final String SERVICES_QUERY = "kos.ronin.services.query";

  /** Published at each change of a running discovery job: {@code {job_id, status, progress, probes_done, probes_total, services_found, message}}. */
  public static final String JOB_PROGRESS = "kos.ronin.jobs.progress";

  private RoninAddresses() {
  }
}
