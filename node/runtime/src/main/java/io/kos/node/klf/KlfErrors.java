package io.kos.node.klf;

import io.kos.verticle.ErrorCode;

import java.util.List;

/**
 * Why {@code POST /klf/v1/message} (or {@code kos.node.<did>.klf}) refused a message before
 * anything ran, answered as a plain JSON error; and the codes of the signed error replies.
 */
public final class KlfErrors {

  static final ErrorCode INVALID_MESSAGE = new ErrorCode("invalid_message", 400,
      "the message is not a KLF 1.0 envelope: a member is missing, of the wrong type, or unknown; `field` names it",
      "build the envelope as docs/klf.md writes it");
  static final ErrorCode UNSUPPORTED_TYPE = new ErrorCode("unsupported_type", 400, "the message's `type` is not a KLF type",
      "use one of the types docs/klf.md lists");
  static final ErrorCode BAD_SENDER_KEY = new ErrorCode("bad_sender_key", 401,
      "`sender_key` is not base64 of an Ed25519 public key (X.509), or does not derive the `from` DID",
      "send the key the DID derives from (the node's `/klf/v1/identity` `publicKey`)");
  static final ErrorCode BAD_SIGNATURE = new ErrorCode("bad_signature", 401,
      "the signature does not verify over the RFC 8785 canonical JSON of the envelope without `signature`",
      "sign the message as it is sent; nothing may change it after signing");
  static final ErrorCode STALE_MESSAGE = new ErrorCode("stale_message", 401,
      "the `timestamp` is more than `klf.max_clock_skew` from this node's clock, or older than its `ttl_seconds`",
      "check the sender's clock (NTP) and send a new message");
  static final ErrorCode UNKNOWN_NODE = new ErrorCode("unknown_node", 403,
      "the sender's DID is not on this node's peer list (`klf.peers`, `/api/auth/v1/peers`)",
      "ask the node's admin to add the DID as a peer");
  static final ErrorCode REPLAYED_MESSAGE = new ErrorCode("replayed_message", 409,
      "a message with this `id` was already received (within the replay window, or a task already requested)",
      "send a new message with a new id");
  static final ErrorCode WRONG_RECIPIENT = new ErrorCode("wrong_recipient", 421, "the message's `to` is not this node's DID",
      "address the message to the DID the node's `/klf/v1/identity` names");
  public static final ErrorCode MESSAGE_TOO_LARGE = new ErrorCode("message_too_large", 413,
      "the message is larger than `klf.max_message_bytes`", "send less (large data goes by reference, not inline)");
  static final ErrorCode INVALID_REPLY_TO = new ErrorCode("invalid_reply_to", 422,
      "`metadata.reply_to` is neither a DID of this cluster nor an http(s) URL ending in /klf/v1/message",
      "give the requester's `/klf/v1/message` URL or its DID");

  /** The refusals of the KLF endpoint, in status order. */
  public static final List<ErrorCode> ALL = List.of(INVALID_MESSAGE, UNSUPPORTED_TYPE, BAD_SENDER_KEY, BAD_SIGNATURE, STALE_MESSAGE,
      UNKNOWN_NODE, REPLAYED_MESSAGE, MESSAGE_TOO_LARGE, WRONG_RECIPIENT, INVALID_REPLY_TO);

  /** Codes in the {@code error} of a signed {@code data_result} or {@code task_error}; not HTTP refusals. */
  public static final String UNKNOWN_OPERATION = "unknown_operation";
  public static final String INTERRUPTED = "INTERRUPTED";
  public static final String TIMEOUT = "TIMEOUT";

  private KlfErrors() {
  }
}
