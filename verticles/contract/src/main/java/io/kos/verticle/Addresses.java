package io.kos.verticle;

import java.util.regex.Pattern;

/** Event-bus address conventions: {@code kos.<verticle>.<operation>} and {@code kos.node.<did>.<operation>}. */
public final class Addresses {

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,30}");
  private static final Pattern OPERATION = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");

  /** Header names the ingress sets on every API request it forwards. */
  public static final String HEADER_REQUEST_ID = "kos-request-id";
  /** The authenticated caller's user id, role and how it proved itself; absent on an anonymous request. */
  public static final String HEADER_CALLER_ID = "kos-caller-id";
  public static final String HEADER_CALLER_ROLE = "kos-caller-role";
  public static final String HEADER_CALLER_VIA = "kos-caller-via";
  /** The DID of a node caller (a verified KLF sender); absent for a user. */
  public static final String HEADER_CALLER_DID = "kos-caller-did";
  /** On a KLF task: the job's id, and where the verticle reports its progress ({@code KosVerticle.reportProgress}). */
  public static final String HEADER_KLF_JOB = "kos-klf-job";
  public static final String HEADER_KLF_PROGRESS = "kos-klf-progress";
  /** On a KLF task whose request gave {@code metadata.reply_to}: that URL or DID ({@code KosVerticle.klfReplyTo}). */
  public static final String HEADER_KLF_REPLY_TO = "kos-klf-reply-to";
  /** The HTTP client's address as the ingress saw it. */
  public static final String HEADER_CLIENT_ADDRESS = "kos-client-address";
  /** Reply header a handler may set to override the route's success status. */
  public static final String HEADER_STATUS = "kos-status";
  /**
   * Reply headers of a streamed answer ({@link StreamReply}): the address to pull the body from, its
   * content type and (when known) length; a pulled chunk with {@code kos-stream-end} is the last.
   */
  public static final String HEADER_STREAM = "kos-stream";
  public static final String HEADER_STREAM_TYPE = "kos-stream-type";
  public static final String HEADER_STREAM_LENGTH = "kos-stream-length";
  public static final String HEADER_STREAM_END = "kos-stream-end";

  /**
   * Published by every member of a cluster: {@code {event: join | alive | leave, document}} with its
   * signed identity document ({@code GET /klf/v1/identity}), when it has started, every 30 s, and
   * when it stops. Ronin records the members from it without probing them.
   */
  public static final String NODE_ANNOUNCE = "kos.node.announce";
  /** Published (any body) to have every member announce itself {@code alive} now: a listener that starts late need not wait 30 s. */
  public static final String NODE_ANNOUNCE_REQUEST = "kos.node.announce.request";

  private Addresses() {
  }

  public static String of(String verticle, String operation) {
    return "kos." + requireName(verticle) + "." + requireOperation(operation);
  }

  /** Where a verticle answers its health on this node (local consumers only; see {@code KosVerticle.reportHealth}). */
  public static String health(String verticle) {
    return "kos." + requireName(verticle) + ".health";
  }

  /**
   * Where a verticle that keeps data by retention drops what has expired, now, on this node (local
   * consumers only; see {@code KosVerticle.serveRetention}): the maintenance task
   * {@code drop_expired_partitions} asks each deployed verticle here.
   */
  public static String retention(String verticle) {
    return "kos." + requireName(verticle) + ".retention.drop";
  }

  /** A verticle's operation on one node of the cluster ({@code kos.<verticle>.<operation>@<did>}): not load-balanced. */
  public static String onNode(String verticle, String operation, String did) {
    return of(verticle, operation) + "@" + did;
  }

  public static String node(String did, String operation) {
    return "kos.node." + did + "." + requireOperation(operation);
  }

  public static String requireName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("verticle name must match " + NAME + ": " + name);
    }
    return name;
  }

  static String requireOperation(String operation) {
    if (operation == null || !OPERATION.matcher(operation).matches()) {
      throw new IllegalArgumentException("operation must be dotted lowercase: " + operation);
    }
    return operation;
  }

  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }
}
