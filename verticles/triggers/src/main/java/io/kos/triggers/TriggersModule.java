package io.kos.triggers;

import io.kos.verticle.Deployable;
import io.kos.verticle.ErrorCode;
import io.kos.verticle.RouteSpec;
import io.kos.verticle.VerticleModule;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The {@code triggers} verticle: users' rules over the event log, evaluated exactly once in effect. */
public final class TriggersModule implements VerticleModule {

  public static final String NAME = "triggers";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<RouteSpec> routes() {
    return List.of(
        RouteSpec.post("/triggers", "triggers.create").status(201),
        RouteSpec.get("/triggers", "triggers.list"),
        RouteSpec.get("/triggers/:id", "triggers.get"),
        RouteSpec.put("/triggers/:id", "triggers.replace"),
        RouteSpec.patch("/triggers/:id", "triggers.patch"),
        RouteSpec.delete("/triggers/:id", "triggers.delete"),
        RouteSpec.get("/triggers/:id/state", "triggers.state"),
        RouteSpec.get("/triggers/:id/fires", "triggers.fires"),
        RouteSpec.post("/triggers/:id/test", "triggers.test"),
        RouteSpec.post("/triggers/:id/backtest", "triggers.backtest"),
        RouteSpec.get("/triggers/:id/conditions", "conditions.list"),
        RouteSpec.post("/triggers/:id/conditions", "conditions.create").status(201),
        RouteSpec.get("/triggers/:id/conditions/:cid", "conditions.get"),
        RouteSpec.put("/triggers/:id/conditions/:cid", "conditions.replace"),
        RouteSpec.delete("/triggers/:id/conditions/:cid", "conditions.delete"),
        RouteSpec.get("/triggers/:id/actions", "actions.list"),
        RouteSpec.post("/triggers/:id/actions", "actions.create").status(201),
        RouteSpec.get("/triggers/:id/actions/:aid", "actions.get"),
        RouteSpec.put("/triggers/:id/actions/:aid", "actions.replace"),
        RouteSpec.delete("/triggers/:id/actions/:aid", "actions.delete"),
        RouteSpec.get("/triggers/:id/circuit-breaker", "triggers.breaker"),
        RouteSpec.post("/triggers/:id/circuit-breaker/reset", "triggers.breaker.reset"),
        RouteSpec.post("/follows", "follows.create").status(201),
        RouteSpec.get("/follows", "follows.list"),
        RouteSpec.get("/follows/:id", "follows.get"),
        RouteSpec.delete("/follows/:id", "follows.delete"));
  }

  @Override
  public void checkConfig(JsonObject config) {
    TriggersSettings.parse(config);
  }

  /** The evaluator (one per node: it owns the in-memory index and states), then the API. */
  @Override
  public List<Deployable> deployables() {
    return List.of(
        Deployable.single("evaluator", EvaluatorVerticle::new),
        Deployable.scaled("api", TriggersVerticle::new));
  }

  @Override
  public List<ErrorCode> errorCodes() {
    return TriggersErrors.ALL;
  }

  @Override
  public List<String> capabilities() {
    return List.of("triggers.rules", "triggers.dry_run");
  }
}
