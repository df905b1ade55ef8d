package io.kos.ingest;

import io.kos.verticle.ApiRequest;
import io.kos.verticle.Caller;
import io.vertx.core.json.JsonObject;

/** What the ingest verticles read from a request and show of a checkpoint alike. */
final class IngestRequests {

  private IngestRequests() {
  }

  /** Producers write with an API key; a person with an admin's token may too. */
  static Caller requireProducer(Caller caller, String action) {
    if (!caller.isAdmin() && !caller.via().equals("api_key")) {
      throw IngestErrors.API_KEY_OR_ADMIN.error(action + " with an API key or an admin's token");
    }
    return caller;
  }

  /** The {@code chain_id} path parameter: a positive integer. */
  static long chainId(ApiRequest request) {
    return request.pathLong("chain_id", 1, Long.MAX_VALUE);
  }

  static JsonObject checkpointJson(EventStore.StoredCheckpoint stored) {
    EventStore.Checkpoint checkpoint = stored.checkpoint();
    return new JsonObject().put("chain_id", checkpoint.chainId()).put("block_number", checkpoint.blockNumber())
        .put("block_hash", checkpoint.blockHash()).put("updated_at", stored.updatedAt().toString());
  }
}
