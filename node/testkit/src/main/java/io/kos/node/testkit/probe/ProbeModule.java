package io.kos.node.testkit.probe;

import io.kos.verticle.Deployable;
import io.kos.verticle.KlfOperation;
import io.kos.verticle.RouteSpec;
import io.kos.verticle.VerticleModule;

import java.util.List;

/**
 * A minimal verticle for the node's own tests and benchmarks (test classpath only, never in the
 * binary): anonymous trivial, echo, slow and failing routes; an authenticated trivial route ({@code whoami});
 * notes, a small table owned per user or node, scoped with {@code OwnerScope} as every verticle should;
 * and {@code work}, a task that reports its progress, for KLF.
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
        RouteSpec.get("/ping", "ping").anonymousAccess(),
        RouteSpec.post("/echo", "echo").anonymousAccess(),
        RouteSpec.get("/slow", "slow").anonymousAccess(),
        RouteSpec.get("/fail", "fail").anonymousAccess(),
        RouteSpec.get("/whoami", "whoami"),
        RouteSpec.post("/notes", "notes.create").status(201),
        RouteSpec.get("/notes", "notes.list"),
        RouteSpec.get("/notes/:id", "notes.get"),
        RouteSpec.put("/notes/:id", "notes.update"),
        RouteSpec.delete("/notes/:id", "notes.delete"),
        RouteSpec.post("/work", "work"));
  }

  /** What other nodes call over KLF: the same operations as the routes, and one that reports progress. */
  @Override
  public List<KlfOperation> klfOperations() {
    return List.of(
        KlfOperation.query("probe_ping", "ping"),
        KlfOperation.query("whoami", "whoami"),
        KlfOperation.query("notes_list", "notes.list"),
        KlfOperation.query("notes_get", "notes.get"),
        KlfOperation.task("notes_create", "notes.create"),
        KlfOperation.command("notes_update", "notes.update"),
        KlfOperation.command("notes_delete", "notes.delete"),
        KlfOperation.command("echo", "echo"),
        KlfOperation.task("work", "work"),
        KlfOperation.task("fail", "fail"));
  }

  @Override
  public List<Deployable> deployables() {
    return List.of(Deployable.scaled("api", ProbeVerticle::new));
  }

  @Override
  public List<String> capabilities() {
    return List.of("probe.ping");
  }
}
