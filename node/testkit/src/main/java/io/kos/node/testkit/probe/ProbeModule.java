package io.kos.node.testkit.probe;

import io.kos.verticle.KosVerticle;
import io.kos.verticle.RouteSpec;
import io.kos.verticle.VerticleModule;

import java.util.List;

/**
 * A minimal verticle for the node's own tests and benchmarks (test classpath only, never in the
 * binary): a trivial route, an echo, a slow route, a failing route and a small owned table.
 */
public final class ProbeModule implements VerticleModule {

  public static final String NAME = "probe";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<RouteSpec> routes() {
    return List.of(
        RouteSpec.get("/ping", "ping"),
        RouteSpec.post("/echo", "echo"),
        RouteSpec.get("/slow", "slow"),
        RouteSpec.get("/fail", "fail"),
        RouteSpec.post("/notes", "notes.create").status(201),
        RouteSpec.get("/notes/:id", "notes.get"));
  }

  @Override
  public KosVerticle create() {
    return new ProbeVerticle();
  }

  @Override
  public List<String> capabilities() {
    return List.of("probe.ping");
  }
}
