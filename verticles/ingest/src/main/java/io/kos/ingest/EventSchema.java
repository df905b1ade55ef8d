package io.kos.ingest;

import io.kos.ingest.api.Event;
import io.kos.verticle.Text;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The event columns and the rule for each, in one table: a pushed event is checked against it, and
 * the columns it yields, in {@link #COLUMNS} order, are what the insert binds. Every value travels
 * as text and is cast by the statement, so one array type serves every column.
 */
final class EventSchema {

  /** The registries and the event types each emits (ERC-8004 v0.4). */
  static final Map<String, Set<String>> EVENT_TYPES = Map.of(
      "identity", Set.of("Registered", "MetadataSet", "UriUpdated"),
      "reputation", Set.of("NewFeedback", "FeedbackRevoked", "ResponseAppended"),
      "validation", Set.of("ValidationRequest", "ValidationResponse"));

  private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,77}");
  private static final BigInteger UINT256_LIMIT = BigInteger.ONE.shiftLeft(256);
  private static final BigInteger UINT64_LIMIT = BigInteger.ONE.shiftLeft(64);
  private static final int TEXT_MAX = 2048;
  /**
   * Block times accepted: from the first Ethereum block (no EVM chain is older) to a year ahead of
   * this node's clock (a skewed clock must not refuse a real block; a year bounds the partitions a
   * push can ask for, with the month-by-month creation in {@link EventStore}).
   */
  static final long MIN_TIMESTAMP = 1_438_214_400L;
  static final long MAX_AHEAD_SECONDS = 366 * 86_400L;
  private static final int BYTES_MAX_HEX = 2 + 2 * 8192;

  enum Kind { ID, CHAIN_ID, UINT64, INT_INDEX, HASH, ADDRESS, TEXT, BYTES, PERCENT, TIMESTAMP, REGISTRY, EVENT_TYPE, UINT256, TAG, TAG_TEXT }

  /** One column: its name, its rule, whether a pushed event must carry it, the SQL type it is cast to. */
  record Column(String name, Kind kind, boolean required, String sqlType) {
  }

  static final List<Column> COLUMNS = List.of(
      new Column("id", Kind.ID, false, "text"),
      new Column("chain_id", Kind.CHAIN_ID, true, "bigint"),
      new Column("block_number", Kind.UINT64, true, "bigint"),
      new Column("block_hash", Kind.HASH, true, "text"),
      new Column("transaction_hash", Kind.HASH, true, "text"),
      new Column("log_index", Kind.INT_INDEX, true, "integer"),
      new Column("timestamp", Kind.TIMESTAMP, true, "bigint"),
      new Column("registry", Kind.REGISTRY, true, "text"),
      new Column("event_type", Kind.EVENT_TYPE, true, "text"),
      new Column("agent_id", Kind.UINT256, true, "numeric"),
      new Column("owner", Kind.ADDRESS, false, "text"),
      new Column("token_uri", Kind.TEXT, false, "text"),
      new Column("updated_by", Kind.ADDRESS, false, "text"),
      new Column("metadata_key", Kind.TEXT, false, "text"),
      new Column("metadata_value", Kind.BYTES, false, "text"),
      new Column("client_address", Kind.ADDRESS, false, "text"),
      new Column("score", Kind.PERCENT, false, "smallint"),
      new Column("tag1", Kind.TAG, false, "text"),
      new Column("tag1_text", Kind.TAG_TEXT, false, "text"),
      new Column("tag2", Kind.TAG, false, "text"),
      new Column("tag2_text", Kind.TAG_TEXT, false, "text"),
      new Column("file_uri", Kind.TEXT, false, "text"),
      new Column("file_hash", Kind.HASH, false, "text"),
      new Column("feedback_index", Kind.UINT64, false, "numeric"),
      new Column("responder", Kind.ADDRESS, false, "text"),
      new Column("response_uri", Kind.TEXT, false, "text"),
      new Column("response_hash", Kind.HASH, false, "text"),
      new Column("validator_address", Kind.ADDRESS, false, "text"),
      new Column("request_uri", Kind.TEXT, false, "text"),
      new Column("request_hash", Kind.HASH, false, "text"),
      new Column("response", Kind.PERCENT, false, "smallint"),
      new Column("tag", Kind.TAG, false, "text"),
      new Column("tag_text", Kind.TAG_TEXT, false, "text"));

  static final Map<String, Integer> INDEX = indexOf();
  /** The events table's columns as every read selects them: {@code seq}, then {@link #COLUMNS} in order. */
  static final String COLUMN_LIST = COLUMNS.stream().map(Column::name).collect(Collectors.joining(", "));
  static final String SELECT_COLUMNS = "seq, " + COLUMN_LIST;
  /** Fields a producer may send: every column except the derived tag texts. */
  static final Set<String> ACCEPTED = Set.copyOf(COLUMNS.stream().filter(c -> c.kind() != Kind.TAG_TEXT).map(Column::name).toList());

  private EventSchema() {
  }

  /** One bad field of one event of a batch. */
  record Problem(int index, String field, String reason) {
    JsonObject toJson() {
      return new JsonObject().put("index", index).put("field", field).put("reason", reason);
    }
  }

  /**
   * The event's column values in {@link #COLUMNS} order (text, null where absent), or null after
   * adding at least one problem.
   */
  static String[] parse(Object item, int index, List<Problem> problems) {
    if (!(item instanceof JsonObject event)) {
      problems.add(new Problem(index, "", "each event must be a JSON object"));
      return null;
    }
    int before = problems.size();
    for (String name : event.fieldNames()) {
      if (!ACCEPTED.contains(name)) {
        problems.add(new Problem(index, name, "unknown field"));
      }
    }
    String[] row = new String[COLUMNS.size()];
    for (int c = 0; c < COLUMNS.size(); c++) {
      Column column = COLUMNS.get(c);
      if (column.kind() == Kind.TAG_TEXT) {
        continue; // derived below
      }
      Object raw = event.getValue(column.name());
      if (raw == null) {
        if (column.required()) {
          problems.add(new Problem(index, column.name(), "is required"));
        }
        continue;
      }
      Checked checked = check(column, raw, event);
      if (checked instanceof Valid valid) {
        row[c] = valid.text();
      } else {
        problems.add(new Problem(index, column.name(), ((Refused) checked).reason()));
      }
    }
    if (problems.size() > before) {
      return null;
    }
    String expectedId = row[INDEX.get("chain_id")] + "-" + row[INDEX.get("block_number")] + "-" + row[INDEX.get("log_index")];
    int id = INDEX.get("id");
    if (row[id] == null) {
      row[id] = expectedId;
    } else if (!row[id].equals(expectedId)) {
      problems.add(new Problem(index, "id", "must be {chain_id}-{block_number}-{log_index}, here " + expectedId));
      return null;
    }
    for (String tag : List.of("tag1", "tag2", "tag")) {
      String hex = row[INDEX.get(tag)];
      row[INDEX.get(tag + "_text")] = hex == null ? null : tagText(hex);
    }
    return row;
  }

  /** A field's value after its check: the text the insert binds, or why it is refused. */
  private sealed interface Checked permits Valid, Refused {
  }

  private record Valid(String text) implements Checked {
  }

  private record Refused(String reason) implements Checked {
  }

  private static Checked check(Column column, Object raw, JsonObject event) {
    return switch (column.kind()) {
      case ID -> raw instanceof String s && s.length() <= 100 && Text.flaw(s) == null ? new Valid(s)
          : new Refused("must be a string of at most 100 characters without NUL or a lone UTF-16 surrogate");
      case CHAIN_ID -> integer(raw, BigInteger.ONE, BigInteger.valueOf(Long.MAX_VALUE), "a positive integer");
      case UINT64 -> integer(raw, BigInteger.ZERO, column.sqlType().equals("bigint") ? BigInteger.valueOf(Long.MAX_VALUE) : UINT64_LIMIT.subtract(BigInteger.ONE),
          "an integer >= 0");
      case INT_INDEX -> integer(raw, BigInteger.ZERO, BigInteger.valueOf(Integer.MAX_VALUE), "an integer >= 0");
      case TIMESTAMP -> integer(raw, BigInteger.valueOf(MIN_TIMESTAMP), BigInteger.valueOf(System.currentTimeMillis() / 1000 + MAX_AHEAD_SECONDS),
          "a unix time in seconds from " + MIN_TIMESTAMP + " (2015-07-30, the first Ethereum block) to a year ahead of this node's clock");
      case PERCENT -> integer(raw, BigInteger.ZERO, BigInteger.valueOf(100), "an integer from 0 to 100");
      case UINT256 -> integer(raw, BigInteger.ZERO, UINT256_LIMIT.subtract(BigInteger.ONE), "an integer from 0 to 2^256-1 (a decimal string for large values)");
      case HASH, TAG -> raw instanceof String s && isHex(s, 64) ? new Valid(s.toLowerCase(Locale.ROOT)) : new Refused("must be 0x and 64 hex digits");
      case ADDRESS -> raw instanceof String s && isHex(s, 40) ? new Valid(s.toLowerCase(Locale.ROOT)) : new Refused("must be 0x and 40 hex digits");
      case BYTES -> raw instanceof String s && s.length() <= BYTES_MAX_HEX && s.length() % 2 == 0 && isHex(s, s.length() - 2)
          ? new Valid(s.toLowerCase(Locale.ROOT)) : new Refused("must be 0x and an even number of hex digits (at most 8 KiB)");
      case TEXT -> raw instanceof String s && s.length() <= TEXT_MAX && Text.flaw(s) == null
          ? new Valid(s) : new Refused("must be a string of at most " + TEXT_MAX + " characters without NUL or a lone UTF-16 surrogate");
      case REGISTRY -> raw instanceof String s && EVENT_TYPES.containsKey(s) ? new Valid(s) : new Refused("must be identity, reputation or validation");
      case EVENT_TYPE -> eventType(raw, event.getValue("registry"));
      case TAG_TEXT -> new Refused("is derived, not sent");
    };
  }

  private static Checked eventType(Object raw, Object registry) {
    Set<String> types = registry instanceof String r ? EVENT_TYPES.get(r) : null;
    if (types == null) {
      return raw instanceof String s && EVENT_TYPES.values().stream().anyMatch(t -> t.contains(s)) ? new Valid(s)
          : new Refused("is not an ERC-8004 event type");
    }
    return raw instanceof String s && types.contains(s) ? new Valid(s)
        : new Refused("must be one of " + String.join(", ", types.stream().sorted().toList()) + " for registry " + registry);
  }

  /** {@code 0x} and exactly {@code digits} hex digits; a loop, since a regex here costs more than the rest of the check. */
  static boolean isHex(String s, int digits) {
    if (digits < 0 || s.length() != digits + 2 || s.charAt(0) != '0' || s.charAt(1) != 'x') {
      return false;
    }
    for (int i = 2; i < s.length(); i++) {
      char c = s.charAt(i);
      // ASCII only: Character.digit would also take other scripts' digits
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }

  /** A non-negative decimal integer of at most 78 digits, without leading zeros (uint256 fits). */
  static boolean isDecimal(String s) {
    return DECIMAL.matcher(s).matches();
  }

  /** Integers arrive as JSON numbers or, when too large for JSON readers, as decimal strings. */
  private static Checked integer(Object raw, BigInteger min, BigInteger max, String what) {
    BigInteger value;
    if (raw instanceof Integer || raw instanceof Long) {
      value = BigInteger.valueOf(((Number) raw).longValue());
    } else if (raw instanceof BigInteger big) {
      value = big;
    } else if (raw instanceof String s && isDecimal(s)) {
      value = new BigInteger(s);
    } else {
      return new Refused("must be " + what);
    }
    return value.compareTo(min) < 0 || value.compareTo(max) > 0 ? new Refused("must be " + what) : new Valid(value.toString());
  }

  /**
   * The text a bytes32 tag spells, when it is UTF-8 padded on the right with zero bytes (how
   * Solidity stores a short string in bytes32); null when it is not text (documented in docs/ingest.md).
   */
  static String tagText(String hex) {
    byte[] bytes = HexFormat.of().parseHex(hex, 2, hex.length());
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] == 0) {
      end--;
    }
    if (end == 0) {
      return null;
    }
    for (int i = 0; i < end; i++) {
      if (bytes[i] == 0) {
        return null;
      }
    }
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, end)).toString();
      return text.codePoints().anyMatch(Character::isISOControl) ? null : text;
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /**
   * The one mapper of the events table: a row of {@link #SELECT_COLUMNS} as the API shows it,
   * numbers as numbers where JSON holds them exactly, uint256 as decimal strings.
   */
  static Event event(Row row) {
    JsonObject json = toJson(row);
    return Event.of(json.getLong("seq"), json);
  }

  private static JsonObject toJson(Row row) {
    JsonObject json = new JsonObject().put("seq", row.getLong(0));
    // rows come from SELECT_COLUMNS: seq, then COLUMNS in order; read by position (one name lookup per
    // column would cost on the read-back path), which this one mapper keeps in step with the list
    for (int i = 0; i < COLUMNS.size(); i++) {
      Column column = COLUMNS.get(i);
      int position = i + 1;
      Object value = switch (column.sqlType()) {
        case "bigint" -> row.getLong(position);
        case "integer" -> row.getInteger(position);
        case "smallint" -> row.getShort(position) == null ? null : row.getShort(position).intValue();
        case "numeric" -> row.getValue(position) == null ? null : row.getValue(position).toString();
        default -> row.getString(position);
      };
      if (value != null) {
        json.put(column.name(), value);
      }
    }
    return json;
  }

  /** A stored event as {@link #event(Row)} shows it, built from its checked column values. */
  static Event event(String[] row, long seq) {
    JsonObject json = new JsonObject().put("seq", seq);
    for (int i = 0; i < COLUMNS.size(); i++) {
      String value = row[i];
      if (value != null) {
        Column column = COLUMNS.get(i);
        json.put(column.name(), switch (column.sqlType()) {
          case "bigint" -> (Object) Long.parseLong(value);
          case "integer", "smallint" -> Integer.parseInt(value);
          default -> value;
        });
      }
    }
    return Event.of(seq, json);
  }

  static JsonArray problemsJson(List<Problem> problems, int max) {
    JsonArray array = new JsonArray();
    problems.stream().limit(max).forEach(p -> array.add(p.toJson()));
    return array;
  }

  private static Map<String, Integer> indexOf() {
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < COLUMNS.size(); i++) {
      index.put(COLUMNS.get(i).name(), i);
    }
    return Map.copyOf(index);
  }

  /** Columns as arrays for {@code unnest}: {@code result[c][i]} is column c of event i. */
  static String[][] columnsOf(List<String[]> rows) {
    String[][] columns = new String[COLUMNS.size()][rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      String[] row = rows.get(i);
      for (int c = 0; c < row.length; c++) {
        columns[c][i] = row[c];
      }
    }
    return columns;
  }
}
