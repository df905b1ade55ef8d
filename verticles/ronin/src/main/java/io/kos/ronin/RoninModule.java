package io.kos.ronin;

import io.kos.verticle.Deployable;
import io.kos.verticle.ErrorCode;
import io.kos.verticle.KlfOperation;
import io.kos.verticle.RouteSpec;
import io.kos.verticle.VerticleModule;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The {@code ronin} verticle: discovery jobs that find kOS nodes in allow-listed ranges, verify them and keep the map of the network. */
public final class RoninModule implements VerticleModule {

  public static final String NAME = "ronin";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<RouteSpec> routes() {
    return List.of(
        RouteSpec.post("/jobs", "jobs.create").status(201),
        RouteSpec.get("/jobs", "jobs.list"),
        RouteSpec.get("/jobs/:job_id", "jobs.get"),
        RouteSpec.post("/jobs/:job_id/cancel", "jobs.cancel"),
        RouteSpec.get("/jobs/:job_id/events", "jobs.events"),
        RouteSpec.get("/services", "services.query"),
        RouteSpec.get("/services/:service_id", "services.get"),
        RouteSpec.delete("/services/:service_id", "services.delete"));
  }

  /** The kOS docs' run_discovery_job, and the map query the docs leave out (the schema's GIN index is for it). */
  @Override
  public List<KlfOperation> klfOperations() {
    return List.of(
        KlfOperation.task("run_discovery_job", "jobs.run"),
        KlfOperation.query("get_discovery_job", "jobs.get"),
        KlfOperation.command("cancel_discovery_job", "jobs.cancel"),
        KlfOperation.query("list_services", "services.query"),
        KlfOperation.query("get_service", "services.get"),
        // asked by other Ronin nodes resolving a DID (depth 2)
        KlfOperation.query("resolve_did", "services.resolve"));
  }

  @Override
  public void checkConfig(JsonObject config) {
    RoninSettings.parse(config);
  }

  /** The runner first (one per node: the jobs it runs), then the API. */
  @Override
  public List<Deployable> deployables() {
    return List.of(Deployable.single("runner", DiscoveryRunner::new), Deployable.scaled("api", RoninVerticle::new));
  }

  @Override
  public List<ErrorCode> errorCodes() {
    return RoninErrors.ALL;
  }

  @Override
  public List<String> capabilities() {
    return List.of("ronin.http_api_discovery", "ronin.services");
  }
}
