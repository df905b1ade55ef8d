package io.kos.tohunga;

import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.kos.verticle.outbound.OutboundGuard;
import io.vertx.core.json.JsonObject;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A job's output to an S3 bucket (output_config.destination {@code {type: s3, source_id, key}}):
 * the result is written to the asset store as always, then, once complete on disk, put to the
 * bucket of an {@code s3_bucket} source (its credentials) under its prefix and {@code key}, a
 * template of {@code {job_id}}, {@code {date}} (UTC, yyyy-MM-dd) and {@code {ext}} (jsonl, csv).
 */
record S3Output(UUID sourceId, String key) {

  private static final Pattern KEY = Pattern.compile("([A-Za-z0-9!_.*'()/-]|\\{job_id}|\\{date}|\\{ext})+");

  static S3Output parse(JsonObject destination, String at) {
    JsonFields fields = JsonFields.ofBody(destination, at).onlyKnown(List.of("type", "source_id", "key"));
    UUID source;
    try {
      source = UUID.fromString(fields.string("source_id", null, 36));
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidField(at + ".source_id", "must be the id of an s3_bucket source (its bucket and credentials)");
    }
    String key = fields.string("key", "{job_id}.{ext}", 900);
    if (!KEY.matcher(key).matches() || key.startsWith("/") || key.contains("//") || key.contains("..")) {
      throw ApiError.invalidField(at + ".key", "must be an object key of letters, digits, / ! _ . * ' ( ) - and the placeholders "
          + "{job_id}, {date}, {ext}");
    }
    return new S3Output(source, key);
  }

  JsonObject toJson() {
    return new JsonObject().put("type", "s3").put("source_id", sourceId.toString()).put("key", key);
  }

  /** The key of this job's object under the source's prefix. */
  String objectKey(S3Source.Config bucket, UUID jobId, String format) {
    return bucket.prefix() + key.replace("{job_id}", jobId.toString()).replace("{date}", LocalDate.now(ZoneOffset.UTC).toString())
        .replace("{ext}", format.equals("csv") ? "csv" : "jsonl");
  }

  /** Puts the finished file; blocking (a worker thread). Fails with OUTPUT_WRITE_ERROR. */
  static void put(S3Source.Config bucket, OutboundGuard guard, String objectKey, Path file, String contentType) {
    S3Source.check(bucket, guard, JobFailure.OUTPUT_WRITE_ERROR);
    try (S3Client client = bucket.client(60_000)) {
      client.putObject(PutObjectRequest.builder().bucket(bucket.bucket()).key(objectKey).contentType(contentType).build(), RequestBody.fromFile(file));
    } catch (RuntimeException e) {
      JobFailure failure = S3Source.failure("s3://" + bucket.bucket() + "/" + objectKey, e);
      throw new JobFailure(JobFailure.OUTPUT_WRITE_ERROR, failure.getMessage());
    }
  }
}
