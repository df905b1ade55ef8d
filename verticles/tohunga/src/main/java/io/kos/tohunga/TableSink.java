package io.kos.tohunga;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.kos.verticle.outbound.OutboundGuard;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A job's output into a PostgreSQL table (output_config.destination {@code {type: postgresql,
 * source_id, table, key, create}}): the connection of a postgresql source (its credentials, through
 * the outbound guard), one transaction for the whole job (a job that fails or is cancelled leaves
 * nothing in the table), each page one statement ({@code jsonb_populate_recordset}: fields by column
 * name, cast to the column's type). With {@code key}, rows are upserted on it, so running the same
 * records again (after a crash) changes nothing. A missing table is created from the first record's
 * shape (numbers bigint or numeric, booleans, text, objects and lists jsonb) unless {@code create}
 * is false.
 */
final class TableSink implements RecordSink {

  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** The destination as written. */
  record Destination(java.util.UUID sourceId, String schema, String table, List<String> key, boolean create) {

    static Destination parse(JsonObject destination, String at) {
      JsonFields fields = JsonFields.ofBody(destination, at).onlyKnown(List.of("type", "source_id", "table", "key", "create"));
      String raw = fields.string("source_id", null, 36);
      java.util.UUID source;
      try {
        source = java.util.UUID.fromString(raw);
      } catch (IllegalArgumentException e) {
        throw ApiError.invalidField(at + ".source_id", "must be the id of a postgresql source (its connection writes the table)");
      }
      String table = fields.string("table", null, 130);
      String[] parts = table.split("\\.", -1);
      if (parts.length > 2 || !java.util.Arrays.stream(parts).allMatch(p -> NAME.matcher(p).matches())) {
        throw ApiError.invalidField(at + ".table", "must be a lowercase table name, optionally schema-qualified (reports or analytics.reports)");
      }
      List<String> key = new ArrayList<>();
      JsonArray keys = fields.array("key", new JsonArray());
      for (int i = 0; i < keys.size(); i++) {
        if (!(keys.getValue(i) instanceof String column) || !NAME.matcher(column).matches() || key.contains(column)) {
          throw ApiError.invalidField(at + ".key[" + i + "]", "must be a lowercase column name, each once");
        }
        key.add(column);
      }
      return new Destination(source, parts.length == 2 ? parts[0] : "public", parts[parts.length - 1], key, fields.bool("create", true));
    }

    String qualified() {
      return "\"" + schema + "\".\"" + table + "\"";
    }

    JsonObject toJson() {
      return new JsonObject().put("type", "postgresql").put("source_id", sourceId.toString()).put("table", schema + "." + table)
          .put("key", new JsonArray(key)).put("create", create);
    }
  }

  private final Vertx vertx;
  private final PostgresSource.Config config;
  private final Destination destination;
  private final OutboundGuard guard;
  private PgConnection connection;
  private String insert;
  private long rows;

  TableSink(Vertx vertx, PostgresSource.Config config, Destination destination, OutboundGuard guard) {
    this.vertx = vertx;
    this.config = config;
    this.destination = destination;
    this.guard = guard;
  }

  @Override
  public JsonObject written() {
    return new JsonObject().put("rows", rows);
  }

  @Override
  public long bytes() {
    return 0;
  }

  /** Where the rows went, without credentials. */
  @Override
  public String uri() {
    return "postgresql://" + config.host() + ":" + config.options().getPort() + "/" + config.options().getDatabase() + "/"
        + destination.schema() + "." + destination.table();
  }

  /** Writes a page (in the job's transaction); the first page opens it and makes the table when it must. */
  @Override
  public Future<Void> write(List<ObjectNode> page) {
    if (page.isEmpty()) {
      return Future.succeededFuture();
    }
    Future<Void> ready = connection != null ? Future.succeededFuture() : open(page.get(0));
    return ready.compose(v -> {
      com.fasterxml.jackson.databind.node.ArrayNode array = Rows.NODES.arrayNode(page.size());
      page.forEach(array::add);
      return connection.preparedQuery(insert).execute(Tuple.of(array.toString()));
    }).<Void>map(done -> {
      rows += page.size();
      return null;
    }).recover(e -> Future.failedFuture(e instanceof JobFailure ? e : failure("could not write to " + destination.qualified(), e)));
  }

  private Future<Void> open(ObjectNode first) {
    return PostgresSource.connect(vertx, config, guard).compose(conn -> {
      connection = conn;
      return conn.query("BEGIN").execute();
    }).compose(v -> columns()).compose(columns -> {
      if (!columns.isEmpty()) {
        return Future.succeededFuture(columns);
      }
      if (!destination.create()) {
        return Future.failedFuture(new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, "the table " + destination.qualified()
            + " does not exist (destination.create is false)"));
      }
      return connection.query(createTable(first)).execute().compose(v -> columns());
    }).map(columns -> {
      for (String key : destination.key()) {
        if (!columns.contains(key)) {
          throw new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, "the table " + destination.qualified() + " has no key column " + key);
        }
      }
      insert = insert(columns);
      return null;
    });
  }

  private Future<List<String>> columns() {
    return connection.preparedQuery("SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 "
        + "ORDER BY ordinal_position").execute(Tuple.of(destination.schema(), destination.table())).map(rows -> {
          List<String> names = new ArrayList<>();
          for (Row row : rows) {
            names.add(row.getString(0));
          }
          return names;
        });
  }

  /** The first record's fields as columns (names that are not plain lowercase identifiers are left out). */
  private String createTable(ObjectNode first) {
    Map<String, String> columns = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = first.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (NAME.matcher(field.getKey()).matches()) {
        JsonNode value = field.getValue();
        columns.put(field.getKey(), value.isIntegralNumber() ? "bigint" : value.isNumber() ? "numeric" : value.isBoolean() ? "boolean"
            : value.isContainerNode() ? "jsonb" : "text");
      }
    }
    for (String key : destination.key()) {
      columns.putIfAbsent(key, "text");
    }
    StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(destination.qualified()).append(" (");
    columns.forEach((name, type) -> sql.append('"').append(name).append("\" ").append(type).append(", "));
    if (destination.key().isEmpty()) {
      sql.setLength(sql.length() - 2);
    } else {
      sql.append("PRIMARY KEY (").append(quoted(destination.key())).append(')');
    }
    return sql.append(')').toString();
  }

  private String insert(List<String> columns) {
    String names = quoted(columns);
    StringBuilder sql = new StringBuilder("INSERT INTO ").append(destination.qualified()).append(" (").append(names).append(") SELECT ")
        .append(names).append(" FROM jsonb_populate_recordset(NULL::").append(destination.qualified()).append(", $1::text::jsonb)");
    if (!destination.key().isEmpty()) {
      sql.append(" ON CONFLICT (").append(quoted(destination.key())).append(") DO ");
      List<String> others = columns.stream().filter(c -> !destination.key().contains(c)).toList();
      if (others.isEmpty()) {
        sql.append("NOTHING");
      } else {
        sql.append("UPDATE SET ");
        sql.append(String.join(", ", others.stream().map(c -> "\"" + c + "\" = excluded.\"" + c + "\"").toList()));
      }
    }
    return sql.toString();
  }

  private static String quoted(List<String> names) {
    return String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList());
  }

  /** Commits the job's rows; the job is complete only after this. */
  @Override
  public Future<Void> commit() {
    if (connection == null) {
      return Future.succeededFuture();
    }
    return connection.query("COMMIT").execute().<Void>mapEmpty()
        .recover(e -> Future.failedFuture(failure("could not commit the rows to " + destination.qualified(), e)))
        .eventually(() -> connection.close());
  }

  /** Rolls back and closes (a job that failed or was cancelled leaves nothing in the table). */
  @Override
  public Future<Void> abort() {
    if (connection == null) {
      return Future.succeededFuture();
    }
    return connection.close().otherwiseEmpty();
  }

  private static JobFailure failure(String what, Throwable e) {
    if (e instanceof JobFailure failure) {
      return failure;
    }
    String message = e instanceof PgException pg ? pg.getErrorMessage() + " (SQLSTATE " + pg.getSqlState() + ")" : String.valueOf(e.getMessage());
    return new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, what + ": " + message);
  }
}
