package io.ssot.persist;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings the schema up to date at start-up (Flyway, versioned scripts in {@code db/migration}).
 * Idempotent and safe on every start; concurrent starts are serialised by Flyway's lock.
 */
public final class Migrations {

  private Migrations() {
  }

  /** Blocking: call before serving, off any event loop. */
  public static MigrateResult apply(PgLocation pg) {
    return Flyway.configure()
        .dataSource(pg.jdbcUrl(), pg.user(), pg.password())
        .locations("classpath:db/migration")
        .table("ssot_schema_history")
        .load()
        .migrate();
  }
}
