package io.kos.tohunga;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * How a source's bytes become records: JSON (the default), JSON Lines, CSV (header row, delimiter)
 * or XML, as a job's first step {@code transformation/format_conversion} says
 * ({@code {from: csv | xml | json | json_lines, to: json, delimiter, header}}).
 */
record InputFormat(String from, char delimiter, boolean header) {

  static final InputFormat JSON = new InputFormat("json", ',', true);
  static final List<String> BYTE_SOURCES = List.of("http_api", "s3_bucket", "upload");
  private static final CsvMapper CSV = new CsvMapper();
  private static final XmlMapper XML = new XmlMapper();

  static InputFormat parse(JsonObject definition, String at) {
    JsonFields fields = JsonFields.ofBody(definition, at).onlyKnown(List.of("from", "to", "delimiter", "header"));
    String from = fields.string("from", null, 20);
    if (!List.of("json", "json_lines", "csv", "xml").contains(from)) {
      throw ApiError.invalidField(at + ".from", "must be json, json_lines, csv or xml, not '" + from + "'");
    }
    String to = fields.string("to", "json", 20);
    if (!to.equals("json")) {
      throw ApiError.invalidField(at + ".to", "must be json: records are JSON inside a job (write CSV with output_config.format csv)");
    }
    String delimiter = fields.string("delimiter", ",", 1);
    if (delimiter.length() != 1 || !from.equals("csv") && definition.containsKey("delimiter")) {
      throw ApiError.invalidField(at + ".delimiter", "must be one character, and only with from: csv");
    }
    Boolean header = fields.bool("header", true);
    if (!header && !from.equals("csv")) {
      throw ApiError.invalidField(at + ".header", "applies only with from: csv");
    }
    return new InputFormat(from, delimiter.charAt(0), header);
  }

  /** True when a page is one document to look into (records path, cursor, next URL): JSON and XML. */
  boolean isDocument() {
    return from.equals("json") || from.equals("xml");
  }

  /** The whole page as a tree, for JSON and XML. */
  JsonNode document(InputStream in) throws IOException {
    return from.equals("xml") ? XML.readTree(in) : Rows.MAPPER.readTree(in);
  }

  /** The records of a JSON Lines or CSV page, one per line/row. */
  List<ObjectNode> lines(InputStream in) throws IOException {
    List<ObjectNode> rows = new ArrayList<>();
    try (MappingIterator<?> it = rowIterator(in)) {
      while (it.hasNext()) {
        rows.add(row(it.next()));
      }
    }
    return rows;
  }

  /** JSON Lines or CSV rows as they are read (streaming): pass each to {@link #row}. */
  MappingIterator<?> rowIterator(InputStream in) throws IOException {
    if (from.equals("json_lines")) {
      return Rows.MAPPER.readerFor(JsonNode.class).readValues(in);
    }
    CsvSchema schema = CsvSchema.emptySchema().withColumnSeparator(delimiter);
    return header ? CSV.readerFor(java.util.Map.class).with(schema.withHeader()).readValues(in)
        : CSV.readerFor(List.class).with(schema).with(com.fasterxml.jackson.dataformat.csv.CsvParser.Feature.WRAP_AS_ARRAY).readValues(in);
  }

  /** One row of {@link #rowIterator} as a record: a JSON line as it is, CSV cells by header name (or column_1, ...). */
  static ObjectNode row(Object value) throws IOException {
    if (value instanceof ObjectNode object) {
      return object;
    }
    if (value instanceof JsonNode node) {
      throw new IOException("a line is not a JSON object but " + node.getNodeType().toString().toLowerCase());
    }
    ObjectNode row = Rows.NODES.objectNode();
    if (value instanceof java.util.Map<?, ?> map) {
      map.forEach((key, cell) -> row.put(String.valueOf(key), String.valueOf(cell)));
    } else if (value instanceof List<?> cells) {
      for (int i = 0; i < cells.size(); i++) {
        row.put("column_" + (i + 1), String.valueOf(cells.get(i)));
      }
    }
    return row;
  }
}
