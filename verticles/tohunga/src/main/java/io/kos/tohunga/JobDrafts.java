package io.kos.tohunga;

import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A job definition {@code {source_id, request_params, pipeline_steps, output_config}} checked whole
 * against its source (422 naming the field, never a failure at run time), with saved
 * transformations expanded: for the jobs API, for a pipeline when it is written, and for each run
 * the scheduler starts.
 */
final class JobDrafts {

  static final List<String> FIELDS = List.of("source_id", "request_params", "pipeline_steps", "output_config");

  /** A checked job, ready to insert; {@code incremental} {@code {field, from}} for a pipeline's incremental run. */
  record Draft(UUID sourceId, JsonObject params, JsonArray steps, JsonObject output, JsonObject incremental, String runBy) {
  }

  /** A pipeline run: which pipeline and version, started by whom ({@code schedule} or {@code manual}). */
  record Run(UUID pipelineId, int version, String trigger) {
  }

  private final TohungaStore store;
  private final SourceConfigs configs;
  private final String nodeId;

  JobDrafts(TohungaStore store, SourceConfigs configs, String nodeId) {
    this.store = store;
    this.configs = configs;
    this.nodeId = nodeId;
  }

  /**
   * Checks {@code definition}. Field names in errors start with {@code prefix} ({@code definition.}
   * for a pipeline). {@code ownerFilter} scopes the source and transformations (null: any owner's, an
   * admin or a run of a pipeline already checked). {@code incremental} {@code {field, param, cursor}}
   * puts the cursor in the request: a query parameter for HTTP, the last query parameter for PostgreSQL.
   */
  Future<Draft> check(JsonObject definition, String prefix, UUID ownerFilter, JsonObject incremental) {
    try {
      JsonFields fields = (prefix.isEmpty() ? JsonFields.ofBody(definition) : JsonFields.ofBody(definition, prefix.substring(0, prefix.length() - 1)))
          .onlyKnown(FIELDS);
      String rawSource = fields.string("source_id", null, 36);
      UUID sourceId;
      try {
        sourceId = UUID.fromString(rawSource);
      } catch (IllegalArgumentException e) {
        throw ApiError.invalidField(prefix + "source_id", "must be a source id (a UUID)");
      }
      JsonObject params = fields.object("request_params", new JsonObject()).copy();
      JsonArray steps = fields.array("pipeline_steps", new JsonArray());
      JsonObject output = output(fields.object("output_config", null), prefix);
      return store.run(TohungaStore.SOURCE, Tuple.of(sourceId, ownerFilter)).compose(rows -> {
        if (rows.size() == 0) {
          throw ApiError.invalidField(prefix + "source_id", "names no source of yours");
        }
        Row source = rows.iterator().next();
        if (!source.getBoolean("is_active")) {
          throw TohungaErrors.SOURCE_INACTIVE.error("source " + sourceId + " is deactivated");
        }
        return tableSource(output, ownerFilter, prefix).compose(v -> expand(steps, ownerFilter, prefix))
            .compose(expanded -> upload(source, params, prefix).map(runBy -> {
          String type = source.getString("source_type");
          JsonObject incrementalRun = null;
          if (incremental != null) {
            checkIncremental(type, incremental, params);
            incrementalRun = new JsonObject().put("field", incremental.getString("field")).put("from", incremental.getString("cursor"));
            if (type.equals("http_api")) {
              JsonObject query = params.getJsonObject("query_params", new JsonObject()).copy();
              params.put("query_params", query.put(incremental.getString("param"), incremental.getString("cursor")));
            } else {
              params.put("params", params.getJsonArray("params", new JsonArray()).copy().add(incremental.getString("cursor")));
            }
          }
          try {
            checkAgainst(source, type, params, expanded);
          } catch (ApiError e) {
            throw renamed(e, prefix);
          }
          return new Draft(sourceId, params, expanded, output, incrementalRun, runBy);
        }));
      });
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * For an upload source: the upload's facts go into the job's request (what the runner reads: its
   * id, type, compression, name), and the job runs on the node that holds the file. Null otherwise
   * (the job runs here).
   */
  private Future<String> upload(Row source, JsonObject params, String prefix) {
    if (!source.getString("source_type").equals("upload")) {
      return Future.succeededFuture(nodeId);
    }
    if (!params.isEmpty()) {
      throw ApiError.invalidField(prefix + "request_params", "an upload source takes no request parameters (it reads the whole file)");
    }
    UUID upload = SourceConfigs.uploadId((JsonObject) source.getValue("connection_config"));
    return store.run(TohungaStore.UPLOAD_FOR_SOURCE, Tuple.of(upload)).map(rows -> {
      if (rows.size() == 0 || !rows.iterator().next().getString("status").equals("uploaded")) {
        throw ApiError.invalidField(prefix + "source_id", "the source's upload " + upload + " is gone or not completed");
      }
      Row row = rows.iterator().next();
      params.put("upload_id", upload.toString()).put("filename", row.getString("filename")).put("file_type", row.getString("file_type"))
          .put("compression", row.getString("compression"));
      return row.getString("stored_on");
    });
  }

  /** The incremental settings fit the source: HTTP takes the cursor as a query parameter, PostgreSQL as the query's last $n. */
  private static void checkIncremental(String type, JsonObject incremental, JsonObject params) {
    boolean http = type.equals("http_api");
    if (type.equals("upload") || type.equals("s3_bucket")) {
      throw ApiError.invalidField("incremental", "applies to http_api and postgresql sources; " + type + " objects are read whole");
    }
    if (http && incremental.getString("param") == null) {
      throw ApiError.invalidField("incremental.param", "is required for an http_api source: the query parameter that carries the cursor");
    }
    if (!http && incremental.getString("param") != null) {
      throw ApiError.invalidField("incremental.param", "applies to http_api sources; a postgresql query takes the cursor as its last parameter");
    }
    if (!http) {
      Object query = params.getValue("query");
      int n = params.getJsonArray("params", new JsonArray()).size() + 1;
      if (query instanceof String text && !java.util.regex.Pattern.compile("\\$" + n + "(?!\\d)").matcher(text).find()) {
        throw ApiError.invalidField("definition.request_params.query", "must use $" + n + " for the incremental cursor (after its "
            + (n - 1) + " parameters), e.g. WHERE updated_at > $" + n + " ORDER BY updated_at");
      }
    }
  }

  private void checkAgainst(Row source, String type, JsonObject params, JsonArray steps) {
    Steps.Plan plan = Steps.plan(steps, type);
    JsonObject opened = configs.open((JsonObject) source.getValue("connection_config"), source.getUUID("source_id"));
    if (type.equals("upload")) {
      if (plan.input() == null && "other".equals(params.getString("file_type"))) {
        throw ApiError.invalidField("pipeline_steps", "the upload's type could not be told from its bytes; begin with a "
            + "transformation/format_conversion step that says it (from: json, json_lines, csv or xml)");
      }
    } else if (type.equals("s3_bucket")) {
      S3Source.prefix(S3Source.Config.parse(opened), params);
    } else if (type.equals("http_api")) {
      HttpSource.Request.parse(params);
      String pagination = HttpSource.Config.parse(opened).pagination().type();
      InputFormat input = plan.inputOr(InputFormat.JSON);
      if ((pagination.equals("cursor") || pagination.equals("next_url")) && !input.isDocument()) {
        throw ApiError.invalidField("pipeline_steps[0].definition.from", "the source pages by " + pagination
            + ", which is read from a JSON or XML body, not from " + input.from());
      }
    } else {
      PostgresSource.Request.parse(params);
    }
  }

  /** An error of the job's own checks, its field named under the prefix ({@code definition.pipeline_steps[0]...}). */
  static ApiError renamed(ApiError e, String prefix) {
    return refield(e, field -> prefix.isEmpty() || field.startsWith(prefix) ? field : prefix + field);
  }

  /** The same error (code, reason, details) about the field {@code rename} gives for its own; as it is when it names no field. */
  static ApiError refield(ApiError e, java.util.function.UnaryOperator<String> rename) {
    JsonObject json = e.toJson();
    String field = json.getString("field");
    String renamed = field == null ? null : rename.apply(field);
    if (renamed == null || renamed.equals(field)) {
      return e;
    }
    String message = json.getString("message");
    io.kos.verticle.ErrorCode code = e.code().equals(TohungaErrors.UNSUPPORTED_STEP.code()) ? TohungaErrors.UNSUPPORTED_STEP
        : io.kos.verticle.Errors.INVALID_FIELD;
    return new ApiError(code, message.startsWith(field) ? renamed + message.substring(field.length()) : message,
        new JsonObject().put("field", renamed));
  }

  Future<JsonObject> insert(Draft draft, UUID owner, String ownerDid, Run run) {
    return store.one(TohungaStore.INSERT_JOB, Tuple.of(UUID.randomUUID(), draft.sourceId(), draft.params(), draft.steps(), draft.output(),
        draft.runBy()).addValue(owner).addValue(ownerDid).addValue(run == null ? null : run.pipelineId())
        .addValue(run == null ? null : run.version()).addValue(run == null ? null : run.trigger()).addValue(draft.incremental()), TohungaStore::job);
  }

  /**
   * {@code {format: json_lines | csv, destination}}: {@code {type: local}} (the node's asset store),
   * {@code {type: s3, source_id, key}} (a bucket), {@code {type: klf_stream, target_did, target_url}}
   * (another node); or {@code {destination: {type: postgresql, source_id, table, key, create}}} (a
   * table; no format).
   */
  private JsonObject output(JsonObject output, String prefix) {
    JsonFields fields = JsonFields.ofBody(output, prefix + "output_config").onlyKnown(List.of("format", "destination"));
    JsonObject destination = fields.object("destination", new JsonObject().put("type", "local"));
    String at = prefix + "output_config.destination";
    String type = JsonFields.ofBody(destination, at).string("type", "local", 20);
    if (type.equals("postgresql")) {
      if (output.containsKey("format")) {
        throw ApiError.invalidField(prefix + "output_config.format", "does not apply to a table: records become rows");
      }
      return new JsonObject().put("destination", TableSink.Destination.parse(destination, at).toJson());
    }
    JsonObject normal = switch (type) {
      case "s3" -> S3Output.parse(destination, at).toJson();
      case "klf_stream" -> KlfStreamSink.Destination.parse(destination, at, nodeId).toJson();
      case "local" -> {
        JsonFields.ofBody(destination, at).onlyKnown(List.of("type"));
        yield new JsonObject().put("type", "local");
      }
      default -> throw ApiError.invalidField(at + ".type",
          "must be local (the node's asset store), s3 (a bucket), postgresql (a table) or klf_stream (another node)");
    };
    String format = fields.string("format", null, 20);
    if (!format.equals("json_lines") && !format.equals("csv")) {
      throw ApiError.invalidField(prefix + "output_config.format", "must be json_lines or csv, not '" + format + "'");
    }
    return new JsonObject().put("format", format).put("destination", normal);
  }

  /** A table (an S3) output writes through a postgresql (an s3_bucket) source of the owner's, active. */
  private Future<Void> tableSource(JsonObject output, UUID ownerFilter, String prefix) {
    JsonObject destination = output.getJsonObject("destination");
    String type = destination.getString("type");
    if (type.equals("local") || type.equals("klf_stream")) {
      return Future.succeededFuture();
    }
    String sourceType = type.equals("s3") ? "s3_bucket" : "postgresql";
    UUID id = UUID.fromString(destination.getString("source_id"));
    return store.run(TohungaStore.SOURCE, Tuple.of(id, ownerFilter)).map(rows -> {
      if (rows.size() == 0 || !rows.iterator().next().getString("source_type").equals(sourceType)) {
        throw ApiError.invalidField(prefix + "output_config.destination.source_id", "names no " + sourceType + " source of yours");
      }
      if (!rows.iterator().next().getBoolean("is_active")) {
        throw TohungaErrors.SOURCE_INACTIVE.error("the output's source " + id + " is deactivated");
      }
      return null;
    });
  }

  /** Replaces each {@code {step_id?, transformation_id}} with the saved transformation's steps (its step ids prefixed). */
  private Future<JsonArray> expand(JsonArray steps, UUID ownerFilter, String prefix) {
    Set<UUID> ids = new LinkedHashSet<>();
    for (int i = 0; i < steps.size(); i++) {
      if (steps.getValue(i) instanceof JsonObject step && step.containsKey("transformation_id")) {
        JsonFields.ofBody(step, prefix + "pipeline_steps[" + i + "]").onlyKnown(List.of("step_id", "transformation_id"));
        try {
          ids.add(UUID.fromString(String.valueOf(step.getValue("transformation_id"))));
        } catch (IllegalArgumentException e) {
          throw ApiError.invalidField(prefix + "pipeline_steps[" + i + "].transformation_id", "must be a transformation id (a UUID)");
        }
      }
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture(steps);
    }
    return store.many(TohungaStore.TRANSFORMATIONS_BY_ID, Tuple.of(ids.toArray(new UUID[0]), ownerFilter), TohungaStore::transformation)
        .map(found -> {
          Map<String, JsonArray> byId = new HashMap<>();
          found.forEach(t -> byId.put(((JsonObject) t).getString("transformation_id"), ((JsonObject) t).getJsonArray("steps")));
          JsonArray expanded = new JsonArray();
          for (int i = 0; i < steps.size(); i++) {
            Object value = steps.getValue(i);
            if (value instanceof JsonObject step && step.containsKey("transformation_id")) {
              JsonArray saved = byId.get(UUID.fromString(String.valueOf(step.getValue("transformation_id"))).toString());
              if (saved == null) {
                throw ApiError.invalidField(prefix + "pipeline_steps[" + i + "].transformation_id", "names no saved transformation of yours");
              }
              String stepPrefix = step.getString("step_id", "t" + i);
              for (Object inner : saved) {
                JsonObject copy = ((JsonObject) inner).copy();
                copy.put("step_id", stepPrefix + "." + copy.getString("step_id", "step-" + (expanded.size() + 1)));
                expanded.add(copy);
              }
            } else {
              expanded.add(value);
            }
          }
          return expanded;
        });
  }
}
