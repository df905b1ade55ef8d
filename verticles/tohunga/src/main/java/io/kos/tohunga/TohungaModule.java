package io.kos.tohunga;

import io.kos.verticle.Deployable;
import io.kos.verticle.ErrorCode;
import io.kos.verticle.KlfOperation;
import io.kos.verticle.RouteSpec;
import io.kos.verticle.VerticleModule;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The {@code tohunga} verticle: registered data sources and streaming acquisition jobs into the node's asset store. */
public final class TohungaModule implements VerticleModule {

  public static final String NAME = "tohunga";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<RouteSpec> routes() {
    return List.of(
        RouteSpec.post("/sources", "sources.register").status(201),
        RouteSpec.get("/sources", "sources.list"),
        RouteSpec.get("/sources/:source_id", "sources.get"),
        RouteSpec.patch("/sources/:source_id", "sources.update"),
        RouteSpec.delete("/sources/:source_id", "sources.delete"),
        RouteSpec.post("/sources/:source_id/test", "sources.test"),
        RouteSpec.post("/transformations", "transformations.create").status(201),
        RouteSpec.get("/transformations", "transformations.list"),
        RouteSpec.get("/transformations/:transformation_id", "transformations.get"),
        RouteSpec.put("/transformations/:transformation_id", "transformations.update"),
        RouteSpec.delete("/transformations/:transformation_id", "transformations.delete"),
        RouteSpec.post("/jobs", "jobs.create").status(201),
        RouteSpec.get("/jobs", "jobs.list"),
        RouteSpec.get("/jobs/:job_id", "jobs.get"),
        RouteSpec.post("/jobs/:job_id/cancel", "jobs.cancel"),
        RouteSpec.delete("/jobs/:job_id", "jobs.delete"),
        RouteSpec.get("/jobs/:job_id/provenance", "jobs.provenance"),
        RouteSpec.get("/jobs/:job_id/events", "jobs.events"),
        RouteSpec.post("/pipelines", "pipelines.create").status(201),
        RouteSpec.get("/pipelines", "pipelines.list"),
        RouteSpec.get("/pipelines/:pipeline_id", "pipelines.get"),
        RouteSpec.patch("/pipelines/:pipeline_id", "pipelines.update"),
        RouteSpec.delete("/pipelines/:pipeline_id", "pipelines.delete"),
        RouteSpec.post("/pipelines/:pipeline_id/run", "pipelines.run").status(201),
        RouteSpec.get("/pipelines/:pipeline_id/runs", "pipelines.runs"),
        RouteSpec.get("/pipelines/:pipeline_id/versions", "pipelines.versions"),
        // before /versions/:version_number, which would take "compare" for a number
        RouteSpec.get("/pipelines/:pipeline_id/versions/compare", "pipelines.versions.compare"),
        RouteSpec.get("/pipelines/:pipeline_id/versions/:version_number", "pipelines.versions.get"),
        RouteSpec.post("/pipelines/:pipeline_id/versions/:version_number/restore", "pipelines.versions.restore"),
        RouteSpec.post("/uploads", "uploads.create").status(201),
        RouteSpec.get("/uploads", "uploads.list"),
        RouteSpec.get("/uploads/:upload_id", "uploads.get"),
        RouteSpec.put("/uploads/:upload_id/chunks/:chunk_number", "uploads.chunk").binaryBody(),
        RouteSpec.post("/uploads/:upload_id/complete", "uploads.complete"),
        RouteSpec.delete("/uploads/:upload_id", "uploads.delete"),
        RouteSpec.get("/streams", "streams.list"),
        RouteSpec.get("/streams/:stream_id", "streams.get"),
        RouteSpec.get("/assets", "assets.list"),
        RouteSpec.get("/assets/:asset_id", "assets.get"),
        RouteSpec.delete("/assets/:asset_id", "assets.delete"));
  }

  /** The kOS docs' three operations, and the listing, updating, deleting and cancelling the docs leave out. */
  @Override
  public List<KlfOperation> klfOperations() {
    return List.of(
        KlfOperation.task("register_data_source", "sources.register"),
        KlfOperation.query("get_data_source", "sources.get"),
        KlfOperation.task("run_acquisition_job", "jobs.run"),
        KlfOperation.query("list_data_sources", "sources.list"),
        KlfOperation.task("update_data_source", "sources.update"),
        KlfOperation.command("delete_data_source", "sources.delete"),
        KlfOperation.task("test_data_source", "sources.test"),
        KlfOperation.query("get_acquisition_job", "jobs.get"),
        KlfOperation.query("list_acquisition_jobs", "jobs.list"),
        KlfOperation.query("get_job_provenance", "jobs.provenance"),
        KlfOperation.command("cancel_acquisition_job", "jobs.cancel"),
        KlfOperation.command("delete_acquisition_job", "jobs.delete"),
        KlfOperation.query("list_assets", "assets.list"),
        KlfOperation.query("list_pipelines", "pipelines.list"),
        KlfOperation.query("get_pipeline", "pipelines.get"),
        KlfOperation.command("run_pipeline", "pipelines.run"),
        // the receiving end of a klf_stream output (KlfStreamSink on the sending node)
        KlfOperation.command(KlfStreamSink.APPEND, "streams.append"),
        KlfOperation.command(KlfStreamSink.ABORT, "streams.abort"),
        KlfOperation.query("get_stream", "streams.get"));
  }

  @Override
  public void checkConfig(JsonObject config) {
    TohungaSettings.parse(config);
  }

  /** The runner first (one per node: its jobs, its asset store), the scheduler (one per node, one acting per cluster), then the API. */
  @Override
  public List<Deployable> deployables() {
    return List.of(
        Deployable.single("runner", JobRunner::new),
        Deployable.single("scheduler", PipelineScheduler::new),
        Deployable.scaled("api", TohungaVerticle::new));
  }

  @Override
  public List<ErrorCode> errorCodes() {
    return TohungaErrors.ALL;
  }

  @Override
  public List<String> capabilities() {
    return List.of("tohunga.http_api", "tohunga.postgresql", "tohunga.upload", "tohunga.json_schema", "tohunga.assets", "tohunga.pipelines",
        "tohunga.klf_stream");
  }
}
