package io.kos.verticle;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * One kind of verticle a module deploys. A module's API usually scales (one instance per
 * {@code instances} setting, any of them answers a request); work that must have one writer per
 * node — following a chain, publishing in order, housekeeping — is a {@link #single} verticle that
 * the scaled ones talk to over the event bus, instead of a race among instances for who does it.
 *
 * @param role    what it does, for logs: {@code api}, {@code publisher}, ...
 * @param factory a new instance per call
 * @param single  true: exactly one instance per node, whatever {@code instances} says
 */
public record Deployable(String role, Supplier<KosVerticle> factory, boolean single) {

  public Deployable {
    Addresses.requireOperation(role);
    Objects.requireNonNull(factory, "factory");
  }

  /** Deployed {@code verticles.config.<name>.instances} times (default {@code verticles.instances}). */
  public static Deployable scaled(String role, Supplier<KosVerticle> factory) {
    return new Deployable(role, factory, false);
  }

  /** Deployed once per node. */
  public static Deployable single(String role, Supplier<KosVerticle> factory) {
    return new Deployable(role, factory, true);
  }
}
