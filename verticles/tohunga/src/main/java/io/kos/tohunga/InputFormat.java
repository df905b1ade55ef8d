package io.kos.tohunga;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
    if (from.equals("json_lines")) {
      try (JsonParser parser = Rows.MAPPER.createParser(in)) {
        while (parser.nextToken() != null) {
          if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw new IOException("line " + parser.currentLocation().getLineNr() + " is not a JSON object");
          }
          rows.add(parser.readValueAsTree());
        }
      }
      return rows;
    }
    CsvSchema schema = header ? CsvSchema.emptySchema().withHeader().withColumnSeparator(delimiter)
        : CsvSchema.emptySchema().withColumnSeparator(delimiter);
    if (header) {
      try (MappingIterator<java.util.Map<String, String>> it = CSV.readerFor(java.util.Map.class).with(schema).readValues(in)) {
        while (it.hasNext()) {
          ObjectNode row = Rows.NODES.objectNode();
          it.next().forEach(row::put);
          rows.add(row);
        }
      }
    } else {
      try (MappingIterator<List<String>> it = CSV.readerFor(List.class).with(schema.withoutHeader())
          .with(com.fasterxml.jackson.dataformat.csv.CsvParser.Feature.WRAP_AS_ARRAY).readValues(in)) {
        while (it.hasNext()) {
          ObjectNode row = Rows.NODES.objectNode();
          List<String> cells = it.next();
          for (int i = 0; i < cells.size(); i++) {
            row.put("column_" + (i + 1), cells.get(i));
          }
          rows.add(row);
        }
      }
    }
    return rows;
  }
}
