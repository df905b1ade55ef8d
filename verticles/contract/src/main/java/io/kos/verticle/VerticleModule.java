package io.kos.verticle;

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

  /** A new instance; the node deploys as many as configured. */
  KosVerticle create();

  /** What this verticle offers the network, published in {@code /klf/v1/capabilities}. */
  default List<String> capabilities() {
    return List.of();
  }
}
