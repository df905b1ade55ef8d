package io.kos.tohunga;

import io.kos.node.testkit.Accounts;
import io.kos.node.testkit.Http;
import io.kos.node.testkit.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A test node running tohunga with loopback allowed out and quick retries, and the calls the tests share. */
final class TohungaNode {

  static final String BASE = "/api/tohunga/v1";

  private TohungaNode() {
  }

  static TestNode start(Map<String, String> more) {
    return start(more, "");
  }

  /** {@code tohungaYaml}: more keys under {@code verticles.config.tohunga} (YAML, one per line), or empty. */
  static TestNode start(Map<String, String> more, String tohungaYaml) {
    Map<String, String> settings = new HashMap<>(Map.of("verticles.deploy", "tohunga", "outbound.allow", "127.0.0.0/8,::1/128"));
    settings.putAll(more);
    return TestNode.start(settings, TestNode.configFile("""
        verticles:
          config:
            tohunga:
              backoff_base_ms: 10
              backoff_cap_ms: 50
              progress_interval_ms: 20
              scheduler_poll_ms: 100
              scheduler_lease_seconds: 2
        """ + tohungaYaml.lines().map(line -> "      " + line + "\n").reduce("", String::concat)));
  }

  static TestNode start() {
    return start(Map.of());
  }

  /** The log level of node processes the tests start. */
  static final Map<String, String> PROCESS_ENV = Map.of("KOS_LOGGING_LEVEL", "WARN");

  /**
   * The arguments of a tohunga node process on a fresh database, loopback allowed out;
   * {@code tohungaYaml}: more keys under {@code verticles.config.tohunga} (YAML, one per line), or empty.
   */
  static java.util.List<String> processArgs(java.nio.file.Path dataDir, String tohungaYaml) {
    String yaml = "outbound:\n  allow: [\"127.0.0.0/8\"]\n" + (tohungaYaml.isEmpty() ? ""
        : "verticles:\n  config:\n    tohunga:\n" + tohungaYaml.lines().map(line -> "      " + line + "\n").reduce("", String::concat));
    return java.util.List.of("--config", TestNode.configFile(yaml).toString(), "--http-port", "0", "--data-dir", dataDir.toString(),
        "--db-url", io.kos.node.testkit.TestDatabase.freshDatabaseUrl(), "--verticles", "tohunga");
  }

  /** Registers a source; its id. */
  static String source(Accounts.Session owner, String type, JsonObject config) {
    Http.Response created = owner.http().postJson(BASE + "/sources", new JsonObject().put("source_name", type + " source")
        .put("source_type", type).put("connection_config", config));
    if (created.status() != 201) {
      throw new AssertionError("source not created: " + created);
    }
    return created.json().getString("source_id");
  }

  static JsonObject job(String sourceId, JsonObject params, JsonArray steps, String format) {
    return new JsonObject().put("source_id", sourceId).put("request_params", params).put("pipeline_steps", steps)
        .put("output_config", new JsonObject().put("format", format).put("destination", new JsonObject().put("type", "local")));
  }

  /** Creates the job and waits for its end; the job as GET shows it. */
  static JsonObject run(Accounts.Session owner, JsonObject job) {
    Http.Response created = owner.http().postJson(BASE + "/jobs", job);
    if (created.status() != 201) {
      throw new AssertionError("job not created: " + created);
    }
    return awaitEnd(owner, created.json().getString("job_id"));
  }

  static JsonObject awaitEnd(Accounts.Session owner, String jobId) {
    return owner.http().await(BASE + "/jobs/" + jobId, r -> r.status() == 200
        && !r.json().getString("status").equals("pending") && !r.json().getString("status").equals("running"), Duration.ofSeconds(30)).json();
  }

  static JsonObject step(String id, String type, String module, JsonObject definition) {
    return new JsonObject().put("step_id", id).put("step_type", type).put("step_module", module).put("definition", definition);
  }

  /** The job's result asset's bytes, as text. */
  static String result(Accounts.Session owner, JsonObject job) {
    String uri = job.getString("result_uri");
    Http.Response file = owner.http().get(BASE + "/assets/" + uri.substring(uri.lastIndexOf('/') + 1));
    if (file.status() != 200) {
      throw new AssertionError("no asset: " + file);
    }
    return file.text();
  }
}
