package io.kos.tohunga;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kos.verticle.ApiError;
import io.kos.verticle.JsonFields;
import io.kos.verticle.outbound.OutboundException;
import io.kos.verticle.outbound.OutboundHttp;
import io.netty.handler.codec.http.QueryStringEncoder;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code http_api} source: pages fetched one after another through the outbound guard, each
 * read whole (up to {@code page_max_bytes}) and parsed off the event loop; pagination by offset,
 * page number, a cursor or a next URL in the body, or the {@code Link} header; a token bucket per
 * source; 429, 5xx, timeouts and dropped connections retried with jittered backoff, honouring
 * {@code Retry-After}.
 */
final class HttpSource implements RecordSource {

  private static final Pattern LINK_NEXT = Pattern.compile("<([^>]*)>\\s*;[^,]*rel=\"?next\"?", Pattern.CASE_INSENSITIVE);
  private static final long MAX_RETRY_AFTER_MS = 300_000;

  /** The source's {@code connection_config}, opened. */
  record Config(String baseUrl, Map<String, String> headers, long timeoutMs, String recordsPath, Pagination pagination,
                double requestsPerSecond, int burst, int maxAttempts) {

    static Config parse(JsonObject config) {
      String at = "connection_config";
      JsonFields fields = JsonFields.ofBody(config, at).onlyKnown(List.of("base_url", "headers", "auth", "timeout_ms", "records_path",
          "pagination", "rate_limit", "max_attempts"));
      String baseUrl = fields.string("base_url", null, 2000);
      String problem = OutboundHttp.urlProblem(baseUrl);
      if (problem != null) {
        throw ApiError.invalidField(at + ".base_url", problem);
      }
      if (URI.create(baseUrl).getRawQuery() != null) {
        throw ApiError.invalidField(at + ".base_url", "must not carry a query; put it in request_params.query_params");
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (Map.Entry<String, Object> header : fields.object("headers", new JsonObject())) {
        if (!header.getKey().matches("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}") || !(header.getValue() instanceof String value)
            || value.length() > 8000 || value.contains("\r") || value.contains("\n")) {
          throw ApiError.invalidField(at + ".headers." + header.getKey(), "must be a header name with a one-line string value");
        }
        headers.put(header.getKey(), value);
      }
      JsonObject auth = fields.object("auth", new JsonObject());
      JsonFields authFields = JsonFields.ofBody(auth, at + ".auth");
      String type = authFields.string("type", "none", 20);
      switch (type) {
        case "none" -> authFields.onlyKnown(List.of("type"));
        case "bearer" -> {
          authFields.onlyKnown(List.of("type", "token"));
          headers.put("Authorization", "Bearer " + authFields.string("token", null, 8000));
        }
        case "api_key" -> {
          authFields.onlyKnown(List.of("type", "header", "value"));
          String header = authFields.string("header", "X-API-Key", 100);
          if (!header.matches("[A-Za-z0-9-]{1,100}")) {
            throw ApiError.invalidField(at + ".auth.header", "must be a header name");
          }
          headers.put(header, authFields.string("value", null, 8000));
        }
        case "basic" -> {
          authFields.onlyKnown(List.of("type", "username", "password"));
          String user = authFields.string("username", null, 500);
          if (user.contains(":")) {
            throw ApiError.invalidField(at + ".auth.username", "must not contain ':'");
          }
          headers.put("Authorization", "Basic " + Base64.getEncoder().encodeToString(
              (user + ":" + authFields.string("password", null, 8000)).getBytes(StandardCharsets.UTF_8)));
        }
        default -> throw ApiError.invalidField(at + ".auth.type", "must be none, bearer, api_key or basic, not '" + type + "'");
      }
      String recordsPath = fields.string("records_path", "", 500);
      if (!recordsPath.isEmpty() && Rows.pathProblem(recordsPath) != null) {
        throw ApiError.invalidField(at + ".records_path", Rows.pathProblem(recordsPath));
      }
      JsonObject rate = fields.object("rate_limit", new JsonObject());
      JsonFields rateFields = JsonFields.ofBody(rate, at + ".rate_limit").onlyKnown(List.of("requests_per_second", "burst"));
      Object perSecond = rate.getValue("requests_per_second");
      if (perSecond != null && (!(perSecond instanceof Number n) || n.doubleValue() < 0.01 || n.doubleValue() > 10_000)) {
        throw ApiError.invalidField(at + ".rate_limit.requests_per_second", "must be a number from 0.01 to 10000");
      }
      return new Config(baseUrl, headers, fields.integer("timeout_ms", 10_000L, 100, 300_000), recordsPath,
          Pagination.parse(fields.object("pagination", new JsonObject()), at + ".pagination"),
          perSecond == null ? 0 : ((Number) perSecond).doubleValue(), rateFields.intValue("burst", 1, 1, 1000),
          fields.intValue("max_attempts", 5, 1, 20));
    }
  }

  /** How pages follow one another. */
  record Pagination(String type, int limit, String limitParam, String offsetParam, String pageParam, long firstPage,
                    String cursorParam, String cursorPath, String nextUrlPath, String totalPath, long maxPages) {

    static final List<String> TYPES = List.of("none", "offset", "page", "cursor", "next_url", "link_header");

    static Pagination parse(JsonObject pagination, String at) {
      JsonFields fields = JsonFields.ofBody(pagination, at).onlyKnown(List.of("type", "limit", "limit_param", "offset_param", "page_param",
          "first_page", "cursor_param", "cursor_path", "next_url_path", "total_path", "max_pages"));
      String type = fields.string("type", "none", 20);
      if (!TYPES.contains(type)) {
        throw ApiError.invalidField(at + ".type", "must be one of " + String.join(", ", TYPES));
      }
      String cursorPath = fields.string("cursor_path", "", 500);
      String nextUrlPath = fields.string("next_url_path", "", 500);
      String totalPath = fields.string("total_path", "", 500);
      if (type.equals("cursor") && cursorPath.isEmpty()) {
        throw ApiError.invalidField(at + ".cursor_path", "is required with type cursor (where the body holds the next cursor)");
      }
      if (type.equals("next_url") && nextUrlPath.isEmpty()) {
        throw ApiError.invalidField(at + ".next_url_path", "is required with type next_url (where the body holds the next page's URL)");
      }
      for (String[] path : new String[][] {{"cursor_path", cursorPath}, {"next_url_path", nextUrlPath}, {"total_path", totalPath}}) {
        if (!path[1].isEmpty() && Rows.pathProblem(path[1]) != null) {
          throw ApiError.invalidField(at + "." + path[0], Rows.pathProblem(path[1]));
        }
      }
      return new Pagination(type, fields.intValue("limit", 100, 1, 100_000), param(fields, "limit_param", "limit"),
          param(fields, "offset_param", "offset"), param(fields, "page_param", "page"), fields.integer("first_page", 1L, 0, 1_000_000),
          param(fields, "cursor_param", "cursor"), cursorPath, nextUrlPath, totalPath, fields.integer("max_pages", 1_000_000L, 1, 100_000_000));
    }

    private static String param(JsonFields fields, String key, String defaultName) {
      String name = fields.string(key, defaultName, 100);
      if (name.isEmpty()) {
        throw fields.invalid(key, "must not be empty");
      }
      return name;
    }
  }

  /** A job's {@code request_params}: what to ask the API for. */
  record Request(String path, Map<String, String> query, HttpMethod method, Buffer body) {

    static Request parse(JsonObject params) {
      String at = "request_params";
      JsonFields fields = JsonFields.ofBody(params, at).onlyKnown(List.of("path", "query_params", "method", "body"));
      String path = fields.string("path", "", 2000);
      if (!path.isEmpty() && (!path.startsWith("/") || path.contains("?") || path.contains("#") || path.contains("..")
          || path.startsWith("//"))) {
        throw ApiError.invalidField(at + ".path", "must be a path starting with '/' (no query, fragment or '..'); it is appended to base_url");
      }
      Map<String, String> query = new LinkedHashMap<>();
      for (Map.Entry<String, Object> entry : fields.object("query_params", new JsonObject())) {
        Object value = entry.getValue();
        if (!(value instanceof String) && !(value instanceof Number) && !(value instanceof Boolean)) {
          throw ApiError.invalidField(at + ".query_params." + entry.getKey(), "must be a string, number or boolean");
        }
        query.put(entry.getKey(), String.valueOf(value));
      }
      String method = fields.string("method", "GET", 10);
      if (!method.equals("GET") && !method.equals("POST")) {
        throw ApiError.invalidField(at + ".method", "must be GET or POST, not '" + method + "'");
      }
      Object body = params.getValue("body");
      if (body != null && method.equals("GET")) {
        throw ApiError.invalidField(at + ".body", "is sent only with method POST");
      }
      return new Request(path, query, HttpMethod.valueOf(method), body == null ? null : io.vertx.core.json.Json.encodeToBuffer(body));
    }
  }

  private final Vertx vertx;
  private final OutboundHttp http;
  private final Config config;
  private final Request request;
  private final InputFormat format;
  private final TokenBucket bucket;
  private final int maxPageBytes;
  private final long backoffBaseMs;
  private final long backoffCapMs;
  private final String origin;
  private String nextUrl;
  private long offset;
  private long page;
  private long pages;
  private String lastCursor;
  private boolean done;

  HttpSource(Vertx vertx, OutboundHttp http, Config config, Request request, InputFormat format, TokenBucket bucket,
             TohungaSettings settings) {
    this.vertx = vertx;
    this.http = http;
    this.config = config;
    this.request = request;
    this.format = format;
    this.bucket = bucket;
    this.maxPageBytes = settings.pageMaxBytes();
    this.backoffBaseMs = settings.backoffBaseMs();
    this.backoffCapMs = settings.backoffCapMs();
    URI base = URI.create(config.baseUrl());
    this.origin = base.getScheme().toLowerCase() + "://" + base.getRawAuthority().toLowerCase();
    this.page = config.pagination().firstPage();
    this.nextUrl = firstUrl();
  }

  private String firstUrl() {
    Pagination p = config.pagination();
    return switch (p.type()) {
      case "offset" -> url(p.offsetParam(), "0", true);
      case "page" -> url(p.pageParam(), Long.toString(p.firstPage()), true);
      case "cursor" -> url(null, null, true);
      default -> url(null, null, false);
    };
  }

  /** The base URL and path with the job's query, a pagination parameter when named, and the page size when asked. */
  private String url(String name, String value, boolean withLimit) {
    String base = config.baseUrl().endsWith("/") && request.path().startsWith("/")
        ? config.baseUrl().substring(0, config.baseUrl().length() - 1) : config.baseUrl();
    QueryStringEncoder url = new QueryStringEncoder(base + request.path(), StandardCharsets.UTF_8);
    request.query().forEach(url::addParam);
    if (name != null) {
      url.addParam(name, value);
    }
    if (withLimit) {
      url.addParam(config.pagination().limitParam(), Integer.toString(config.pagination().limit()));
    }
    return url.toString();
  }

  @Override
  public Future<Page> next() {
    if (done || nextUrl == null) {
      return Future.succeededFuture(null);
    }
    if (pages >= config.pagination().maxPages()) {
      return Future.failedFuture(new JobFailure(JobFailure.SOURCE_ERROR, "more than pagination.max_pages ("
          + config.pagination().maxPages() + ") pages"));
    }
    String url = nextUrl;
    return fetch(url, 1).compose(reply -> vertx.executeBlocking(() -> parse(reply), false)).map(parsed -> {
      pages++;
      advance(parsed);
      return new Page(parsed.rows, parsed.total, parsed.bytes);
    });
  }

  private record Parsed(List<ObjectNode> rows, Long total, String cursor, String next, String link, long bytes) {
  }

  private Parsed parse(OutboundHttp.Reply reply) throws JobFailure {
    Buffer body = reply.body();
    try (var in = new java.io.ByteArrayInputStream(body.getBytes())) {
      if (!format.isDocument()) {
        return new Parsed(format.lines(in), null, null, null, reply.header("link"), body.length());
      }
      JsonNode tree = format.document(in);
      JsonNode records = config.recordsPath().isEmpty() ? tree : Rows.get(tree, Rows.path(config.recordsPath()));
      List<ObjectNode> rows = new ArrayList<>();
      if (records == null) {
        throw new JobFailure(JobFailure.SOURCE_ERROR, "the answer of " + reply.url() + " has no '" + config.recordsPath() + "' (records_path)");
      }
      if (records.isArray()) {
        int i = 0;
        for (JsonNode record : records) {
          if (!(record instanceof ObjectNode object)) {
            throw new JobFailure(JobFailure.SOURCE_ERROR, "record " + i + " of " + reply.url() + " is not a JSON object");
          }
          rows.add(object);
          i++;
        }
      } else if (records instanceof ObjectNode object) {
        rows.add(object);
      } else {
        throw new JobFailure(JobFailure.SOURCE_ERROR, "the records of " + reply.url() + " are neither a list nor an object");
      }
      Pagination p = config.pagination();
      JsonNode total = p.totalPath().isEmpty() ? null : Rows.get(tree, Rows.path(p.totalPath()));
      JsonNode cursor = p.cursorPath().isEmpty() ? null : Rows.get(tree, Rows.path(p.cursorPath()));
      JsonNode next = p.nextUrlPath().isEmpty() ? null : Rows.get(tree, Rows.path(p.nextUrlPath()));
      return new Parsed(rows, total != null && total.canConvertToLong() ? total.asLong() : null,
          cursor != null && cursor.isValueNode() && !cursor.isNull() ? cursor.asText() : null,
          next != null && next.isTextual() ? next.textValue() : null, reply.header("link"), body.length());
    } catch (IOException e) {
      throw new JobFailure(JobFailure.SOURCE_ERROR, "the answer of " + reply.url() + " is not valid " + format.from() + ": "
          + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  /** Works out the next page's URL, or that there is none. */
  private void advance(Parsed parsed) {
    Pagination p = config.pagination();
    int count = parsed.rows().size();
    switch (p.type()) {
      case "offset" -> {
        offset += count;
        nextUrl = count < p.limit() ? null : url(p.offsetParam(), Long.toString(offset), true);
      }
      case "page" -> {
        page++;
        nextUrl = count < p.limit() || count == 0 ? null : url(p.pageParam(), Long.toString(page), true);
      }
      case "cursor" -> {
        String cursor = parsed.cursor();
        nextUrl = cursor == null || cursor.isEmpty() || cursor.equals(lastCursor) ? null : url(p.cursorParam(), cursor, true);
        lastCursor = cursor;
      }
      case "next_url" -> nextUrl = sameOrigin(parsed.next());
      case "link_header" -> {
        Matcher link = parsed.link() == null ? null : LINK_NEXT.matcher(parsed.link());
        nextUrl = link != null && link.find() ? sameOrigin(link.group(1)) : null;
      }
      default -> nextUrl = null;
    }
    if (nextUrl == null) {
      done = true;
    }
  }

  /**
   * The next URL resolved against the base; one on another origin is refused (the source's
   * credentials go only where the source says), which ends the job with SOURCE_ERROR.
   */
  private String sameOrigin(String next) {
    if (next == null || next.isEmpty()) {
      return null;
    }
    URI resolved;
    try {
      resolved = URI.create(config.baseUrl()).resolve(next);
    } catch (IllegalArgumentException e) {
      throw new JobFailure(JobFailure.SOURCE_ERROR, "the next page's URL '" + next + "' is not a URL");
    }
    String scheme = resolved.getScheme() == null ? "" : resolved.getScheme().toLowerCase();
    String authority = resolved.getRawAuthority() == null ? "" : resolved.getRawAuthority().toLowerCase();
    if (!(scheme + "://" + authority).equals(origin)) {
      throw new JobFailure(JobFailure.SOURCE_ERROR, "the next page's URL " + resolved + " leaves the source's origin " + origin);
    }
    return resolved.toString();
  }

  /** One page, retried on what may pass; the job's failure code says what did not. */
  private Future<OutboundHttp.Reply> fetch(String url, int attempt) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    config.headers().forEach(headers::add);
    if (request.body() != null) {
      headers.set("content-type", "application/json");
    }
    headers.set("accept", format.from().equals("csv") ? "text/csv, */*" : format.from().equals("xml") ? "application/xml, */*" : "application/json, */*");
    return bucket.take().compose(v -> http.send(new OutboundHttp.Request(request.method(), url, headers, request.body(),
        config.timeoutMs(), 3, maxPageBytes))).transform(done -> {
      if (done.succeeded()) {
        OutboundHttp.Reply reply = done.result();
        int status = reply.status();
        if (status >= 200 && status < 300) {
          return Future.succeededFuture(reply);
        }
        if (status == 401 || status == 403) {
          return Future.failedFuture(new JobFailure(JobFailure.SOURCE_AUTH_FAILED, url + " answered HTTP " + status
              + ": the source's credentials were refused"));
        }
        boolean retryable = status == 408 || status == 429 || status >= 500;
        if (!retryable || attempt >= config.maxAttempts()) {
          return Future.failedFuture(new JobFailure(retryable ? JobFailure.SOURCE_UNREACHABLE : JobFailure.SOURCE_ERROR,
              url + " answered HTTP " + status + (retryable ? " " + attempt + " times" : "")));
        }
        long after = OutboundHttp.retryAfterMs(reply.header("retry-after"));
        if (after > MAX_RETRY_AFTER_MS) {
          return Future.failedFuture(new JobFailure(JobFailure.SOURCE_UNREACHABLE, url + " answered HTTP " + status
              + " with Retry-After " + after / 1000 + " s, longer than a job waits (" + MAX_RETRY_AFTER_MS / 1000 + " s)"));
        }
        return retryAfter(after >= 0 ? after : backoff(attempt), url, attempt);
      }
      Throwable failure = done.cause();
      if (failure instanceof OutboundException outbound && !outbound.isTransient()) {
        return Future.failedFuture(new JobFailure(JobFailure.SOURCE_UNREACHABLE, outbound.getMessage()));
      }
      if (attempt >= config.maxAttempts()) {
        boolean timeout = failure instanceof TimeoutException;
        return Future.failedFuture(new JobFailure(timeout ? JobFailure.TIMEOUT : JobFailure.SOURCE_UNREACHABLE, url + ": "
            + (timeout ? "no complete answer within timeout_ms (" + config.timeoutMs() + " ms)" : String.valueOf(failure.getMessage()))
            + ", " + attempt + " attempts"));
      }
      return retryAfter(backoff(attempt), url, attempt);
    });
  }

  private Future<OutboundHttp.Reply> retryAfter(long delayMs, String url, int attempt) {
    Promise<Void> wait = Promise.promise();
    vertx.setTimer(Math.max(1, delayMs), id -> wait.complete());
    return wait.future().compose(v -> fetch(url, attempt + 1));
  }

  private long backoff(int attempt) {
    return TohungaSettings.fullJitter(backoffBaseMs, backoffCapMs, attempt);
  }

  /**
   * One request to the job's path (the base URL when none), without retries: the source is reachable
   * and takes the credentials unless it refuses them (401, 403), fails (5xx) or cannot be reached.
   * Any other answer, 404 included, proves both: the route exists to be asked.
   */
  @Override
  public Future<Void> test() {
    return fetch(nextUrl, config.maxAttempts()).<Void>mapEmpty().recover(failure ->
        failure instanceof JobFailure job && job.code().equals(JobFailure.SOURCE_ERROR) && job.getMessage().contains("answered HTTP 4")
            ? Future.succeededFuture() : Future.failedFuture(failure));
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
