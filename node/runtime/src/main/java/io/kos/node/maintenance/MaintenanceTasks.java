package io.kos.node.maintenance;

import io.kos.verticle.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * The maintenance a node runs when its admin approved it (docs/maintenance.md): each task's
 * parameters are checked when the request arrives, so an admin approves only what can run.
 */
final class MaintenanceTasks {

  static final String RESTART_VERTICLE = "restart_verticle";
  static final String VACUUM_ANALYZE = "vacuum_analyze";
  static final String RELOAD_PEERS = "reload_peers";
  static final String DROP_EXPIRED_PARTITIONS = "drop_expired_partitions";
  static final List<String> NAMES = List.of(RESTART_VERTICLE, VACUUM_ANALYZE, RELOAD_PEERS, DROP_EXPIRED_PARTITIONS);
  /** A drop takes a lock that waits for the writers of its table; past this, the task fails rather than hang. */
  private static final long DROP_TIMEOUT_MS = 120_000;
  private static final String TABLES = "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = $1 ORDER BY tablename";

  private MaintenanceTasks() {
  }

  /** Why this task cannot run here with these parameters, as {@code [field, reason]}, or null. */
  static String[] problem(String task, JsonObject params, NodeControl node) {
    switch (task) {
      case RESTART_VERTICLE -> {
        if (!params.fieldNames().equals(java.util.Set.of("name")) || !(params.getValue("name") instanceof String name)) {
          return new String[] {"task_params", "restart_verticle takes {name}: a verticle deployed on this node " + node.deployedVerticles()};
        }
        if (!node.deployedVerticles().contains(name)) {
          return new String[] {"task_params.name", name + " is not deployed on this node; deployed: " + node.deployedVerticles()};
        }
        return null;
      }
      case VACUUM_ANALYZE -> {
        if (!params.fieldNames().equals(java.util.Set.of("schema")) || !(params.getValue("schema") instanceof String schema)) {
          return new String[] {"task_params", "vacuum_analyze takes {schema}: node or a verticle deployed on this node"};
        }
        if (!schema.equals("node") && !node.deployedVerticles().contains(schema)) {
          return new String[] {"task_params.schema", schema + " is not node or a verticle deployed on this node " + node.deployedVerticles()};
        }
        return null;
      }
      case RELOAD_PEERS, DROP_EXPIRED_PARTITIONS -> {
        return params.isEmpty() ? null : new String[] {"task_params", task + " takes no parameters"};
      }
      default -> {
        return new String[] {"maintenance_task", "this node runs " + NAMES + ", not " + task};
      }
    }
  }

  static Future<JsonObject> run(Vertx vertx, String task, JsonObject params, NodeControl node) {
    if (task.equals(DROP_EXPIRED_PARTITIONS)) {
      return dropExpired(vertx, node.deployedVerticles());
    }
    if (task.equals(RESTART_VERTICLE)) {
      return node.restartVerticle(params.getString("name"));
    }
    if (task.equals(RELOAD_PEERS)) {
      return Future.succeededFuture(new JsonObject().put("cached_lookups_dropped", node.reloadPeers()));
    }
    String schema = params.getString("schema");
    Pool pool = node.poolOf(schema);
    return pool.preparedQuery(TABLES).execute(Tuple.of(schema)).compose(rows -> {
      List<String> tables = new ArrayList<>();
      for (Row row : rows) {
        tables.add(row.getString(0));
      }
      // one table at a time: VACUUM cannot run in a transaction or a pipeline
      Future<Void> chain = Future.succeededFuture();
      for (String table : tables) {
        chain = chain.compose(v -> pool.query("VACUUM (ANALYZE) " + table).execute().mapEmpty());
      }
      return chain.map(v -> new JsonObject().put("schema", schema).put("tables", new JsonArray(tables)));
    });
  }

  /**
   * Each deployed verticle that keeps data by retention (ingest's events, hakim's reports) drops its
   * expired partitions now, one verticle after another: {@code {dropped: {verticle: [partition]}}}.
   * A verticle with no retention is not in it; one that fails fails the task, after the ones before.
   */
  private static Future<JsonObject> dropExpired(Vertx vertx, List<String> verticles) {
    JsonObject dropped = new JsonObject();
    Future<Void> chain = Future.succeededFuture();
    for (String verticle : verticles) {
      chain = chain.compose(v -> vertx.eventBus().<JsonObject>request(Addresses.retention(verticle), null,
          new DeliveryOptions().setLocalOnly(true).setSendTimeout(DROP_TIMEOUT_MS)).<Void>map(reply -> {
            dropped.put(verticle, reply.body().getJsonArray("dropped"));
            return null;
          }).recover(failure -> failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS
              ? Future.succeededFuture()
              : Future.failedFuture(verticle + " could not drop its expired partitions: " + failure.getMessage())));
    }
    return chain.map(v -> new JsonObject().put("dropped", dropped));
  }
}
