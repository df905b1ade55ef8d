package io.kos.ingest;

import io.kos.verticle.Deployable;
import io.kos.verticle.ErrorCode;
import io.kos.verticle.RouteSpec;
import io.kos.verticle.VerticleModule;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The {@code ingest} verticle: the immutable ERC-8004 event log at the head of the event pipeline. */
public final class IngestModule implements VerticleModule {

  public static final String NAME = "ingest";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<RouteSpec> routes() {
    return List.of(
        RouteSpec.post("/events", "events.push"),
        RouteSpec.get("/events", "events.list"),
        RouteSpec.get("/events/:id", "events.get"),
        RouteSpec.get("/agents/:chain_id/:agent_id", "agents.get"),
        RouteSpec.get("/stats", "stats"),
        RouteSpec.get("/checkpoints", "checkpoints.list"),
        RouteSpec.put("/checkpoints/:chain_id", "checkpoints.put"),
        RouteSpec.get("/chains", "chains"),
        RouteSpec.post("/chains/:chain_id/resume", "chains.resume"));
  }

  @Override
  public void checkConfig(JsonObject config) {
    IngestSettings.parse(config);
  }

  /** Partitions before pushes, the publisher before those who hand it batches, then the API. */
  @Override
  public List<Deployable> deployables() {
    return List.of(
        Deployable.single("partitions", PartitionVerticle::new),
        Deployable.single("publisher", PublisherVerticle::new),
        Deployable.single("chains", ChainsVerticle::new),
        Deployable.scaled("api", IngestVerticle::new));
  }

  @Override
  public List<ErrorCode> errorCodes() {
    return IngestErrors.ALL;
  }

  @Override
  public List<String> capabilities() {
    return List.of("ingest.push", "ingest.events", "ingest.since", "ingest.agents");
  }
}
