package io.kos.hakim;

import io.kos.verticle.Deployable;
import io.kos.verticle.ErrorCode;
import io.kos.verticle.KlfOperation;
import io.kos.verticle.RouteSpec;
import io.kos.verticle.VerticleModule;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The {@code hakim} verticle: watches kOS nodes through their signed health documents, diagnoses them and keeps their reports and trends. */
public final class HakimModule implements VerticleModule {

  public static final String NAME = "hakim";

  @Override
  public String name() {
    return NAME;
  }

  /** {@code /reports/latest} and {@code /reports/trends} before {@code /reports/:report_id}: the router takes the first match. */
  @Override
  public List<RouteSpec> routes() {
    return List.of(
        RouteSpec.get("/nodes", "nodes.list"),
        RouteSpec.post("/nodes", "nodes.create").status(201),
        RouteSpec.get("/nodes/:did", "nodes.get"),
        RouteSpec.delete("/nodes/:did", "nodes.delete"),
        RouteSpec.get("/reports", "reports.list"),
        RouteSpec.get("/reports/latest", "reports.latest"),
        RouteSpec.get("/reports/trends", "reports.trends"),
        RouteSpec.get("/reports/:report_id", "reports.get"),
        RouteSpec.post("/maintenance", "maintenance.create").status(201),
        RouteSpec.get("/maintenance", "maintenance.list"),
        RouteSpec.get("/maintenance/:job_id", "maintenance.get"),
        RouteSpec.post("/alert-rules", "alert_rules.create").status(201),
        RouteSpec.get("/alert-rules", "alert_rules.list"),
        RouteSpec.get("/alert-rules/:rule_id", "alert_rules.get"),
        RouteSpec.put("/alert-rules/:rule_id", "alert_rules.update"),
        RouteSpec.delete("/alert-rules/:rule_id", "alert_rules.delete"),
        RouteSpec.post("/escalation-policies", "escalation_policies.create").status(201),
        RouteSpec.get("/escalation-policies", "escalation_policies.list"),
        RouteSpec.get("/escalation-policies/:policy_id", "escalation_policies.get"),
        RouteSpec.put("/escalation-policies/:policy_id", "escalation_policies.update"),
        RouteSpec.delete("/escalation-policies/:policy_id", "escalation_policies.delete"),
        RouteSpec.get("/alerts", "alerts.list"),
        RouteSpec.post("/alerts/:alert_id/acknowledge", "alerts.acknowledge"),
        RouteSpec.post("/alerts/:alert_id/resolve", "alerts.resolve"));
  }

  /** The kOS docs' get_health_report, and the watch list for a node that watches through another's Hakim. */
  @Override
  public List<KlfOperation> klfOperations() {
    return List.of(
        KlfOperation.query("get_health_report", "reports.current"),
        KlfOperation.command("watch_node", "nodes.create"),
        KlfOperation.query("list_watched_nodes", "nodes.list"),
        KlfOperation.task("request_maintenance", "maintenance.request"),
        KlfOperation.query("get_maintenance_job", "maintenance.get"),
        // sent by the target node once its admin decided
        KlfOperation.command("approve_maintenance_job", "maintenance.approved"),
        KlfOperation.command("reject_maintenance_job", "maintenance.rejected"));
  }

  @Override
  public void checkConfig(JsonObject config) {
    HakimSettings.parse(config);
  }

  /**
   * The poller, the maintenance jobs and the alerts first (one per node: a job is followed by one,
   * and alerts follow each report in order), then the API.
   */
  @Override
  public List<Deployable> deployables() {
    return List.of(Deployable.single("poller", HealthPoller::new), Deployable.single("maintenance", MaintenanceJobs::new),
        Deployable.single("alerts", AlertsVerticle::new), Deployable.scaled("escalation", EscalationPolicies::new),
        Deployable.scaled("api", HakimVerticle::new));
  }

  @Override
  public List<ErrorCode> errorCodes() {
    return HakimErrors.ALL;
  }

  @Override
  public List<String> capabilities() {
    return List.of("hakim.health_reports", "hakim.trends");
  }
}
