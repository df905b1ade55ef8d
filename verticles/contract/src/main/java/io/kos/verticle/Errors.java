package io.kos.verticle;

import java.util.List;

/**
 * The error codes any route of any verticle can answer: those of the contract itself (request
 * parsing, scoping, the failure mapping of {@link KosVerticle#serve}) and those of the node's
 * ingress in front of every route (authentication, routing, the event-bus hop). A verticle adds its
 * own in {@link VerticleModule#errorCodes()}.
 */
public final class Errors {

  public static final ErrorCode INVALID_PARAMETER = new ErrorCode("invalid_parameter", 400,
      "a path or query parameter is malformed or out of range; `parameter` names it", "fix the parameter as the message says");
  public static final ErrorCode INVALID_BODY = new ErrorCode("invalid_body", 400,
      "the body is not the JSON value the route takes (for example an array where an object is expected)",
      "send the body the route's OpenAPI document describes");
  public static final ErrorCode MALFORMED_JSON = new ErrorCode("malformed_json", 400, "the body is not valid JSON",
      "send valid JSON (UTF-8)");
  public static final ErrorCode BAD_REQUEST = new ErrorCode("bad_request", 400, "the HTTP request itself is malformed",
      "check the request line and headers");
  public static final ErrorCode AMBIGUOUS_CREDENTIALS = new ErrorCode("ambiguous_credentials", 400,
      "the request carries both a bearer token and an API key", "send one of them");
  public static final ErrorCode UNAUTHORIZED = new ErrorCode("unauthorized", 401, "the route needs a credential and none was sent",
      "send `Authorization: Bearer <access token>` or `X-API-Key: <key>`");
  public static final ErrorCode INVALID_TOKEN = new ErrorCode("invalid_token", 401,
      "the bearer token is not a valid access token of this node (or of its cluster)", "log in again for a new access token");
  public static final ErrorCode TOKEN_EXPIRED = new ErrorCode("token_expired", 401, "the access token has expired",
      "get a new one with `POST /api/auth/v1/refresh`");
  public static final ErrorCode INVALID_API_KEY = new ErrorCode("invalid_api_key", 401, "the API key is unknown, revoked or expired",
      "create a new key (`POST /api/auth/v1/api-keys`)");
  public static final ErrorCode ACCOUNT_DISABLED = new ErrorCode("account_disabled", 403, "the account behind the credential is disabled",
      "ask an admin to enable it");
  public static final ErrorCode READ_ONLY = new ErrorCode("read_only", 403, "a viewer may read but not change anything",
      "use an editor's or an admin's credential");
  public static final ErrorCode ADMIN_ONLY = new ErrorCode("admin_only", 403, "only an admin may do this", "use an admin's credential");
  public static final ErrorCode NOT_FOUND = new ErrorCode("not_found", 404,
      "no such route, or no such resource visible to the caller (another owner's looks the same)", "check the path and the id");
  public static final ErrorCode METHOD_NOT_ALLOWED = new ErrorCode("method_not_allowed", 405, "the route does not take this method",
      "use a method the API index lists for the path");
  public static final ErrorCode REQUEST_TIMEOUT = new ErrorCode("request_timeout", 408,
      "the request body did not arrive within `http.body_timeout` (the connection is closed)", "send the body without pauses");
  public static final ErrorCode PAYLOAD_TOO_LARGE = new ErrorCode("payload_too_large", 413,
      "the body is larger than the node's `http.body_limit`", "send a smaller body (split a batch)");
  public static final ErrorCode UNSUPPORTED_MEDIA_TYPE = new ErrorCode("unsupported_media_type", 415, "the body is not `application/json`",
      "send `Content-Type: application/json`");
  public static final ErrorCode URI_TOO_LONG = new ErrorCode("uri_too_long", 414, "the request line is longer than 8192 bytes",
      "send long parameters in a body");
  public static final ErrorCode HEADERS_TOO_LARGE = new ErrorCode("headers_too_large", 431, "the request headers are larger than 8 KiB",
      "send fewer or shorter headers");
  public static final ErrorCode INVALID_FIELD = new ErrorCode("invalid_field", 422, "a body field is missing or invalid; `field` names it",
      "fix the field as the message says");
  public static final ErrorCode INTERNAL_ERROR = new ErrorCode("internal_error", 500,
      "an unexpected failure (a bug); the node logs it with the request id", "report it with the `X-Request-Id` of the response");
  public static final ErrorCode HTTP_VERSION_NOT_SUPPORTED = new ErrorCode("http_version_not_supported", 501,
      "the request's HTTP version is neither 1.0 nor 1.1", "speak HTTP/1.1");
  public static final ErrorCode DATABASE_UNAVAILABLE = new ErrorCode("database_unavailable", 503, "the database cannot be reached right now",
      "retry after `Retry-After` seconds");
  public static final ErrorCode STARTING = new ErrorCode("starting", 503, "the node is still starting", "retry after `Retry-After` seconds");
  public static final ErrorCode VERTICLE_UNAVAILABLE = new ErrorCode("verticle_unavailable", 503,
      "no node of the cluster deploys the route's verticle right now", "retry after `Retry-After` seconds, or deploy the verticle");
  public static final ErrorCode TIMEOUT = new ErrorCode("timeout", 504, "the verticle did not answer within `http.request_timeout`",
      "retry; if it persists, see the node log");

  /** Every code above, in status order. */
  public static final List<ErrorCode> COMMON = List.of(INVALID_PARAMETER, INVALID_BODY, MALFORMED_JSON, BAD_REQUEST, AMBIGUOUS_CREDENTIALS,
      UNAUTHORIZED, INVALID_TOKEN, TOKEN_EXPIRED, INVALID_API_KEY, ACCOUNT_DISABLED, READ_ONLY, ADMIN_ONLY, NOT_FOUND,
      METHOD_NOT_ALLOWED, REQUEST_TIMEOUT, PAYLOAD_TOO_LARGE, URI_TOO_LONG, UNSUPPORTED_MEDIA_TYPE, INVALID_FIELD, HEADERS_TOO_LARGE,
      INTERNAL_ERROR, HTTP_VERSION_NOT_SUPPORTED, DATABASE_UNAVAILABLE, STARTING,
      VERTICLE_UNAVAILABLE, TIMEOUT);

  private Errors() {
  }

  /** The reference table of docs/errors.md for these codes: code, status, meaning, what to do. */
  public static String markdownTable(List<ErrorCode> codes) {
    StringBuilder table = new StringBuilder("| code | status | meaning | what to do |\n|---|---|---|---|\n");
    for (ErrorCode code : codes) {
      table.append("| `").append(code.code()).append("` | ").append(code.status()).append(" | ")
          .append(code.meaning().replace("|", "\\|")).append(" | ").append(code.remedy().replace("|", "\\|")).append(" |\n");
    }
    return table.toString();
  }
}
