package io.kos.node;

import io.kos.verticle.Addresses;
import io.kos.verticle.VerticleModule;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/** The verticle modules in this binary, found through {@link ServiceLoader}, by name. */
public final class Modules {

  /** Names the node uses itself: a schema, a route prefix or an address segment. */
  private static final Set<String> RESERVED = Set.of("node", "auth", "klf", "health", "metrics");

  private Modules() {
  }

  public static Map<String, VerticleModule> discover() {
    Map<String, VerticleModule> modules = new TreeMap<>();
    for (VerticleModule module : ServiceLoader.load(VerticleModule.class)) {
      String name = Addresses.requireName(module.name());
      if (RESERVED.contains(name)) {
        throw new IllegalStateException("verticle module " + module.getClass().getName() + " uses the reserved name " + name);
      }
      VerticleModule previous = modules.put(name, module);
      if (previous != null) {
        throw new IllegalStateException("two verticle modules are named " + name + ": "
            + previous.getClass().getName() + " and " + module.getClass().getName());
      }
    }
    return modules;
  }
}
