package io.kos.hakim;

import io.kos.verticle.ErrorCode;

import java.util.List;

/** The hakim verticle's own error codes (beside the common ones). */
final class HakimErrors {

  static final ErrorCode IDENTITY_UNAVAILABLE = new ErrorCode("identity_unavailable", 422,
      "the node to watch could not be identified: its endpoint did not answer GET /klf/v1/identity with a signed identity that verifies "
          + "(unreachable, refused by outbound.allow, not discoverable, or not a kOS node); nothing was added",
      "check the endpoint, that the node runs and is discoverable, and that outbound.allow lets this node reach it");
  static final ErrorCode UNKNOWN_NODE = new ErrorCode("node_not_in_map", 422,
      "the DID to watch is not in ronin's map as a verified service, so there is no endpoint to poll; nothing was added",
      "run a ronin discovery job that finds it, or watch it by its endpoint instead");
  static final ErrorCode RONIN_UNAVAILABLE = new ErrorCode("ronin_unavailable", 422,
      "a node to watch was named by DID, which needs ronin's map, and no ronin verticle answers on this node's bus",
      "deploy ronin on this node or its cluster, or watch the node by its endpoint");
  static final ErrorCode DIAGNOSTIC_FAILED = new ErrorCode("diagnostic_failed", 502,
      "no health report could be made for that node (code DIAGNOSTIC_FAILED, as the kOS docs name it); reason says why: NOT_WATCHED "
          + "(the caller does not watch it, so there is no endpoint to poll), RECORD_FAILED (the report could not be stored)",
      "watch the node first (POST /nodes), or retry once the database answers");

  static final ErrorCode MAINTENANCE_REFUSED = new ErrorCode("maintenance_refused", 422,
      "the target node did not take the maintenance request (a task or parameters it does not run, this node not its peer, or it "
          + "could not be reached); its answer is in the message, and the job is Failed",
      "read the target's answer; its docs/maintenance.md lists the tasks every node runs");
  static final ErrorCode NOT_THE_TARGET = new ErrorCode("not_the_target", 403,
      "only the target node of a maintenance job may approve or reject it (its admin decides there); nothing changed",
      "the target node's admin approves at POST /api/node/v1/maintenance/{job_id}/approve on that node");
  static final ErrorCode JOB_NOT_PENDING = new ErrorCode("job_not_pending", 409,
      "the maintenance job is no longer waiting for the target's decision (already approved, rejected, run or expired)",
      "nothing to do; GET /maintenance/{job_id} shows its status_history");

  static final ErrorCode NOTIFICATIONS_UNAVAILABLE = new ErrorCode("notifications_unavailable", 503,
      "the alert rule or escalation policy has channels and no actions verticle answered to check their configs; nothing was stored",
      "retry after `Retry-After` seconds, or deploy the actions verticle (or write the rule without channels)");
  static final ErrorCode INVALID_CHANNEL = new ErrorCode("invalid_channel", 422,
      "the actions verticle refused a channel's config; `field` names it (channels[i].config..., levels[i].channels[j]...)",
      "fix the channel named and write again");

  static final ErrorCode ALERT_NOT_OPEN = new ErrorCode("alert_not_open", 409,
      "the alert cannot move that way from where it is (only an active alert is acknowledged; only an active or acknowledged one is resolved)",
      "nothing to do; GET /alerts shows its status");

  static final ErrorCode ESCALATION_POLICY_IN_USE = new ErrorCode("escalation_policy_in_use", 409,
      "alert rules still name the escalation policy (escalation_policy_id), so it was not deleted",
      "point those rules at another policy (PUT /alert-rules/{id}) or drop their escalation_policy_id, then delete it");

  static final List<ErrorCode> ALL = List.of(IDENTITY_UNAVAILABLE, UNKNOWN_NODE, RONIN_UNAVAILABLE, DIAGNOSTIC_FAILED, MAINTENANCE_REFUSED,
      NOT_THE_TARGET, JOB_NOT_PENDING, NOTIFICATIONS_UNAVAILABLE, INVALID_CHANNEL, ALERT_NOT_OPEN,
      ESCALATION_POLICY_IN_USE);

  private HakimErrors() {
  }
}
