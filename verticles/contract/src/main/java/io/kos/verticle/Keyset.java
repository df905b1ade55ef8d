package io.kos.verticle;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.UUID;

/**
 * Keyset paging of a list newest first: {@code ?limit=&after=<next_cursor>}. The cursor is the
 * last row's creation time and id, opaque to the caller; a page costs the same however deep it is.
 * The table has {@code created_at timestamptz} and a uuid id, indexed {@code (owner_id, created_at
 * DESC, id DESC)}.
 *
 * @param createdAt null on the first page
 */
public record Keyset(OffsetDateTime createdAt, UUID id, int limit) {

  public static final int MAX_LIMIT = 500;

  /** The clause on {@code created_at} and the id column with the cursor as $a (time) and $b (id). */
  public static String clause(String idColumn, int a, int b) {
    return clause("created_at", idColumn, a, b);
  }

  /** As {@link #clause(String, int, int)} on a table whose time column is {@code timeColumn}. */
  public static String clause(String timeColumn, String idColumn, int a, int b) {
    return "($" + a + "::timestamptz IS NULL OR (" + timeColumn + ", " + idColumn + ") < ($" + a + ", $" + b + "))";
  }

  public static Keyset of(ApiRequest request) {
    int limit = request.queryInt("limit", 100, 1, MAX_LIMIT);
    String after = request.query("after");
    if (after == null) {
      return new Keyset(null, null, limit);
    }
    try {
      String[] parts = new String(Base64.getUrlDecoder().decode(after), StandardCharsets.UTF_8).split("\\|", 2);
      return new Keyset(OffsetDateTime.parse(parts[0]), UUID.fromString(parts[1]), limit);
    } catch (IllegalArgumentException | DateTimeParseException | ArrayIndexOutOfBoundsException e) {
      throw ApiError.invalidParameter("after", "must be a next_cursor from an earlier page of this list");
    }
  }

  /** The tuple with the cursor's time, id and the limit added: the parameters {@link #clause} and {@code LIMIT} take. */
  public io.vertx.sqlclient.Tuple addTo(io.vertx.sqlclient.Tuple tuple) {
    return tuple.addValue(createdAt).addValue(id).addValue(limit);
  }

  /** {@code {<name>: items, next_cursor}}: the cursor is null on the last page. */
  public JsonObject page(String name, JsonArray items, String idField) {
    return page(name, items, "created_at", idField);
  }

  /** As {@link #page(String, JsonArray, String)}, the items' time in {@code timeField}. */
  public JsonObject page(String name, JsonArray items, String timeField, String idField) {
    String next = null;
    if (items.size() == limit) {
      JsonObject last = items.getJsonObject(items.size() - 1);
      next = Base64.getUrlEncoder().withoutPadding().encodeToString(
          (last.getString(timeField) + "|" + last.getString(idField)).getBytes(StandardCharsets.UTF_8));
    }
    return new JsonObject().put(name, items).put("next_cursor", next);
  }
}
