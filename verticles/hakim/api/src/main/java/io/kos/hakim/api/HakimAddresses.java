package io.kos.hakim.api;

/** The event-bus addresses of the hakim verticle that other verticles use. */
public final class HakimAddresses {

  /**
   * Published after each health report is stored: {@code {report_id, target_node_did, timestamp,
   * status, metrics (null when none were read), diagnosis: {code, recommendation, findings}}}.
   */
  public static final String REPORT_NEW = "kos.hakim.reports.new";

  private HakimAddresses() {
  }
}
