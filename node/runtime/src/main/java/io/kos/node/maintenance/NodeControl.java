package io.kos.node.maintenance;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.util.List;

/** What a maintenance task may do to the node that runs it; the node implements it. */
public interface NodeControl {

  /** The verticles deployed on this node. */
  List<String> deployedVerticles();

  /** Undeploys and deploys again every verticle of that module, with the same settings: {@code {verticle, undeployed, deployed}} (deployment ids). */
  Future<JsonObject> restartVerticle(String name);

  /** Reads the peer list again (klf.peers and the peers table): how many cached lookups were dropped. */
  int reloadPeers();

  /** The pool whose role owns that schema: a deployed verticle's, or the node's own for {@code node}. */
  Pool poolOf(String schema);
}
