package io.kos.node.testkit;

import io.kos.verticle.ErrorCode;
import io.kos.verticle.Errors;
import io.kos.verticle.RouteSpec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * An OpenAPI document as a node serves it at {@code /api/<owner>/v1/openapi.json}, loaded by
 * vertx-openapi (which refuses an invalid OpenAPI 3.1 document), to hold routes and real answers to it.
 */
public final class ApiContract {

  private final JsonObject document;
  private final OpenAPIContract contract;
  private final ResponseValidator validator;

  private ApiContract(JsonObject document, OpenAPIContract contract, ResponseValidator validator) {
    this.document = document;
    this.contract = contract;
    this.validator = validator;
  }

  /** The document {@code owner} (a verticle, or {@code auth}) publishes on this node, fetched without a credential. */
  public static ApiContract served(TestNode node, String owner) {
    Http.Response served = node.http().get("/api/" + owner + "/v1/openapi.json");
    if (served.status() != 200) {
      throw new AssertionError("no OpenAPI document for " + owner + ": " + served);
    }
    OpenAPIContract contract = OpenAPIContract.from(node.node().vertx(), withoutStreamedBodies(served.json())).await();
    return new ApiContract(served.json(), contract, ResponseValidator.create(node.node().vertx(), contract));
  }

  /** Media types of streamed answers (files, Server-Sent Events) that vertx-openapi 5.0 cannot load; their bodies are not validated. */
  private static final Set<String> STREAMED = Set.of("text/event-stream", "application/x-ndjson", "text/csv; charset=utf-8");

  /** A copy of the document without the streamed media types, so that vertx-openapi loads it; the document served keeps them. */
  private static JsonObject withoutStreamedBodies(JsonObject document) {
    JsonObject copy = document.copy();
    for (String path : copy.getJsonObject("paths").fieldNames()) {
      JsonObject item = copy.getJsonObject("paths").getJsonObject(path);
      for (String method : item.fieldNames()) {
        // a path item also holds parameters (a list) and a summary: only operations have responses
        JsonObject responses = item.getValue(method) instanceof JsonObject operation ? operation.getJsonObject("responses") : null;
        if (responses == null) {
          continue;
        }
        for (String status : responses.fieldNames()) {
          JsonObject content = responses.getJsonObject(status).getJsonObject("content");
          if (content != null) {
            STREAMED.forEach(content::remove);
            if (content.isEmpty()) {
              responses.getJsonObject(status).remove("content");
            }
          }
        }
      }
    }
    return copy;
  }

  /**
   * The {@code Error} schema's {@code error} enum is exactly the common codes and {@code own}: every
   * code the owner can answer is documented, and no code that none of the code makes.
   */
  public void listsErrorCodes(List<ErrorCode> own) {
    JsonArray listed = document.getJsonObject("components").getJsonObject("schemas").getJsonObject("Error")
        .getJsonObject("properties").getJsonObject("error").getJsonArray("enum");
    Set<String> expected = new TreeSet<>();
    Errors.COMMON.forEach(code -> expected.add(code.code()));
    own.forEach(code -> expected.add(code.code()));
    Set<String> documented = listed == null ? Set.of() : new TreeSet<>(listed.stream().map(String::valueOf).toList());
    if (!documented.equals(expected)) {
      throw new AssertionError("the Error.error enum should be " + expected + " but is " + documented);
    }
  }

  /** Each route is one operation with the same method, path and name ({@code operationId}), and there is no other. */
  public void coversExactly(List<RouteSpec> routes) {
    for (RouteSpec route : routes) {
      Operation operation = contract.operation(route.operation());
      String path = route.path().replaceAll(":([a-z_]+)", "{$1}");
      if (operation == null || !operation.getHttpMethod().equals(route.method()) || !operation.getOpenAPIPath().equals(path)) {
        throw new AssertionError("route " + route.method() + " " + path + " (" + route.operation() + ") is not in the document as such");
      }
    }
    if (contract.operations().size() != routes.size()) {
      throw new AssertionError("the document has " + contract.operations().size() + " operations for " + routes.size() + " routes");
    }
  }

  /** The answer has the status expected and matches what the document says of that operation and status. */
  public void conforms(String operation, Http.Response response, int status) {
    if (response.status() != status) {
      throw new AssertionError(operation + ": expected " + status + ", got " + response);
    }
    ValidatableResponse answer = response.text().isEmpty() ? ValidatableResponse.create(status)
        : ValidatableResponse.create(status, Buffer.buffer(response.text()), "application/json");
    try {
      validator.validate(answer, operation).await();
    } catch (RuntimeException e) {
      throw new AssertionError(operation + " " + status + " does not match the document: " + e.getMessage() + "\n" + response.text(), e);
    }
  }
}
