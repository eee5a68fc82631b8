package io.ssot.persist;

import io.ssot.api.Durability;
import io.ssot.config.Config;
import io.ssot.config.Settings;
import io.ssot.store.MvccStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL side of a server: schema, the write-behind and its durability, as one unit the
 * server starts after the local store is open and stops before it is closed.
 */
public final class Postgres {

  private static final Logger LOG = LoggerFactory.getLogger(Postgres.class);

  private final PgLocation location;
  private final Pool pool;
  private final WriteBehind writeBehind;
  private final PostgresDurability durability;

  private Postgres(PgLocation location, Pool pool, WriteBehind writeBehind, PostgresDurability durability) {
    this.location = location;
    this.pool = pool;
    this.writeBehind = writeBehind;
    this.durability = durability;
  }

  /**
   * Blocking, before the store is open: applies the migrations and reads the high-water mark
   * (every revision up to it is in PostgreSQL).
   */
  public static long prepare(PgLocation pg) {
    var result = Migrations.apply(pg);
    if (result.migrationsExecuted > 0) {
      LOG.info("Applied {} schema migration(s) to {}", result.migrationsExecuted, pg);
    }
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.jdbcProperties());
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT persisted_revision FROM ssot_state WHERE id = 1")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the write-behind state from " + pg + ": " + e.getMessage(), e);
    }
  }

  /**
   * Refuses a local store that cannot continue from PostgreSQL's high-water mark: one behind it
   * (PostgreSQL holds writes this store never saw) or one whose change log no longer reaches the
   * revisions still to be written.
   */
  public static void checkContinuity(MvccStore store, long persisted, PgLocation pg) {
    if (store.revision() < persisted) {
      throw new IllegalStateException("PostgreSQL (" + pg + ") holds revisions up to " + persisted
          + " but the local store only up to " + store.revision() + ": the data directory is stale or from another "
          + "deployment. Move it away to bootstrap from PostgreSQL, or point pg.url at the right database.");
    }
    if (store.revision() > persisted && store.compactRevision() > persisted + 1) {
      throw new IllegalStateException("the local change log starts at revision " + store.compactRevision()
          + " but PostgreSQL (" + pg + ") has only up to " + persisted + ": revisions in between are lost to both; "
          + "refusing to continue.");
    }
  }

  public static Postgres start(Vertx vertx, MvccStore store, PgLocation pg, long persisted, Config config,
                               io.micrometer.core.instrument.MeterRegistry registry) {
    Duration syncTimeout = config.get(Settings.PG_SYNC_TIMEOUT);
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.get(Settings.PG_POOL_SIZE)))
        .connectingTo(pg.connectOptions())
        .using(vertx)
        .build();
    WriteBehind writeBehind = new WriteBehind(vertx, store, pool, persisted,
        config.get(Settings.PG_MAX_BATCH_REVISIONS), syncTimeout,
        config.get(Settings.PG_CIRCUIT_RESET_TIMEOUT), registry);
    PostgresDurability durability = new PostgresDurability(writeBehind, config.get(Settings.PG_MAX_OUTBOX_REVISIONS),
        syncTimeout);
    LOG.info("Writing behind to {} from revision {}", pg, persisted + 1);
    return new Postgres(pg, pool, writeBehind, durability);
  }

  public Durability durability() {
    return durability;
  }

  public WriteBehind writeBehind() {
    return writeBehind;
  }

  public PgLocation location() {
    return location;
  }

  /** Drains what it can within {@code timeout}, then closes the pool; the rest stays in the outbox. */
  public Future<Void> stop(Duration timeout) {
    return writeBehind.flush(timeout).eventually(pool::close);
  }
}
