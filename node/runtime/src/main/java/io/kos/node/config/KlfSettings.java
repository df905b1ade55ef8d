package io.kos.node.config;

import io.kos.verticle.Caller;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code klf.*} settings; see {@link Setting#ALL} for each one's meaning.
 *
 * @param acceptUnknown the role of a verified sender missing from the peer list, or null to refuse it
 * @param ca            PEM certificates trusted besides the JDK's when this node calls a node over https, or null
 * @param discoverable  whether the identity and capability documents answer anonymous callers
 * @param mdns          whether a discoverable node announces itself over mDNS
 * @param maintenanceExpiry how long a maintenance request waits for this node's admin, and an approval for its run
 */
public record KlfSettings(
    List<Peer> peers,
    Caller.Role acceptUnknown,
    Duration maxClockSkew,
    Duration replayWindow,
    int maxMessageBytes,
    Duration taskTimeout,
    Duration taskRetention,
    Duration maintenanceExpiry,
    Path ca,
    boolean discoverable,
    boolean mdns) {

  /** One entry of {@code klf.peers}: a node this node trusts, with the role its messages act with. */
  public record Peer(String did, Caller.Role role, String name) {
  }
}
