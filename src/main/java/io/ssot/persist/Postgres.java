package io.ssot.persist;

import io.ssot.core.Durability;
import io.ssot.config.Config;
import io.ssot.config.Settings;
import io.ssot.config.StartupFailure;
import io.ssot.store.MvccStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL side of a server: schema, the write-behind and its durability, as one unit the
 * server starts after the local store is open and stops before it is closed.
 */
public final class Postgres {

  private static final Logger LOG = LoggerFactory.getLogger(Postgres.class);

  private final Pool pool;
  private final WriteBehind writeBehind;
  private final PostgresDurability durability;
  private final PgHistory history;
  private final Vertx vertx;
  private final long retentionTimer;
  private final PgProbe probe;

  private Postgres(Pool pool, WriteBehind writeBehind, PostgresDurability durability,
                   PgHistory history, Vertx vertx, long retentionTimer, PgProbe probe) {
    this.probe = probe;
    this.pool = pool;
    this.writeBehind = writeBehind;
    this.durability = durability;
    this.history = history;
    this.vertx = vertx;
    this.retentionTimer = retentionTimer;
  }

  /**
   * Blocking, before the store is open: applies the migrations and reads the high-water mark
   * (every revision up to it is in PostgreSQL).
   */
  public static long prepare(PgLocation pg) {
    MigrateResult result;
    try {
      result = Migrations.apply(pg);
    } catch (FlywayException e) {
      throw StartupFailure.environment("PostgreSQL at " + Settings.PG_URL.name() + " " + pg + " ("
          + Settings.PG_URL.envName() + "): " + reason(e), e);
    }
    if (result.migrationsExecuted > 0) {
      LOG.info("Applied {} schema migration(s) to {}", result.migrationsExecuted, pg);
    }
    try (Connection c = pg.jdbc()) {
      return PgRows.persistedRevision(c);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the write-behind state from " + pg + ": " + e.getMessage(), e);
    }
  }

  /** The driver's own words (the SQLException under Flyway's wrapping), for a one-line start-up failure. */
  private static String reason(FlywayException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState() == null ? "" : sql.getSQLState();
        return (state.startsWith("08") ? "unreachable: " : "") + StartupFailure.describe(sql);
      }
    }
    return StartupFailure.describe(e);
  }

  /**
   * Refuses a local store that cannot continue from PostgreSQL's high-water mark: one behind it
   * (PostgreSQL holds writes this store never saw), one whose change log no longer reaches the
   * revisions still to be written, or one whose history differs from PostgreSQL's where both
   * hold it ({@link DivergenceCheck}).
   */
  public static void checkContinuity(MvccStore store, long persisted, PgLocation pg) {
    checkContinuity(store, persisted, pg, false);
  }

  /**
   * As {@link #checkContinuity(MvccStore, long, PgLocation)}; a cluster node ({@code follows})
   * may be behind PostgreSQL: it catches up from it.
   */
  public static void checkContinuity(MvccStore store, long persisted, PgLocation pg, boolean follows) {
    if (store.revision() < persisted && !follows) {
      throw new IllegalStateException("PostgreSQL (" + pg + ") holds revisions up to " + persisted
          + " but the local store only up to " + store.revision() + ": the data directory is stale or from another "
          + "deployment. Move it away to bootstrap from PostgreSQL, or point pg.url at the right database.");
    }
    if (store.revision() > persisted && store.compactRevision() > persisted + 1) {
      throw new IllegalStateException("the local change log starts at revision " + store.compactRevision()
          + " but PostgreSQL (" + pg + ") has only up to " + persisted + ": revisions in between are lost to both; "
          + "refusing to continue.");
    }
    DivergenceCheck.run(store, persisted, pg);
  }

  public static Postgres start(Vertx vertx, MvccStore store, PgLocation pg, long persisted, Config config,
                               io.micrometer.core.instrument.MeterRegistry registry) {
    Duration syncTimeout = config.get(Settings.PG_SYNC_TIMEOUT);
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.get(Settings.PG_POOL_SIZE)))
        .connectingTo(poolOptions(pg, config))
        .using(vertx)
        .build();
    WriteBehind writeBehind = new WriteBehind(vertx, store, pool, persisted,
        config.get(Settings.PG_MAX_BATCH_REVISIONS), syncTimeout,
        config.get(Settings.PG_CIRCUIT_RESET_TIMEOUT), registry, config.get(Settings.CLUSTER_ENABLED));
    PostgresDurability durability = new PostgresDurability(writeBehind, config.get(Settings.PG_MAX_OUTBOX_REVISIONS),
        syncTimeout);
    PgHistory history = new PgHistory(pool, historyFloor(pg));
    long keep = config.get(Settings.PG_HISTORY_RETENTION_REVISIONS);
    long retentionTimer = -1;
    if (keep > 0) {
      // Trimmed as often as the local change log is compacted.
      retentionTimer = vertx.setPeriodic(config.get(Settings.CHANGELOG_COMPACT_INTERVAL).toMillis(),
          id -> history.trimBelow(writeBehind.persistedRevision() - keep));
    }
    LOG.info("Writing behind to {} from revision {}; its history starts at revision {}{}", pg, persisted + 1,
        history.floorRevision(), keep > 0 ? " and keeps the latest " + keep + " revisions" : "");
    PgProbe probe = new PgProbe(vertx, pg.connectOptions(), config.get(Settings.PG_HEALTH_TIMEOUT));
    return new Postgres(pool, writeBehind, durability, history, vertx, retentionTimer, probe);
  }

  /**
   * In cluster mode PostgreSQL ends a transaction left idle for twice {@code cluster.leaseTimeout}
   * (a leader cut off mid-batch): the batch's share lock on the term would otherwise keep every
   * other node from taking over for as long as the dead connection lingers.
   */
  private static io.vertx.pgclient.PgConnectOptions poolOptions(PgLocation pg, Config config) {
    io.vertx.pgclient.PgConnectOptions options = pg.connectOptions();
    if (config.get(Settings.CLUSTER_ENABLED)) {
      options.addProperty("idle_in_transaction_session_timeout",
          Long.toString(2 * config.get(Settings.CLUSTER_LEASE_TIMEOUT).toMillis()));
    }
    return options;
  }

  /** Blocking, at start-up: the oldest revision {@code ssot_history} still holds. */
  private static long historyFloor(PgLocation pg) {
    try (Connection c = pg.jdbc()) {
      return PgCommitReader.floor(c);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the history of " + pg + ": " + e.getMessage(), e);
    }
  }

  /** History below the local change log, for the API. */
  public PgHistory history() {
    return history;
  }

  public Durability durability() {
    return durability;
  }

  public WriteBehind writeBehind() {
    return writeBehind;
  }

  /** Whether PostgreSQL answers now, for readiness. */
  public PgProbe probe() {
    return probe;
  }

  /** Drains what it can within {@code timeout}, then closes the pool; the rest stays in the outbox. */
  public Future<Void> stop(Duration timeout) {
    vertx.cancelTimer(retentionTimer);
    probe.stop();
    // A pool with a transaction stuck on an unreachable server (a partition) may never finish
    // closing: shutdown does not wait for it; the process exit ends those sockets.
    return writeBehind.stop(timeout).andThen(ar -> pool.close());
  }
}
