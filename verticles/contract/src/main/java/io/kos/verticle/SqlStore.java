package io.kos.verticle;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.function.Function;

/**
 * Base of a verticle's store (the class that holds its statements as named constants): runs a
 * prepared statement and maps rows to their JSON views.
 */
public class SqlStore {

  private final Pool pool;

  protected SqlStore(Pool pool) {
    this.pool = pool;
  }

  public Pool pool() {
    return pool;
  }

  public Future<RowSet<Row>> run(String sql, Tuple params) {
    return pool.preparedQuery(sql).execute(params);
  }

  /** The only row of a statement, as JSON by {@code view}, or null. */
  public Future<JsonObject> one(String sql, Tuple params, Function<Row, JsonObject> view) {
    return run(sql, params).map(rows -> rows.size() == 0 ? null : view.apply(rows.iterator().next()));
  }

  /**
   * The caller's row {@code id} of a statement scoped by {@link OwnerScope} ({@code $1} the id,
   * {@code $2} the scope), mapped by {@code view}; 404 naming {@code what} for a missing row and for
   * another owner's alike. A {@code DELETE ... RETURNING} is one too.
   */
  public <T> Future<T> owned(String sql, Object id, Caller caller, String what, Function<Row, T> view) {
    return run(sql, Tuple.of(id, OwnerScope.filter(caller))).map(rows -> view.apply(OwnerScope.one(rows, what, id)));
  }

  /** A timestamptz column as ISO 8601 text (what every JSON view shows), or null. */
  public static String time(Row row, String column) {
    java.time.OffsetDateTime value = row.getOffsetDateTime(column);
    return value == null ? null : value.toString();
  }

  /** Every row, as JSON by {@code view}, in order. */
  public Future<JsonArray> many(String sql, Tuple params, Function<Row, JsonObject> view) {
    return run(sql, params).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(row -> out.add(view.apply(row)));
      return out;
    });
  }
}
