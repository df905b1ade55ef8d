package io.kos.verticle;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * What a verticle module tells the node about itself. Each module lists one implementation in
 * {@code META-INF/services/io.kos.verticle.VerticleModule}; the node finds them with
 * {@link java.util.ServiceLoader}, so every node of a cluster knows every verticle's routes even
 * when it does not deploy that verticle (its HTTP ingress then forwards over the event bus).
 */
public interface VerticleModule {

  /** Lowercase name: the schema, the migration folder {@code sql/<name>}, the address and route prefix. */
  String name();

  /** HTTP routes, relative to {@code /api/<name>/v1}. */
  List<RouteSpec> routes();

  /**
   * The verticles to deploy, in order (each kind's deployment completes before the next starts, so
   * a later one may rely on an earlier one's consumers); undeployed in reverse.
   */
  List<Deployable> deployables();

  /** The error codes this module's routes answer besides {@link Errors#COMMON}; listed in docs/errors.md and its OpenAPI document. */
  default List<ErrorCode> errorCodes() {
    return List.of();
  }

  /**
   * Checks this verticle's own settings ({@code verticles.config.<name>} without the node's
   * {@code pool_size} and {@code instances}) before the node starts anything, so that a typo or a
   * bad value stops the start with one clear line instead of surfacing later or never. Throws
   * {@link IllegalArgumentException} naming the key and what is wrong; the default accepts anything.
   */
  default void checkConfig(JsonObject config) {
  }

  /**
   * The class-path resource holding this verticle's OpenAPI document, which every node serves at
   * {@code GET /api/<name>/v1/openapi.json} without a credential (it describes the API, not its
   * data); {@code openapi/<name>.json} unless overridden. A module without one serves nothing there.
   */
  default String openApiResource() {
    return "openapi/" + name() + ".json";
  }

  /**
   * The KLF task, query and command names this verticle serves, each with the operation behind it
   * (docs/klf.md). A name must be unique across the modules of the binary; the node refuses to
   * start otherwise.
   */
  default List<KlfOperation> klfOperations() {
    return List.of();
  }

  /** What this verticle offers the network, published in {@code /klf/v1/capabilities}. */
  default List<String> capabilities() {
    return List.of();
  }
}
