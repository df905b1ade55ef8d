package io.kos.verticle;

import io.kos.verticle.outbound.OutboundGuard;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

/**
 * What the node hands a verticle instance before deploying it.
 *
 * @param name      the verticle's name (also its schema)
 * @param pool      a pool whose connections have {@code search_path} set to the verticle's schema;
 *                  owned and closed by the node, shared by all instances of the verticle
 * @param config    the verticle's own section of the node config ({@code verticles.config.<name>})
 * @param nodeId    the node's DID
 * @param nodeClass the node's class
 * @param meters    the node's metrics registry: what a verticle registers here is on {@code /metrics}
 * @param secrets   seals what the verticle stores of secrets, under the node's master key
 * @param outbound  which addresses the verticle may call out to ({@code outbound.allow}); use it
 *                  through {@link io.kos.verticle.outbound.OutboundHttp}
 * @param listeners makes a {@code LISTEN} subscriber on a connection of its own (not one of the
 *                  pool's, which it would hold for good), reconnecting by its policy; the verticle
 *                  that connects one closes it when it stops
 * @param dataDir   the node's data directory ({@code node.data_dir}); a verticle keeps its files
 *                  in a folder of its own there
 */
public record VerticleEnv(String name, Pool pool, JsonObject config, String nodeId, String nodeClass, MeterRegistry meters,
                          SecretBox secrets, OutboundGuard outbound, java.util.function.Supplier<PgSubscriber> listeners,
                          java.nio.file.Path dataDir) {
}
