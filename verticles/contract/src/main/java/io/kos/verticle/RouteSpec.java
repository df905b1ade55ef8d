package io.kos.verticle;

import io.vertx.core.http.HttpMethod;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One HTTP route of a verticle: {@code method /api/<verticle>/v1<path>} is served by the event-bus
 * consumer at {@code kos.<verticle>.<operation>}. Path parameters use the {@code :name} syntax.
 *
 * @param successStatus status of a successful reply unless the handler returns an {@link ApiResponse}
 * @param anonymous     true when the route does not require an authenticated caller
 * @param binary        true when the body is bytes of any type (a file's chunk), not JSON: the
 *                      handler reads it with {@link ApiRequest#bodyBytes()}
 */
public record RouteSpec(HttpMethod method, String path, String operation, int successStatus, boolean anonymous, boolean binary) {

  private static final Pattern PATH = Pattern.compile("(/[a-z0-9_.:-]+)+|/");

  public RouteSpec {
    Objects.requireNonNull(method, "method");
    if (path == null || !PATH.matcher(path).matches()) {
      throw new IllegalArgumentException("route path must be lowercase segments starting with '/': " + path);
    }
    Addresses.requireOperation(operation);
    if (successStatus < 200 || successStatus > 299) {
      throw new IllegalArgumentException("success status must be 2xx: " + successStatus);
    }
  }

  public static RouteSpec get(String path, String operation) {
    return new RouteSpec(HttpMethod.GET, path, operation, 200, false, false);
  }

  public static RouteSpec post(String path, String operation) {
    return new RouteSpec(HttpMethod.POST, path, operation, 200, false, false);
  }

  public static RouteSpec put(String path, String operation) {
    return new RouteSpec(HttpMethod.PUT, path, operation, 200, false, false);
  }

  public static RouteSpec patch(String path, String operation) {
    return new RouteSpec(HttpMethod.PATCH, path, operation, 200, false, false);
  }

  public static RouteSpec delete(String path, String operation) {
    return new RouteSpec(HttpMethod.DELETE, path, operation, 204, false, false);
  }

  public RouteSpec status(int status) {
    return new RouteSpec(method, path, operation, status, anonymous, binary);
  }

  public RouteSpec anonymousAccess() {
    return new RouteSpec(method, path, operation, successStatus, true, binary);
  }

  /** The body is taken as bytes, whatever its content type (a file's chunk). */
  public RouteSpec binaryBody() {
    return new RouteSpec(method, path, operation, successStatus, anonymous, true);
  }
}
