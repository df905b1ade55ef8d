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

  static final List<ErrorCode> ALL = List.of(IDENTITY_UNAVAILABLE, UNKNOWN_NODE, RONIN_UNAVAILABLE, DIAGNOSTIC_FAILED);

  private HakimErrors() {
  }
}
