package io.kos.verticle;

import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;

import java.util.UUID;

/**
 * Scopes every read and write of an owned table to its caller, with one prepared statement for all
 * roles. A table that users own has an {@code owner_id uuid NOT NULL} column, and each statement
 * ends its {@code WHERE} with the clause {@link #CLAUSE} bound to {@link #filter}:
 *
 * <pre>{@code
 * SELECT ... FROM notes WHERE id = $1 AND ($2::uuid IS NULL OR owner_id = $2)
 * UPDATE notes SET ... WHERE id = $1 AND ($2::uuid IS NULL OR owner_id = $2) RETURNING ...
 * }</pre>
 *
 * An admin binds null and reaches every row; anyone else only their own. A row owned by someone
 * else is indistinguishable from a missing one: {@link #one} answers 404 for both, so ids do not
 * leak. Writes also call {@link Caller#requireWriter()} first, so a viewer gets 403.
 */
public final class OwnerScope {

  /** The scoping clause with {@code $n} as the filter's parameter; see the class comment. */
  public static final String CLAUSE = "($%1$d::uuid IS NULL OR owner_id = $%1$d)";

  private OwnerScope() {
  }

  /** {@link #CLAUSE} for parameter number {@code n}. */
  public static String clause(int n) {
    return String.format(CLAUSE, n);
  }

  /** The parameter for {@link #CLAUSE}: null for an admin (every row), the caller's id otherwise. */
  public static UUID filter(Caller caller) {
    return caller.isAdmin() ? null : UUID.fromString(caller.userId());
  }

  /** The owner of a row the caller creates. */
  public static UUID owner(Caller caller) {
    return UUID.fromString(caller.userId());
  }

  /** The single row of a scoped statement, or 404 naming what was asked for. */
  public static Row one(RowSet<Row> rows, String what, Object id) {
    if (rows.size() == 0) {
      throw ApiError.notFound("no " + what + " " + id);
    }
    return rows.iterator().next();
  }

  /** Parses an id path parameter; a malformed id is a missing row, not a bad request. */
  public static UUID uuidOrNotFound(String raw, String what) {
    try {
      if (raw != null && raw.length() == 36) {
        return UUID.fromString(raw);
      }
    } catch (IllegalArgumentException ignored) {
      // same answer as an id that does not exist
    }
    throw ApiError.notFound("no " + what + " " + raw);
  }
}
