package io.kos.verticle;

/** A handler result with an explicit status, for routes whose success status varies (200 vs 201). */
public record ApiResponse(int status, Object body) {

  public static ApiResponse of(int status, Object body) {
    return new ApiResponse(status, body);
  }
}
