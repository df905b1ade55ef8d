package io.kos.node.maintenance;

import io.kos.verticle.Deployable;
import io.kos.verticle.ErrorCode;
import io.kos.verticle.KlfOperation;
import io.kos.verticle.RouteSpec;
import io.kos.verticle.VerticleModule;

import java.util.List;

/**
 * Every node's own record of the maintenance Hakim nodes ask of it (docs/maintenance.md): the
 * routes where its admin approves or rejects, and the KLF operations a Hakim calls. Not a verticle
 * of the binary: every node deploys it, in its own schema, whatever verticles.deploy says.
 */
public final class MaintenanceModule implements VerticleModule {

  public static final String NAME = "node";

  public static final ErrorCode NOT_APPROVED = new ErrorCode("maintenance_not_approved", 403,
      "this node's own record does not approve that run: no such request from the sender, not approved by this node's admin, "
          + "expired, or another task or other parameters than the ones approved; nothing ran, and the refusal is logged",
      "ask for the maintenance again (request_maintenance) and have the target node's admin approve it");
  public static final ErrorCode DECIDED = new ErrorCode("maintenance_decided", 409,
      "the maintenance request was already approved, rejected, run or expired, so it cannot be approved or rejected now",
      "nothing to do; GET /api/node/v1/maintenance/{job_id} shows its status and history");
  public static final ErrorCode CONFLICTING_REQUEST = new ErrorCode("maintenance_conflict", 409,
      "a maintenance request with this job_id already exists with another sender, task or parameters",
      "a Hakim gives each request a new job_id");
  public static final List<ErrorCode> ERRORS = List.of(NOT_APPROVED, DECIDED, CONFLICTING_REQUEST);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<RouteSpec> routes() {
    return List.of(
        RouteSpec.get("/maintenance", "maintenance.list"),
        RouteSpec.get("/maintenance/:job_id", "maintenance.get"),
        RouteSpec.post("/maintenance/:job_id/approve", "maintenance.approve"),
        RouteSpec.post("/maintenance/:job_id/reject", "maintenance.reject"));
  }

  /** What a Hakim calls: the request (recorded, pending this node's admin) and the run (only if the record approves it). */
  @Override
  public List<KlfOperation> klfOperations() {
    return List.of(
        KlfOperation.command("maintenance_requested", "maintenance.requested"),
        KlfOperation.task("run_maintenance", "maintenance.run"));
  }

  /** None through the module: the node deploys {@link #verticle} itself, since the verticle acts on the node. */
  @Override
  public List<Deployable> deployables() {
    return List.of();
  }

  /** The verticle that keeps the record and runs the approved tasks on {@code node}. */
  public static io.kos.verticle.KosVerticle verticle(NodeControl node) {
    return new MaintenanceVerticle(node);
  }

  @Override
  public List<ErrorCode> errorCodes() {
    return ERRORS;
  }
}
