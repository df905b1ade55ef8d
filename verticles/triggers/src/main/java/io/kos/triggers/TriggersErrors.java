package io.kos.triggers;

import io.kos.verticle.ErrorCode;

import java.util.List;

/** The error codes of the triggers API beside the contract's common ones (docs/errors.md). */
final class TriggersErrors {

  static final ErrorCode ACTIONS_UNAVAILABLE = new ErrorCode("actions_unavailable", 503,
      "the trigger has actions and no actions verticle answered to check their configs; nothing was stored",
      "retry after `Retry-After` seconds, or deploy the actions verticle");
  static final ErrorCode INVALID_ACTION = new ErrorCode("invalid_action", 422,
      "the actions verticle refused an action's config; `field` names it (actions[i].config...)", "fix the action named and write again");

  static final List<ErrorCode> ALL = List.of(ACTIONS_UNAVAILABLE, INVALID_ACTION);

  private TriggersErrors() {
  }
}
