package io.kos.tohunga;

import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.kos.verticle.outbound.OutboundGuard;
import io.kos.verticle.outbound.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;

/**
 * An {@code s3_bucket} source: the objects under a prefix, in key order, each streamed record by
 * record ({@link StreamSource}: JSON, JSON Lines, CSV by the key's extension unless a
 * format_conversion step says, {@code .gz} decompressed). The AWS SDK's blocking client on worker
 * threads; the endpoint's host is checked by the outbound guard before the job reads (the SDK
 * resolves it again when it connects).
 */
final class S3Source implements RecordSource {

  /** The source's {@code connection_config}, opened. */
  record Config(URI endpoint, String region, String bucket, String prefix, String accessKeyId, String secretAccessKey, String sessionToken,
                boolean pathStyle) {

    static Config parse(JsonObject config) {
      String at = "connection_config";
      JsonFields fields = JsonFields.ofBody(config, at).onlyKnown(List.of("endpoint", "region", "bucket", "prefix", "access_key_id",
          "secret_access_key", "session_token", "path_style"));
      String endpoint = fields.string("endpoint", "", 500);
      if (!endpoint.isEmpty() && OutboundHttp.urlProblem(endpoint) != null) {
        throw ApiError.invalidField(at + ".endpoint", OutboundHttp.urlProblem(endpoint));
      }
      String region = fields.string("region", null, 50);
      if (!region.matches("[a-z0-9-]{1,50}")) {
        throw ApiError.invalidField(at + ".region", "must be a region name such as eu-central-1");
      }
      String bucket = fields.string("bucket", null, 63);
      if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
        throw ApiError.invalidField(at + ".bucket", "must be a bucket name (3 to 63 lowercase letters, digits, dots and hyphens)");
      }
      return new Config(endpoint.isEmpty() ? null : URI.create(endpoint), region, bucket, fields.string("prefix", "", 1024),
          fields.string("access_key_id", null, 128), fields.string("secret_access_key", null, 256), fields.string("session_token", "", 4096),
          fields.bool("path_style", false));
    }

    /** The host the client connects to. */
    String host() {
      if (endpoint == null) {
        return bucket + ".s3." + region + ".amazonaws.com";
      }
      return pathStyle ? endpoint.getHost() : bucket + "." + endpoint.getHost();
    }

    S3Client client(long timeoutMs) {
      AwsCredentials credentials = sessionToken.isEmpty() ? AwsBasicCredentials.create(accessKeyId, secretAccessKey)
          : AwsSessionCredentials.create(accessKeyId, secretAccessKey, sessionToken);
      var builder = S3Client.builder().region(Region.of(region)).credentialsProvider(StaticCredentialsProvider.create(credentials))
          .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofMillis(timeoutMs)).socketTimeout(Duration.ofMillis(timeoutMs)))
          .forcePathStyle(pathStyle)
          // checksums only where S3 needs them: S3-compatible stores (MinIO, S3Proxy, ...) refuse the newer optional headers
          .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED);
      if (endpoint != null) {
        builder.endpointOverride(endpoint);
      }
      return builder.build();
    }
  }

  private final Vertx vertx;
  private final Config config;
  private final String prefix;
  private final InputFormat explicit;
  private final OutboundGuard guard;
  private final long maxWholeBytes;
  private S3Client client;
  private ArrayDeque<S3Object> objects;
  private StreamSource current;
  private long bytes;

  S3Source(Vertx vertx, Config config, String prefix, InputFormat explicit, OutboundGuard guard, long maxWholeBytes) {
    this.vertx = vertx;
    this.config = config;
    this.prefix = prefix;
    this.explicit = explicit;
    this.guard = guard;
    this.maxWholeBytes = maxWholeBytes;
  }

  /** A job's {@code request_params}: {@code {prefix}} under the source's prefix (optional). */
  static String prefix(Config config, JsonObject params) {
    return config.prefix() + JsonFields.ofBody(params, "request_params").onlyKnown(List.of("prefix")).string("prefix", "", 1024);
  }

  /** How an object's key says it is written. */
  static InputFormat formatOf(String key) {
    String name = key.endsWith(".gz") ? key.substring(0, key.length() - 3) : key;
    String type = name.endsWith(".jsonl") || name.endsWith(".ndjson") ? "json_lines" : name.endsWith(".csv") ? "csv"
        : name.endsWith(".xml") ? "xml" : "json";
    return new InputFormat(type, ',', true);
  }

  @Override
  public Future<Page> next() {
    if (objects == null) {
      return vertx.executeBlocking(this::list, false).compose(v -> next());
    }
    if (current == null) {
      S3Object object = objects.poll();
      if (object == null) {
        return Future.succeededFuture(null);
      }
      String key = object.key();
      bytes += object.size();
      current = new StreamSource(vertx, () -> open(key), explicit != null ? explicit : formatOf(key), "s3://" + config.bucket() + "/" + key,
          maxWholeBytes);
    }
    return current.next().compose(page -> {
      if (page != null) {
        return Future.succeededFuture(new Page(page.rows(), null, bytes));
      }
      StreamSource done = current;
      current = null;
      bytes = 0;
      return done.close().compose(v -> next());
    });
  }

  private java.io.InputStream open(String key) {
    try {
      java.io.InputStream in = client.getObject(GetObjectRequest.builder().bucket(config.bucket()).key(key).build());
      return key.endsWith(".gz") ? new java.util.zip.GZIPInputStream(in, 1 << 16) : in;
    } catch (java.io.IOException | RuntimeException e) {
      throw failure("s3://" + config.bucket() + "/" + key, e);
    }
  }

  /** The keys under the prefix, listed page by page (1000 a page) before the first record is read. */
  private Void list() {
    check();
    client = config.client(30_000);
    objects = new ArrayDeque<>();
    try {
      client.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(config.bucket()).prefix(prefix).build()).contents().forEach(object -> {
        if (!object.key().endsWith("/")) {
          objects.add(object);
        }
      });
    } catch (RuntimeException e) {
      throw failure("s3://" + config.bucket() + "/" + prefix, e);
    }
    return null;
  }

  private void check() {
    check(config, guard, JobFailure.SOURCE_UNREACHABLE);
  }

  /** The guard's verdict on the bucket's host; a refusal fails with {@code code}. */
  static void check(Config config, OutboundGuard guard, String code) {
    String host = config.host();
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        String refusal = guard.refusal(address);
        if (refusal != null) {
          throw new JobFailure(code, "refused to connect to " + host + ": " + refusal);
        }
      }
    } catch (java.net.UnknownHostException e) {
      throw new JobFailure(code, "cannot resolve " + host);
    }
  }

  static JobFailure failure(String where, Throwable e) {
    if (e instanceof JobFailure failure) {
      return failure;
    }
    if (e instanceof S3Exception s3) {
      int status = s3.statusCode();
      String code = status == 401 || status == 403 ? JobFailure.SOURCE_AUTH_FAILED : status >= 500 && status != 501 ? JobFailure.SOURCE_UNREACHABLE : JobFailure.SOURCE_ERROR;
      return new JobFailure(code, where + ": " + (s3.awsErrorDetails() == null ? s3.getMessage() : s3.awsErrorDetails().errorMessage())
          + " (HTTP " + status + ")");
    }
    if (e instanceof SdkClientException) {
      return new JobFailure(JobFailure.SOURCE_UNREACHABLE, where + ": " + e.getMessage());
    }
    return new JobFailure(JobFailure.SOURCE_ERROR, where + ": " + e.getMessage());
  }

  @Override
  public Future<Void> test() {
    return vertx.executeBlocking(() -> {
      check();
      client = config.client(10_000);
      try {
        client.listObjectsV2(ListObjectsV2Request.builder().bucket(config.bucket()).prefix(config.prefix()).maxKeys(1).build());
      } catch (RuntimeException e) {
        throw failure("s3://" + config.bucket(), e);
      }
      return null;
    }, false);
  }

  @Override
  public Future<Void> close() {
    Future<Void> stream = current == null ? Future.succeededFuture() : current.close();
    return stream.compose(v -> vertx.executeBlocking(() -> {
      if (client != null) {
        client.close();
      }
      return null;
    }, false));
  }
}
