package io.kos.ingest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.web3j.abi.EventEncoder;
import org.web3j.crypto.Hash;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Event;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The event definitions the chain follower decodes, read from a JSON catalogue
 * ({@code abi/erc8004-v1.json}, {@code abi/erc8004-v0.4.json}): one entry per event with its registry, name and inputs, and the
 * {@code events} column each input fills. A new ABI version is a new catalogue file, not new code.
 * Signatures and topics are computed by web3j, not written by hand.
 */
final class AbiCatalog {

  /** ERC-8004 as deployed since January 2026: the default. */
  static final String V1 = "erc8004-v1";
  /** The October 2025 release, on the legacy testnet deployments. */
  static final String V04 = "erc8004-v0.4";
  static final String DEFAULT = V1;

  /** One input of an event: its Solidity type, whether it is a topic, and the column it fills (null: not stored). */
  record Input(String name, String type, boolean indexed, String column, TypeReference<?> reference) {
  }

  /**
   * One event definition; {@code topic} is keccak-256 of its canonical signature and
   * {@code topicCount} the topics its logs carry (topic0 and one per indexed input).
   */
  record Definition(String registry, String name, List<Input> inputs, String topic, int topicCount) {
  }

  private final String version;
  private final String specVersion;
  /** By topic0, then by topic count: ERC-721 and ERC-20 {@code Transfer} share a signature and differ only in what is indexed. */
  private final Map<String, Map<Integer, Definition>> byTopic;
  private final Set<String> ignored;

  private AbiCatalog(String version, String specVersion, Map<String, Map<Integer, Definition>> byTopic, Set<String> ignored) {
    this.specVersion = specVersion;
    this.ignored = ignored;
    this.version = version;
    this.byTopic = byTopic;
  }

  /** A catalogue by name ({@code erc8004-v1}: {@code abi/erc8004-v1.json}) or by class-path resource ({@code ….json}). */
  static AbiCatalog load(String nameOrResource) {
    String resource = nameOrResource.endsWith(".json") ? nameOrResource : "abi/" + nameOrResource + ".json";
    try (InputStream in = AbiCatalog.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no ABI catalogue " + resource + " on the class path");
      }
      return parse(new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static AbiCatalog parse(JsonObject catalogue) {
    Map<String, Map<Integer, Definition>> byTopic = new LinkedHashMap<>();
    for (Object entry : catalogue.getJsonArray("events")) {
      JsonObject event = (JsonObject) entry;
      String registry = event.getString("registry");
      String name = event.getString("name");
      if (!EventSchema.EVENT_TYPES.getOrDefault(registry, java.util.Set.of()).contains(name)) {
        throw new IllegalArgumentException("catalogue event " + registry + "/" + name + " is not an event type the log stores");
      }
      List<Input> inputs = new ArrayList<>();
      List<TypeReference<?>> references = new ArrayList<>();
      for (Object i : event.getJsonArray("inputs", new JsonArray())) {
        JsonObject input = (JsonObject) i;
        String column = input.getString("column");
        if (column != null && !EventSchema.INDEX.containsKey(column)) {
          throw new IllegalArgumentException("catalogue event " + name + " fills unknown column " + column);
        }
        TypeReference<?> reference;
        try {
          reference = TypeReference.makeTypeReference(input.getString("type"), input.getBoolean("indexed", false), false);
        } catch (ClassNotFoundException e) {
          throw new IllegalArgumentException("catalogue event " + name + ": unknown Solidity type " + input.getString("type"));
        }
        inputs.add(new Input(input.getString("name"), input.getString("type"), input.getBoolean("indexed", false), column, reference));
        references.add(reference);
      }
      String topic = EventEncoder.encode(new Event(name, references));
      int topicCount = 1 + (int) inputs.stream().filter(Input::indexed).count();
      Definition definition = new Definition(registry, name, List.copyOf(inputs), topic, topicCount);
      if (byTopic.computeIfAbsent(topic, t -> new HashMap<>()).putIfAbsent(topicCount, definition) != null) {
        throw new IllegalArgumentException("catalogue event " + name + " is defined twice with the same indexed inputs");
      }
    }
    Set<String> ignored = new HashSet<>();
    JsonObject ignoring = catalogue.getJsonObject("ignored", new JsonObject());
    for (Object signature : ignoring.getJsonArray("signatures", new JsonArray())) {
      ignored.add(Hash.sha3String((String) signature));
    }
    String specVersion = catalogue.getString("spec_version", EventSchema.V04);
    if (!specVersion.equals(EventSchema.V04) && !specVersion.equals(EventSchema.V1)) {
      throw new IllegalArgumentException("catalogue spec_version must be v0.4 or v1, not " + specVersion);
    }
    Map<String, Map<Integer, Definition>> frozen = new LinkedHashMap<>();
    byTopic.forEach((topic, shapes) -> frozen.put(topic, Map.copyOf(shapes)));
    return new AbiCatalog(catalogue.getString("version"), specVersion, java.util.Collections.unmodifiableMap(frozen), Set.copyOf(ignored));
  }

  String version() {
    return version;
  }

  /** The {@code spec_version} of the events it decodes: {@code v0.4} or {@code v1}. */
  String specVersion() {
    return specVersion;
  }

  /** The definition of a log with this topic0 and this many topics, or null. */
  Definition definition(String topic0, int topicCount) {
    Map<Integer, Definition> shapes = byTopic.get(topic0.toLowerCase(java.util.Locale.ROOT));
    return shapes == null ? null : shapes.get(topicCount);
  }

  /** Every topic0 the catalogue decodes. */
  List<String> topics() {
    return List.copyOf(byTopic.keySet());
  }

  /** True for the topic0 of an event the registries emit that the log does not store (ERC-721, ERC-4906). */
  boolean isIgnored(String topic0) {
    return ignored.contains(topic0.toLowerCase(java.util.Locale.ROOT));
  }
}
