package io.kos.actions;

import io.kos.verticle.Deployable;
import io.kos.verticle.ErrorCode;
import io.kos.verticle.RouteSpec;
import io.kos.verticle.VerticleModule;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The {@code actions} verticle: a durable PostgreSQL job queue delivering to Telegram, REST webhooks and MCP servers. */
public final class ActionsModule implements VerticleModule {

  public static final String NAME = "actions";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<RouteSpec> routes() {
    return List.of(
        RouteSpec.get("/jobs", "jobs.list"),
        RouteSpec.get("/jobs/:id", "jobs.get"),
        RouteSpec.post("/jobs/:id/retry", "jobs.retry"),
        RouteSpec.post("/jobs/retry", "jobs.retry_dead"),
        RouteSpec.get("/results", "results.list"),
        RouteSpec.get("/metrics/hourly", "metrics.hourly"),
        RouteSpec.put("/mcp-tokens/:chain_id/:agent_id", "mcp_tokens.put"),
        RouteSpec.delete("/mcp-tokens/:chain_id/:agent_id", "mcp_tokens.delete"));
  }

  @Override
  public void checkConfig(JsonObject config) {
    ActionsSettings.parse(config);
  }

  /** The housekeeper (one per node: the LISTEN connection, lease reclaim, retention), then the API and the workers. */
  @Override
  public List<Deployable> deployables() {
    return List.of(
        Deployable.single("housekeeper", HousekeeperVerticle::new),
        Deployable.scaled("api", ActionsVerticle::new),
        Deployable.scaled("worker", WorkerVerticle::new));
  }

  @Override
  public List<ErrorCode> errorCodes() {
    return ActionsErrors.ALL;
  }

  @Override
  public List<String> capabilities() {
    return List.of("actions.telegram", "actions.rest", "actions.mcp");
  }
}
