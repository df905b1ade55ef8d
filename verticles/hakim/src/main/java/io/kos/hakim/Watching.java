package io.kos.hakim;

import io.kos.verticle.IdentityDocuments;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/** Adding a node to a watch list: who it is (its verified identity), then the watch and the target's row together. */
final class Watching {

  private static final int MAX_DOCUMENT_BYTES = 256 * 1024;

  private Watching() {
  }

  /** The DID of the node at that endpoint, from its signed identity; fails saying why not. */
  static Future<String> identify(OutboundHttp http, String endpoint, int timeoutMs) {
    return http.send(new OutboundHttp.Request(HttpMethod.GET, endpoint + "/klf/v1/identity", MultiMap.caseInsensitiveMultiMap(), null,
        timeoutMs, 0, MAX_DOCUMENT_BYTES)).compose(reply -> Future.succeededFuture(didOf(endpoint, reply)),
            failure -> Future.failedFuture(HakimErrors.IDENTITY_UNAVAILABLE.error(endpoint + " could not be reached: " + failure.getMessage())));
  }

  private static String didOf(String endpoint, OutboundHttp.Reply reply) {
    if (reply.status() != 200) {
      throw HakimErrors.IDENTITY_UNAVAILABLE.error(endpoint + " answered HTTP " + reply.status() + " to GET /klf/v1/identity"
          + (reply.status() == 401 ? " (not discoverable: klf.discoverable false)" : ""));
    }
    JsonObject document;
    try {
      document = new JsonObject(reply.body());
    } catch (RuntimeException e) {
      throw HakimErrors.IDENTITY_UNAVAILABLE.error(endpoint + " did not answer a JSON identity document");
    }
    String problem = IdentityDocuments.problem(document);
    if (problem != null) {
      throw HakimErrors.IDENTITY_UNAVAILABLE.error(endpoint + "'s identity does not verify: " + problem);
    }
    return document.getString("nodeId");
  }

  /** The watch and its target together; a new target's first poll comes within {@code spreadMs}. */
  static Future<String> watch(HakimStore store, String owner, String did, String endpoint, String source, long spreadMs) {
    return store.pool().withTransaction(sql -> sql.preparedQuery(HakimStore.WATCH).execute(Tuple.of(UUID.fromString(owner), did, endpoint, source))
        .compose(v -> sql.preparedQuery(HakimStore.TRACK).execute(Tuple.of(did, endpoint, spreadMs)))).map(did);
  }
}
