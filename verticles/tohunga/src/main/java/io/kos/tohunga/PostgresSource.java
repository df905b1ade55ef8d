package io.kos.tohunga;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.kos.verticle.outbound.OutboundGuard;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code postgresql} source: the job's query runs in a read-only transaction on a connection of
 * its own and is read through a cursor, {@code fetch_size} rows at a time (the reactive client's
 * {@link Cursor}), so a table of any size streams in bounded memory. The host is resolved and
 * checked by the outbound guard first, and the connection goes to the checked address.
 */
final class PostgresSource implements RecordSource {

  /** The source's {@code connection_config}, opened. */
  record Config(PgConnectOptions options, String host, int fetchSize, int connectTimeoutMs) {

    static Config parse(JsonObject config) {
      String at = "connection_config";
      JsonFields fields = JsonFields.ofBody(config, at).onlyKnown(List.of("connection_uri", "password", "fetch_size", "connect_timeout_ms"));
      String uri = fields.string("connection_uri", null, 2000);
      PgConnectOptions options;
      try {
        if (!uri.startsWith("postgresql://") && !uri.startsWith("postgres://")) {
          throw new IllegalArgumentException("not a postgresql:// URI");
        }
        options = PgConnectOptions.fromUri(uri);
      } catch (RuntimeException e) {
        throw ApiError.invalidField(at + ".connection_uri", "must be a postgresql://user@host:port/database URI (" + e.getMessage() + ")");
      }
      if (options.getHost() == null || options.getHost().isEmpty() || options.getHost().startsWith("/")) {
        throw ApiError.invalidField(at + ".connection_uri", "must name a host (Unix sockets are not reachable through the outbound guard)");
      }
      String password = fields.string("password", "", 1000);
      if (!password.isEmpty()) {
        options.setPassword(password);
      }
      return new Config(options, options.getHost(), fields.intValue("fetch_size", 1000, 1, 10_000),
          fields.intValue("connect_timeout_ms", 10_000, 100, 300_000));
    }

    /** A password inside the URI moves to the {@code password} field, where it is sealed (the URI is shown as it is). */
    static void moveUriPassword(JsonObject config) {
      if (!(config.getValue("connection_uri") instanceof String uri)) {
        return;
      }
      try {
        URI parsed = new URI(uri);
        String userInfo = parsed.getRawUserInfo();
        if (userInfo == null || !userInfo.contains(":")) {
          return;
        }
        if (config.containsKey("password")) {
          throw ApiError.invalidField("connection_config.password", "is given twice: in connection_uri and as password");
        }
        String user = userInfo.substring(0, userInfo.indexOf(':'));
        config.put("password", java.net.URLDecoder.decode(userInfo.substring(userInfo.indexOf(':') + 1), java.nio.charset.StandardCharsets.UTF_8));
        config.put("connection_uri", new URI(parsed.getScheme(), null, parsed.getHost(), parsed.getPort(), parsed.getPath(),
            parsed.getQuery(), null).toString().replaceFirst("://", "://" + user + "@"));
      } catch (java.net.URISyntaxException e) {
        throw ApiError.invalidField("connection_config.connection_uri", "is not a valid URI: " + e.getReason());
      }
    }
  }

  /** A job's {@code request_params}: a query and its parameters ($1, $2, ...). */
  record Request(String query, Tuple params) {

    static Request parse(JsonObject params) {
      return parse(params, false);
    }

    /** With {@code lastIsCursor}, the last parameter is an incremental run's cursor, bound by its type ({@link #cursorValue}). */
    static Request parse(JsonObject params, boolean lastIsCursor) {
      String at = "request_params";
      JsonFields fields = JsonFields.ofBody(params, at).onlyKnown(List.of("query", "params"));
      String query = fields.string("query", null, 100_000);
      if (query.isBlank()) {
        throw ApiError.invalidField(at + ".query", "must not be empty");
      }
      JsonArray values = fields.array("params", new JsonArray());
      if (values.size() > 100) {
        throw ApiError.invalidField(at + ".params", "has more than 100 values");
      }
      Tuple tuple = Tuple.tuple();
      for (int i = 0; i < values.size(); i++) {
        Object value = values.getValue(i);
        if (value instanceof JsonObject || value instanceof JsonArray) {
          throw ApiError.invalidField(at + ".params[" + i + "]", "must be a string, number, boolean or null");
        }
        tuple.addValue(lastIsCursor && i == values.size() - 1 && value != null ? cursorValue(String.valueOf(value)) : value);
      }
      return new Request(query, tuple);
    }
  }

  private final Vertx vertx;
  private final Config config;
  private final Request request;
  private final OutboundGuard guard;
  private PgConnection connection;
  private Cursor cursor;

  PostgresSource(Vertx vertx, Config config, Request request, OutboundGuard guard) {
    this.vertx = vertx;
    this.config = config;
    this.request = request;
    this.guard = guard;
  }

  @Override
  public Future<Page> next() {
    if (cursor == null) {
      return open().compose(v -> read());
    }
    return cursor.hasMore() ? read() : Future.succeededFuture(null);
  }

  @Override
  public Future<Void> test() {
    return connect().compose(conn -> {
      connection = conn;
      return conn.query("SELECT 1").execute().<Void>mapEmpty().recover(e -> Future.failedFuture(queryFailure(e)));
    });
  }

  private Future<PgConnection> connect() {
    return connect(vertx, config, guard);
  }

  /** A connection of its own to the configured database, its host resolved and checked by the guard, connected at the checked address. */
  static Future<PgConnection> connect(Vertx vertx, Config config, OutboundGuard guard) {
    return vertx.executeBlocking(() -> InetAddress.getAllByName(config.host()), false)
        .recover(e -> Future.failedFuture(new JobFailure(JobFailure.SOURCE_UNREACHABLE, "cannot resolve " + config.host() + ": " + e.getMessage())))
        .compose(addresses -> {
          for (InetAddress address : addresses) {
            String refusal = guard.refusal(address);
            if (refusal != null) {
              return Future.failedFuture(new JobFailure(JobFailure.SOURCE_UNREACHABLE, "refused to connect to " + config.host() + ": " + refusal));
            }
          }
          PgConnectOptions options = new PgConnectOptions(config.options()).setHost(addresses[0].getHostAddress());
          return PgConnection.connect(vertx, options).timeout(config.connectTimeoutMs(), java.util.concurrent.TimeUnit.MILLISECONDS)
              .recover(e -> Future.failedFuture(connectFailure(config, e)));
        });
  }

  private Future<Void> open() {
    return connect()
        .compose(conn -> {
          connection = conn;
          return conn.query("BEGIN TRANSACTION READ ONLY").execute();
        })
        .compose(v -> connection.prepare(request.query()))
        .map(statement -> {
          cursor = statement.cursor(request.params());
          return (Void) null;
        })
        .recover(e -> Future.failedFuture(e instanceof JobFailure ? e : queryFailure(e)));
  }

  private Future<Page> read() {
    return cursor.read(config.fetchSize()).map(rows -> {
      List<ObjectNode> records = new ArrayList<>(rows.size());
      for (Row row : rows) {
        records.add(record(row));
      }
      // rows arrive decoded: their size on the wire is not known here
      return new Page(records, null, 0);
    }).recover(e -> Future.failedFuture(queryFailure(e)));
  }

  private static final java.time.format.DateTimeFormatter TIMESTAMPTZ = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX");
  private static final java.time.format.DateTimeFormatter TIMESTAMP = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");

  /**
   * A row as a record. Times are written at a fixed width (microseconds, UTC for timestamptz), so
   * that they sort as text the way they sort as times (an incremental cursor compares them so).
   */
  static ObjectNode record(Row row) {
    ObjectNode record = Rows.NODES.objectNode();
    for (int i = 0; i < row.size(); i++) {
      record.set(row.getColumnName(i), value(row.getValue(i)));
    }
    return record;
  }

  private static com.fasterxml.jackson.databind.JsonNode value(Object value) {
    if (value instanceof java.time.OffsetDateTime time) {
      return Rows.NODES.textNode(TIMESTAMPTZ.format(time.withOffsetSameInstant(java.time.ZoneOffset.UTC)));
    }
    if (value instanceof java.time.LocalDateTime time) {
      return Rows.NODES.textNode(TIMESTAMP.format(time));
    }
    if (value instanceof java.time.temporal.Temporal time) {
      return Rows.NODES.textNode(time.toString());
    }
    if (value instanceof io.vertx.core.buffer.Buffer bytes) {
      return Rows.NODES.textNode(java.util.Base64.getEncoder().encodeToString(bytes.getBytes()));
    }
    if (value instanceof Object[] array) {
      com.fasterxml.jackson.databind.node.ArrayNode list = Rows.NODES.arrayNode(array.length);
      for (Object element : array) {
        list.add(value(element));
      }
      return list;
    }
    return Rows.fromVertx(value);
  }

  /**
   * An incremental cursor (text) as the query parameter: a time as a time, a number as a number,
   * anything else as text, so that {@code WHERE updated_at > $n} binds without a cast.
   */
  static Object cursorValue(String cursor) {
    try {
      return java.time.OffsetDateTime.parse(cursor);
    } catch (java.time.format.DateTimeParseException notOffset) {
      try {
        return java.time.LocalDateTime.parse(cursor);
      } catch (java.time.format.DateTimeParseException notLocal) {
        try {
          return new java.math.BigDecimal(cursor).stripTrailingZeros().scale() <= 0 ? Long.valueOf(cursor) : new java.math.BigDecimal(cursor);
        } catch (NumberFormatException notNumber) {
          return cursor;
        }
      }
    }
  }

  private static JobFailure connectFailure(Config config, Throwable e) {
    if (e instanceof PgException pg && pg.getSqlState() != null && pg.getSqlState().startsWith("28")) {
      return new JobFailure(JobFailure.SOURCE_AUTH_FAILED, "the database refused the credentials: " + pg.getErrorMessage());
    }
    return new JobFailure(JobFailure.SOURCE_UNREACHABLE, "cannot connect to " + config.host() + ":" + config.options().getPort() + ": " + e.getMessage());
  }

  private static JobFailure queryFailure(Throwable e) {
    String message = e instanceof PgException pg ? pg.getErrorMessage() + " (SQLSTATE " + pg.getSqlState() + ")" : String.valueOf(e.getMessage());
    return new JobFailure(JobFailure.SOURCE_ERROR, "the query failed: " + message);
  }

  @Override
  public Future<Void> close() {
    if (connection == null) {
      return Future.succeededFuture();
    }
    return connection.close().otherwiseEmpty();
  }
}
