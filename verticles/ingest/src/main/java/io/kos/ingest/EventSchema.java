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
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The event columns and the rule for each, in one table: a pushed event is checked against it, and
 * the columns it yields, in {@link #COLUMNS} order, are what the insert binds. Every value travels
 * as text and is cast by the statement, so one array type serves every column.
 */
final class EventSchema {

  /** The spec versions the log holds: v0.4 (October 2025, legacy testnets) and v1 (January 2026, deployed since). */
  static final String V04 = "v0.4";
  static final String V1 = "v1";
  /** The registries and the event types each emits, per version: v1 spells {@code URIUpdated}, v0.4 {@code UriUpdated}. */
  private static final Map<String, Map<String, Set<String>>> EVENT_TYPES_BY_VERSION = Map.of(
      V04, Map.of("identity", Set.of("Registered", "MetadataSet", "UriUpdated", "Transfer"),
          "reputation", Set.of("NewFeedback", "FeedbackRevoked", "ResponseAppended"),
          "validation", Set.of("ValidationRequest", "ValidationResponse")),
      V1, Map.of("identity", Set.of("Registered", "MetadataSet", "URIUpdated", "Transfer"),
          "reputation", Set.of("NewFeedback", "FeedbackRevoked", "ResponseAppended"),
          "validation", Set.of("ValidationRequest", "ValidationResponse")));
  /** The registries and every event type of either version. */
  static final Map<String, Set<String>> EVENT_TYPES = Map.of(
      "identity", Set.of("Registered", "MetadataSet", "UriUpdated", "URIUpdated", "Transfer"),
      "reputation", Set.of("NewFeedback", "FeedbackRevoked", "ResponseAppended"),
      "validation", Set.of("ValidationRequest", "ValidationResponse"));
  /** Fields only a v1 event carries: an event with one of them and no {@code spec_version} is v1. */
  private static final Set<String> V1_ONLY = Set.of("value", "value_decimals", "endpoint", "tag1_text", "tag2_text", "tag_text");
  /** Fields only a v0.4 event carries (v1 tags are strings, feedback a value). */
  private static final Set<String> V04_ONLY = Set.of("score", "tag1", "tag2", "tag");
  private static final BigInteger INT128_MIN = BigInteger.ONE.shiftLeft(127).negate();
  private static final BigInteger INT128_MAX = BigInteger.ONE.shiftLeft(127).subtract(BigInteger.ONE);

  private static final BigInteger UINT256_MAX = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger INT_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
  private static final BigInteger PERCENT_MAX = BigInteger.valueOf(100);
  private static final BigInteger DECIMALS_MAX = BigInteger.valueOf(18);
  private static final int TEXT_MAX = 2048;
  /**
   * Block times accepted: from the first Ethereum block (no EVM chain is older) to a year ahead of
   * this node's clock (a skewed clock must not refuse a real block; a year bounds the partitions a
   * push can ask for, with the month-by-month creation in {@link EventStore}).
   */
  static final long MIN_TIMESTAMP = 1_438_214_400L;
  static final long MAX_AHEAD_SECONDS = 366 * 86_400L;
  private static final int BYTES_MAX_HEX = 2 + 2 * 8192;

  enum Kind {
    ID, CHAIN_ID, UINT64, INT_INDEX, HASH, ADDRESS, TEXT, BYTES, PERCENT, TIMESTAMP, REGISTRY, EVENT_TYPE, UINT256, TAG,
    /** a tag's text: given by a v1 event, derived from the bytes32 of a v0.4 one */
    TAG_TEXT,
    INT128, DECIMALS,
    /** derived: value x 10^-value_decimals */
    VALUE_DECIMAL,
    SPEC_VERSION
  }

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
      new Column("tag_text", Kind.TAG_TEXT, false, "text"),
      new Column("spec_version", Kind.SPEC_VERSION, false, "text"),
      new Column("value", Kind.INT128, false, "numeric"),
      new Column("value_decimals", Kind.DECIMALS, false, "smallint"),
      new Column("value_decimal", Kind.VALUE_DECIMAL, false, "numeric"),
      new Column("endpoint", Kind.TEXT, false, "text"),
      new Column("previous_owner", Kind.ADDRESS, false, "text"));

  static final Map<String, Integer> INDEX = indexOf();
  private static final int SPEC = INDEX.get("spec_version");
  private static final int SCORE = INDEX.get("score");
  private static final int VALUE = INDEX.get("value");
  private static final int DECIMALS = INDEX.get("value_decimals");
  private static final int VALUE_DECIMAL = INDEX.get("value_decimal");
  private static final int[] TAG_COLUMNS = {INDEX.get("tag1"), INDEX.get("tag2"), INDEX.get("tag")};
  private static final int[] TAG_TEXT_COLUMNS = {INDEX.get("tag1_text"), INDEX.get("tag2_text"), INDEX.get("tag_text")};
  /** The events table's columns as every read selects them: {@code seq}, then {@link #COLUMNS} in order. */
  static final String COLUMN_LIST = COLUMNS.stream().map(Column::name).collect(Collectors.joining(", "));
  /** The required columns as a mask (see {@link #filledColumns}: bit i is column i; bit 63 is the store's). */
  private static final long REQUIRED_COLUMNS = mask(COLUMNS.stream().filter(Column::required).map(Column::name).toList());
  static final String SELECT_COLUMNS = "seq, " + COLUMN_LIST;
  /** Fields a producer may send: every column but the derived value_decimal (each version refuses the other's own fields). */
  static final Set<String> ACCEPTED = Set.copyOf(COLUMNS.stream().filter(c -> c.kind() != Kind.VALUE_DECIMAL).map(Column::name).toList());
  /**
   * The hot path's lookups, once per field of every pushed event: a HashMap (hashing a field name
   * reuses the String's cached hash) and flags by column position rather than a set probe per column.
   */
  private static final Map<String, Integer> FIELD_INDEX = acceptedFields();
  private static final boolean[] V1_ONLY_COLUMN = flags(V1_ONLY);
  private static final boolean[] V04_ONLY_COLUMN = flags(V04_ONLY);

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
    String version = version(event, index, problems);
    boolean[] otherVersionOnly = V1.equals(version) ? V04_ONLY_COLUMN : V1_ONLY_COLUMN;
    for (String name : event.fieldNames()) {
      Integer c = FIELD_INDEX.get(name);
      if (c == null) {
        problems.add(new Problem(index, name, "unknown field"));
      } else if (otherVersionOnly[c]) {
        problems.add(new Problem(index, name, V1.equals(version)
            ? "is a v0.4 field; a v1 event carries value and value_decimals, and tag texts in tag1_text, tag2_text, tag_text"
            : "is a v1 field; send spec_version v1 (or leave out the v0.4 fields score, tag1, tag2, tag)"));
      }
    }
    String[] row = new String[COLUMNS.size()];
    for (int c = 0; c < COLUMNS.size(); c++) {
      Column column = COLUMNS.get(c);
      Object raw = event.getValue(column.name());
      if (column.kind() == Kind.VALUE_DECIMAL || column.kind() == Kind.SPEC_VERSION || raw == null || otherVersionOnly[c]) {
        if (raw == null && column.required()) {
          problems.add(new Problem(index, column.name(), "is required"));
        }
        continue; // derived, checked above, or absent
      }
      Checked checked = check(column, raw, event, version);
      if (checked instanceof Valid valid) {
        row[c] = valid.text();
      } else {
        problems.add(new Problem(index, column.name(), ((Refused) checked).reason()));
      }
    }
    if ((event.getValue("value") == null) != (event.getValue("value_decimals") == null)) {
      problems.add(new Problem(index, event.getValue("value") == null ? "value" : "value_decimals",
          "value and value_decimals go together: the value is value x 10^-value_decimals"));
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
    derive(row, version);
    return row;
  }

  /**
   * The columns one version gives and the other derives, so that consumers read one set: a v0.4
   * tag's text from its bytes32, a v0.4 score as the value {@code score} with 0 decimals, and for
   * both the exact {@code value_decimal}.
   */
  private static void derive(String[] row, String version) {
    row[SPEC] = version;
    if (V04.equals(version)) {
      for (int t = 0; t < TAG_COLUMNS.length; t++) {
        String hex = row[TAG_COLUMNS[t]];
        row[TAG_TEXT_COLUMNS[t]] = hex == null ? null : tagText(hex);
      }
      if (row[SCORE] != null) {
        row[VALUE] = row[SCORE];
        row[DECIMALS] = "0";
      }
    }
    if (row[VALUE] != null) {
      row[VALUE_DECIMAL] = decimal(row[VALUE], Integer.parseInt(row[DECIMALS]));
    }
  }

  /** The exact value x 10^-decimals in plain digits, by moving the point in the text (what BigDecimal would print, without one). */
  static String decimal(String value, int decimals) {
    if (decimals == 0) {
      return value;
    }
    boolean negative = value.startsWith("-");
    String digits = negative ? value.substring(1) : value;
    if (digits.length() <= decimals) {
      digits = "0".repeat(decimals - digits.length() + 1) + digits;
    }
    int point = digits.length() - decimals;
    return (negative ? "-" : "") + digits.substring(0, point) + "." + digits.substring(point);
  }

  /** The event's version: {@code spec_version} when given, else v1 when it carries a field only v1 has, else v0.4. */
  private static String version(JsonObject event, int index, List<Problem> problems) {
    Object given = event.getValue("spec_version");
    if (given != null) {
      if (V04.equals(given) || V1.equals(given)) {
        return (String) given;
      }
      problems.add(new Problem(index, "spec_version", "must be v0.4 or v1"));
      return V04;
    }
    for (String field : V1_ONLY) {
      if (event.containsKey(field)) {
        return V1;
      }
    }
    return "URIUpdated".equals(event.getValue("event_type")) ? V1 : V04;
  }

  /** A field's value after its check: the text the insert binds, or why it is refused. */
  private sealed interface Checked permits Valid, Refused {
  }

  private record Valid(String text) implements Checked {
  }

  private record Refused(String reason) implements Checked {
  }

  private static Checked check(Column column, Object raw, JsonObject event, String version) {
    return switch (column.kind()) {
      case ID -> raw instanceof String s && s.length() <= 100 && Text.flaw(s) == null ? new Valid(s)
          : new Refused("must be a string of at most 100 characters without NUL or a lone UTF-16 surrogate");
      case CHAIN_ID -> integer(raw, 1, LONG_MAX, "a positive integer");
      case UINT64 -> integer(raw, 0, column.sqlType().equals("bigint") ? LONG_MAX : UINT64_MAX, "an integer >= 0");
      case INT_INDEX -> integer(raw, 0, INT_MAX, "an integer >= 0");
      case TIMESTAMP -> integer(raw, MIN_TIMESTAMP, BigInteger.valueOf(System.currentTimeMillis() / 1000 + MAX_AHEAD_SECONDS),
          "a unix time in seconds from " + MIN_TIMESTAMP + " (2015-07-30, the first Ethereum block) to a year ahead of this node's clock");
      case PERCENT -> integer(raw, 0, PERCENT_MAX, "an integer from 0 to 100");
      case UINT256 -> integer(raw, 0, UINT256_MAX, "an integer from 0 to 2^256-1 (a decimal string for large values)");
      case HASH, TAG -> raw instanceof String s && isHex(s, 64) ? new Valid(s.toLowerCase(Locale.ROOT)) : new Refused("must be 0x and 64 hex digits");
      case ADDRESS -> raw instanceof String s && isHex(s, 40) ? new Valid(s.toLowerCase(Locale.ROOT)) : new Refused("must be 0x and 40 hex digits");
      case BYTES -> raw instanceof String s && s.length() <= BYTES_MAX_HEX && s.length() % 2 == 0 && isHex(s, s.length() - 2)
          ? new Valid(s.toLowerCase(Locale.ROOT)) : new Refused("must be 0x and an even number of hex digits (at most 8 KiB)");
      case TEXT -> raw instanceof String s && s.length() <= TEXT_MAX && Text.flaw(s) == null
          ? new Valid(s) : new Refused("must be a string of at most " + TEXT_MAX + " characters without NUL or a lone UTF-16 surrogate");
      case REGISTRY -> raw instanceof String s && EVENT_TYPES.containsKey(s) ? new Valid(s) : new Refused("must be identity, reputation or validation");
      case EVENT_TYPE -> eventType(raw, event.getValue("registry"), version);
      case TAG_TEXT -> raw instanceof String s && s.length() <= TEXT_MAX && Text.flaw(s) == null
          ? new Valid(s) : new Refused("must be a string of at most " + TEXT_MAX + " characters without NUL or a lone UTF-16 surrogate");
      case INT128 -> signedInteger(raw);
      case DECIMALS -> integer(raw, 0, DECIMALS_MAX, "an integer from 0 to 18");
      case VALUE_DECIMAL, SPEC_VERSION -> new Refused("is derived, not sent");
    };
  }

  private static Checked eventType(Object raw, Object registry, String version) {
    Set<String> types = registry instanceof String r ? EVENT_TYPES_BY_VERSION.get(version).get(r) : null;
    if (types == null) {
      return raw instanceof String s && EVENT_TYPES.values().stream().anyMatch(t -> t.contains(s)) ? new Valid(s)
          : new Refused("is not an ERC-8004 event type");
    }
    return raw instanceof String s && types.contains(s) ? new Valid(s)
        : new Refused("must be one of " + String.join(", ", types.stream().sorted().toList()) + " for registry " + registry
            + " in " + version);
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

  /** A non-negative decimal integer of at most 78 digits, without leading zeros (uint256 fits); a loop, not a regex, on the hot path. */
  static boolean isDecimal(String s) {
    int length = s.length();
    if (length == 0 || length > 78 || (s.charAt(0) == '0' && length > 1)) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * Integers arrive as JSON numbers or, when too large for JSON readers, as decimal strings (kept
   * as given: {@link #isDecimal} already makes them canonical). Values of up to 18 digits are
   * compared as longs; only wider ones pay for a BigInteger.
   */
  private static Checked integer(Object raw, long min, BigInteger max, String what) {
    if (raw instanceof Integer || raw instanceof Long) {
      long value = ((Number) raw).longValue();
      return inRange(value, min, max) ? new Valid(Long.toString(value)) : new Refused("must be " + what);
    }
    if (raw instanceof String s && isDecimal(s)) {
      // more than 18 digits is above every min
      boolean inRange = s.length() <= 18 ? inRange(Long.parseLong(s), min, max) : new BigInteger(s).compareTo(max) <= 0;
      return inRange ? new Valid(s) : new Refused("must be " + what);
    }
    if (raw instanceof BigInteger big) {
      return big.compareTo(BigInteger.valueOf(min)) >= 0 && big.compareTo(max) <= 0 ? new Valid(big.toString()) : new Refused("must be " + what);
    }
    return new Refused("must be " + what);
  }

  private static boolean inRange(long value, long min, BigInteger max) {
    return value >= min && (max.bitLength() >= 64 || value <= max.longValue());
  }

  /** A signed int128 as a JSON integer or a decimal string (optional {@code -}, no leading zero). */
  private static Checked signedInteger(Object raw) {
    String what = "must be an integer from -2^127 to 2^127-1 (a decimal string for large values)";
    if (raw instanceof Integer || raw instanceof Long) {
      return new Valid(raw.toString());
    }
    if (raw instanceof String s && !s.equals("-0") && isDecimal(s.startsWith("-") ? s.substring(1) : s)) {
      // 39 digits are past int128 both ways; fewer than 39 are inside it
      return s.length() - (s.startsWith("-") ? 1 : 0) < 39 || inInt128(new BigInteger(s)) ? new Valid(s) : new Refused(what);
    }
    if (raw instanceof BigInteger big) {
      return inInt128(big) ? new Valid(big.toString()) : new Refused(what);
    }
    return new Refused(what);
  }

  private static boolean inInt128(BigInteger value) {
    return value.compareTo(INT128_MIN) >= 0 && value.compareTo(INT128_MAX) <= 0;
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
        // plain digits: BigDecimal.toString would write 0.000000000000000001 as 1E-18
        case "numeric" -> row.getBigDecimal(position) == null ? null : row.getBigDecimal(position).toPlainString();
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

  private static Map<String, Integer> acceptedFields() {
    Map<String, Integer> fields = new HashMap<>();
    ACCEPTED.forEach(name -> fields.put(name, INDEX.get(name)));
    return fields;
  }

  private static long mask(List<String> names) {
    if (COLUMNS.size() > 63) {
      throw new IllegalStateException("a column mask is a long: at most 63 columns");
    }
    long mask = 0;
    for (String name : names) {
      mask |= 1L << INDEX.get(name);
    }
    return mask;
  }

  private static boolean[] flags(Set<String> names) {
    boolean[] flags = new boolean[COLUMNS.size()];
    names.forEach(name -> flags[INDEX.get(name)] = true);
    return flags;
  }

  private static Map<String, Integer> indexOf() {
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < COLUMNS.size(); i++) {
      index.put(COLUMNS.get(i).name(), i);
    }
    return Map.copyOf(index);
  }

  /** Columns as arrays for {@code unnest}: {@code result[c][i]} is column c of event i. */
  /** The columns some row fills, as a mask over {@link #COLUMNS} (bit i: column i). */
  static long filledColumns(List<String[]> rows) {
    long filled = 0;
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        if (row[c] != null) {
          filled |= 1L << c;
        }
      }
    }
    // an empty batch still binds the required columns' (empty) arrays
    return rows.isEmpty() ? REQUIRED_COLUMNS : filled;
  }

  /** The values of the {@code filled} columns, a text array per column in column order, as the write binds them. */
  static String[][] columnsOf(List<String[]> rows, long filled) {
    String[][] columns = new String[Long.bitCount(filled)][];
    int bound = 0;
    for (int c = 0; c < COLUMNS.size(); c++) {
      if ((filled & (1L << c)) == 0) {
        continue;
      }
      String[] values = new String[rows.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = rows.get(i)[c];
      }
      columns[bound++] = values;
    }
    return columns;
  }
}
