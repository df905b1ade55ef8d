package io.kos.node;

import io.kos.node.config.ConfigException;
import io.kos.node.config.NodeConfig;
import io.kos.node.identity.NodeIdentity;
import io.kos.node.klf.KlfClient;
import io.kos.node.klf.KlfMessage;
import io.kos.node.klf.KlfService;
import io.kos.verticle.ApiError;
import io.kos.verticle.outbound.OutboundGuard;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code kos-node klf send|verify}: KLF from the shell, signed with the node's key. */
@Command(name = "klf", description = "send a signed KLF message, or verify a saved one",
    subcommands = {KlfCommand.Send.class, KlfCommand.Verify.class})
final class KlfCommand {

  /** Everyone may be called from the shell: the operator chose the address. */
  private static final OutboundGuard ANYWHERE = OutboundGuard.allowing(List.of("0.0.0.0/0", "::/0"));
  private static final long POLL_MILLIS = 300;

  @CommandLine.ParentCommand
  Main main;

  @Command(name = "send", description = "sign a message with the node's key, send it, print the answer (and, with --wait, each progress of a task and its result)")
  static final class Send implements Callable<Integer> {
    @CommandLine.ParentCommand
    KlfCommand klf;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--to", required = true, paramLabel = "URL", description = "the receiving node's base URL (or its /klf/v1/message URL)")
    String to;
    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "task_request, data_query, control_command, ping, event, ...")
    String type;
    @Option(names = "--name", paramLabel = "NAME", description = "the task, query or command name")
    String name;
    @Option(names = "--params", paramLabel = "JSON", description = "the params object (default {})")
    String params = "{}";
    @Option(names = "--payload", paramLabel = "JSON", description = "the whole payload, for types without a name (event, task_progress, ...)")
    String payload;
    @Option(names = "--to-did", paramLabel = "DID", description = "the receiver's DID (default: read from its signed /klf/v1/identity)")
    String toDid;
    @Option(names = "--key", paramLabel = "FILE", description = "the key pair to sign with (default: the node's, identity.key_file)")
    Path key;
    @Option(names = "--wait", description = "for a task_request: follow the task (task_status) until it ends; exit 1 when it failed")
    boolean wait;
    @Option(names = "--timeout", paramLabel = "SECONDS", description = "how long --wait follows the task (default 600)")
    int timeoutSeconds = 600;

    @Override
    public Integer call() {
      NodeConfig config = klf.main.loadConfig();
      NodeIdentity identity = NodeIdentity.load(key != null ? key : config.keyFile(), config.nodeClass());
      JsonObject body = payload(type, name, json("--params", params), payload == null ? null : json("--payload", payload));
      PrintWriter out = spec.commandLine().getOut();
      Vertx vertx = Vertx.vertx();
      try {
        KlfClient client = new KlfClient(vertx, ANYWHERE, config.klf().ca(), 30_000);
        String did = toDid != null ? toDid : client.didOf(to).await(30, TimeUnit.SECONDS);
        KlfClient.Answer answer = client.send(to, KlfMessage.signed(identity, did, type, body, new JsonObject()))
            .await(60, TimeUnit.SECONDS);
        out.println(answer.body().encodePrettily());
        out.flush();
        if (!answer.ok() || !signedBy(answer.body(), did, out)) {
          return Main.FAILURE;
        }
        if (wait && type.equals(KlfMessage.TASK_REQUEST)) {
          return follow(client, identity, did, answer.body().getJsonObject("payload").getString("job_id"), out);
        }
        return answer.body().getJsonObject("payload", new JsonObject()).getString("status", "ok").equals("error") ? Main.FAILURE : Main.OK;
      } catch (ConfigException | IllegalArgumentException e) {
        throw new ConfigException(e.getMessage());
      } catch (Exception e) {
        spec.commandLine().getErr().println("kos-node: " + causes(e));
        return Main.FAILURE;
      } finally {
        vertx.close();
      }
    }

    /** Polls {@code task_status}, printing each change, until the task completes or fails. */
    private int follow(KlfClient client, NodeIdentity identity, String did, String jobId, PrintWriter out) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      String last = "";
      while (System.nanoTime() < deadline) {
        JsonObject query = KlfMessage.signed(identity, did, KlfMessage.DATA_QUERY,
            new JsonObject().put("query_name", KlfService.TASK_STATUS).put("params", new JsonObject().put("job_id", jobId)), new JsonObject());
        KlfClient.Answer answer = client.send(to, query).await(60, TimeUnit.SECONDS);
        if (!answer.ok() || !signedBy(answer.body(), did, out)) {
          out.println(answer.body().encodePrettily());
          out.flush();
          return Main.FAILURE;
        }
        JsonObject status = answer.body().getJsonObject("payload").getJsonObject("result");
        String line = status.getString("status") + " " + status.getInteger("progress") + "% " + status.getString("message");
        if (!line.equals(last)) {
          out.println(line);
          out.flush();
          last = line;
        }
        switch (status.getString("status")) {
          case "completed" -> {
            out.println(status.getValue("result") == null ? "{}" : Json.encodePrettily(status.getValue("result")));
            out.flush();
            return Main.OK;
          }
          case "failed" -> {
            out.println(status.getJsonObject("error").encodePrettily());
            out.flush();
            return Main.FAILURE;
          }
          default -> Thread.sleep(POLL_MILLIS);
        }
      }
      out.println("the task did not end within " + timeoutSeconds + " s (job " + jobId + ")");
      out.flush();
      return Main.FAILURE;
    }

  }

  @Command(name = "verify", description = "check a saved KLF message's envelope and signature; exit 0 when it verifies")
  static final class Verify implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "FILE", description = "the message, as JSON")
    Path file;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      JsonObject message;
      try {
        message = new JsonObject(Files.readString(file));
      } catch (IOException e) {
        throw new ConfigException("cannot read " + file + ": " + e.getMessage());
      } catch (DecodeException | ClassCastException e) {
        out.println("invalid: " + file + " is not a JSON object");
        out.flush();
        return Main.FAILURE;
      }
      try {
        KlfMessage.checkSigned(message);
      } catch (ApiError e) {
        out.println("invalid: " + e.code() + ": " + e.getMessage());
        out.flush();
        return Main.FAILURE;
      }
      out.println("valid: " + message.getString("type") + " " + message.getString("id") + " from " + message.getString("from")
          + " to " + message.getString("to") + " at " + message.getString("timestamp"));
      out.flush();
      return Main.OK;
    }
  }

  /** The failure with its causes: "Failed to create SSL connection" alone does not say the certificate is not trusted. */
  private static String causes(Throwable failure) {
    StringBuilder text = new StringBuilder(String.valueOf(failure.getMessage()));
    for (Throwable cause = failure.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
      if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
        text.append(": ").append(cause.getMessage());
      }
    }
    return text.toString();
  }

  /** The payload of a message of {@code type}: the named shape, or the given payload as it is. */
  static JsonObject payload(String type, String name, JsonObject params, JsonObject payload) {
    if (!KlfMessage.TYPES.contains(type)) {
      throw new ConfigException("--type must be one of " + String.join(", ", KlfMessage.TYPES));
    }
    if (payload != null) {
      return payload;
    }
    String nameField = switch (type) {
      case KlfMessage.TASK_REQUEST -> "task_name";
      case KlfMessage.DATA_QUERY -> "query_name";
      case KlfMessage.CONTROL_COMMAND -> "command_name";
      default -> null;
    };
    if (nameField == null) {
      return new JsonObject();
    }
    if (name == null) {
      throw new ConfigException("--name is required for a " + type);
    }
    return new JsonObject().put(nameField, name).put("params", params);
  }

  private static JsonObject json(String option, String text) {
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException(option + " must be a JSON object");
    }
  }

  /** True when the answer is unsigned (an acknowledgement or refusal) or signed by the receiver; prints a warning otherwise. */
  private static boolean signedBy(JsonObject answer, String did, PrintWriter out) {
    if (!answer.containsKey("signature")) {
      return true;
    }
    try {
      KlfMessage.checkSigned(answer);
    } catch (ApiError e) {
      out.println("the answer's signature does not verify: " + e.getMessage());
      return false;
    }
    if (!Objects.equals(answer.getString("from"), did)) {
      out.println("the answer is signed by " + answer.getString("from") + ", not by " + did);
      return false;
    }
    return true;
  }
}
