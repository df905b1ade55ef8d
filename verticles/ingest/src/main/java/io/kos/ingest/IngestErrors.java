package io.kos.ingest;

import io.kos.verticle.ErrorCode;

import java.util.List;

/** The error codes of the ingest API beside the contract's common ones (docs/errors.md). */
final class IngestErrors {

  static final ErrorCode API_KEY_OR_ADMIN = new ErrorCode("api_key_or_admin", 403,
      "producers write with an API key; a person's token may write only when it is an admin's",
      "create an API key (`POST /api/auth/v1/api-keys`) and send it as `X-API-Key`");
  static final ErrorCode UNKNOWN_CHAIN = new ErrorCode("unknown_chain", 404, "this node does not follow that chain",
      "check `GET /api/ingest/v1/chains` and `verticles.config.ingest.chains`");
  static final ErrorCode REORG_DETECTED = new ErrorCode("reorg_detected", 409,
      "a pushed block has another hash than the stored one: the chain reorganised; nothing of the batch was stored",
      "push the events of the canonical chain; see docs/ingest.md, 'Push API'");
  static final ErrorCode NOT_HALTED = new ErrorCode("not_halted", 409, "the chain is not halted, so there is nothing to resume",
      "nothing to do");
  static final ErrorCode CHAIN_FOLLOWED = new ErrorCode("chain_followed", 409,
      "this node follows the chain and moves its checkpoint itself", "set it only while the chain is halted (docs/ingest.md, 'A halted chain')");
  static final ErrorCode INVALID_EVENTS = new ErrorCode("invalid_events", 422,
      "events of the batch break the schema or are older than retention keeps; `problems` lists index, field and reason, and nothing was stored",
      "fix the events named and push the whole batch again");

  static final List<ErrorCode> ALL = List.of(API_KEY_OR_ADMIN, UNKNOWN_CHAIN, REORG_DETECTED, NOT_HALTED, CHAIN_FOLLOWED, INVALID_EVENTS);

  private IngestErrors() {
  }
}
