package io.kos.node.auth;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.function.Function;

/** Every statement on the node's access tables ({@code users}, {@code refresh_tokens}, {@code api_keys}). */
final class AuthStore {

  private static final String USER_COLUMNS =
      "id, username, email, full_name, role, is_active, is_verified, created_at, updated_at, last_login_at";

  static final String ANY_USER = "SELECT EXISTS (SELECT 1 FROM users)";
  // serialises registrations so that exactly one of two racing first registrations becomes admin
  static final String LOCK_USERS = "LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE";
  static final String INSERT_USER = "INSERT INTO users (username, email, password_hash, full_name, role) "
      + "VALUES ($1, $2, $3, $4, $5) RETURNING " + USER_COLUMNS;
  static final String USER_BY_USERNAME = "SELECT " + USER_COLUMNS + ", password_hash FROM users WHERE lower(username) = lower($1)";
  static final String USER_BY_EMAIL = "SELECT " + USER_COLUMNS + ", password_hash FROM users WHERE lower(email) = lower($1)";
  static final String USER_BY_ID = "SELECT " + USER_COLUMNS + " FROM users WHERE id = $1";
  static final String USER_BY_ID_FOR_UPDATE = USER_BY_ID + " FOR UPDATE";
  static final String USERS_PAGE = "SELECT " + USER_COLUMNS + " FROM users WHERE lower(username) > lower($1) "
      + "ORDER BY lower(username) LIMIT $2";
  static final String TOUCH_LOGIN = "UPDATE users SET last_login_at = now() WHERE id = $1 RETURNING " + USER_COLUMNS;
  static final String UPDATE_USER = "UPDATE users SET role = $2, is_active = $3 WHERE id = $1 RETURNING " + USER_COLUMNS;
  static final String OTHER_ACTIVE_ADMINS = "SELECT count(*) FROM users WHERE role = 'admin' AND is_active AND id <> $1";

  static final String INSERT_REFRESH = "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) "
      + "VALUES ($1, $2, $3, now() + make_interval(secs => $4))";
  static final String REFRESH_FOR_UPDATE = "SELECT rt.id, rt.family_id, rt.user_id, rt.expires_at < now() AS expired, "
      + "rt.used_at IS NOT NULL AS used, rt.revoked_at IS NOT NULL AS revoked, u.role, u.is_active "
      + "FROM refresh_tokens rt JOIN users u ON u.id = rt.user_id WHERE rt.token_hash = $1 FOR UPDATE OF rt";
  static final String MARK_REFRESH_USED = "UPDATE refresh_tokens SET used_at = now() WHERE id = $1";
  static final String REVOKE_FAMILY = "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL";
  static final String REVOKE_FAMILY_OF = "UPDATE refresh_tokens SET revoked_at = now() "
      + "WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) AND revoked_at IS NULL";
  static final String REVOKE_USER_REFRESH = "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL";

  private static final String KEY_COLUMNS = "id, user_id, name, key_prefix, created_at, last_used_at";
  static final String INSERT_API_KEY = "INSERT INTO api_keys (user_id, name, key_prefix, key_hash) VALUES ($1, $2, $3, $4) "
      + "RETURNING " + KEY_COLUMNS;
  static final String API_KEYS = "SELECT " + KEY_COLUMNS + " FROM api_keys "
      + "WHERE revoked_at IS NULL AND ($1::uuid IS NULL OR user_id = $1) ORDER BY created_at, id";
  static final String REVOKE_API_KEY = "UPDATE api_keys SET revoked_at = now() "
      + "WHERE id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR user_id = $2) RETURNING id";
  static final String API_KEY_CALLER = "SELECT k.id, k.user_id, u.role, "
      + "k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute' AS stale "
      + "FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND u.is_active";
  static final String TOUCH_API_KEY = "UPDATE api_keys SET last_used_at = now() WHERE id = $1";

  private final Pool pool;

  AuthStore(Pool pool) {
    this.pool = pool;
  }

  <T> Future<T> inTransaction(Function<SqlConnection, Future<T>> work) {
    return pool.withTransaction(work);
  }

  static Future<RowSet<Row>> run(SqlClient client, String sql, Tuple args) {
    return client.preparedQuery(sql).execute(args);
  }

  Future<RowSet<Row>> run(String sql, Tuple args) {
    return run(pool, sql, args);
  }

  static Row firstOrNull(RowSet<Row> rows) {
    return rows.size() == 0 ? null : rows.iterator().next();
  }

  /** The user as the API shows it: never the password hash. */
  static JsonObject userJson(Row row) {
    return new JsonObject()
        .put("id", row.getUUID("id").toString())
        .put("username", row.getString("username"))
        .put("email", row.getString("email"))
        .put("full_name", row.getString("full_name"))
        .put("role", row.getString("role"))
        .put("is_active", row.getBoolean("is_active"))
        .put("is_verified", row.getBoolean("is_verified"))
        .put("created_at", timestamp(row, "created_at"))
        .put("updated_at", timestamp(row, "updated_at"))
        .put("last_login_at", timestamp(row, "last_login_at"));
  }

  static JsonObject apiKeyJson(Row row) {
    return new JsonObject()
        .put("id", row.getUUID("id").toString())
        .put("user_id", row.getUUID("user_id").toString())
        .put("name", row.getString("name"))
        .put("prefix", row.getString("key_prefix"))
        .put("created_at", timestamp(row, "created_at"))
        .put("last_used_at", timestamp(row, "last_used_at"));
  }

  private static String timestamp(Row row, String column) {
    OffsetDateTime value = row.getOffsetDateTime(column);
    return value == null ? null : value.toString();
  }

  /** The unique index a failed insert violated, or null when the failure is something else. */
  static String violatedUniqueIndex(Throwable failure) {
    return failure instanceof PgException pg && "23505".equals(pg.getSqlState()) ? pg.getConstraint() : null;
  }
}
