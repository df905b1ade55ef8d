package io.kos.node.db;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Runs one owner's migrations ({@code classpath:sql/<owner>}, packaged from {@code sql/<owner>/})
 * into the schema of the same name, with that schema's own history table. Blocking: call it
 * before Vert.x starts.
 */
public final class Migrations {

  private Migrations() {
  }

  /**
   * Loads Flyway's classes and plugins (about 0.4 s in the shaded jar) on another thread while
   * PostgreSQL starts, so that {@link #migrate} does not wait for them. Connects to nothing.
   */
  public static void preloadInBackground() {
    Thread preload = new Thread(() -> {
      try {
        configure("node").dataSource("jdbc:postgresql://127.0.0.1:1/preload", "preload", "").load();
      } catch (RuntimeException ignored) {
        // only a head start; migrate() reports any real problem
      }
    }, "kos-flyway-preload");
    preload.setDaemon(true);
    preload.start();
  }

  /** @return what ran, for logs and {@code /health/ready} */
  public static Applied migrate(Database database, String owner) {
    Flyway flyway = configure(owner).dataSource(database.jdbcUrl(), database.user(), database.password()).load();
    MigrateResult result = flyway.migrate();
    // target is null when nothing ran; then the schema is still at its initial version
    String version = result.targetSchemaVersion != null ? result.targetSchemaVersion
        : result.initialSchemaVersion != null ? result.initialSchemaVersion : "none";
    return new Applied(owner, version, result.migrationsExecuted);
  }

  private static FluentConfiguration configure(String owner) {
    return Flyway.configure(Migrations.class.getClassLoader())
        .schemas(owner)
        .defaultSchema(owner)
        .createSchemas(true)
        .table("flyway_schema_history")
        .locations("classpath:sql/" + owner)
        .failOnMissingLocations(false);
  }

  /** @param executedNow migrations run by this start (0 when the schema was already current) */
  public record Applied(String schema, String version, int executedNow) {
  }
}
