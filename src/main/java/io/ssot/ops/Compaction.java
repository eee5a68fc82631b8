package io.ssot.ops;

import io.ssot.config.Config;
import io.ssot.config.Settings;
import io.ssot.store.MvccStore;
import io.vertx.core.Vertx;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts the change log every {@code changelog.compactInterval} on a worker thread, keeping
 * both retentions ({@code changelog.retentionRevisions}, {@code changelog.retentionAge}) and every
 * revision PostgreSQL does not have yet.
 */
public final class Compaction {

  private static final Logger LOG = LoggerFactory.getLogger(Compaction.class);

  private final Vertx vertx;
  private final long timer;

  /**
   * @param keepFrom the first revision that must stay in the change log whatever the retentions
   *                 (the first one not yet in PostgreSQL; {@code Long.MAX_VALUE} without it)
   */
  private Compaction(Vertx vertx, MvccStore store, Config config, LongSupplier keepFrom) {
    this.vertx = vertx;
    long keepRevisions = config.get(Settings.CHANGELOG_RETENTION_REVISIONS);
    long keepMillis = config.get(Settings.CHANGELOG_RETENTION_AGE).toMillis();
    this.timer = vertx.setPeriodic(config.get(Settings.CHANGELOG_COMPACT_INTERVAL).toMillis(), id ->
        vertx.executeBlocking(() -> store.compact(keepRevisions, System.currentTimeMillis() - keepMillis,
            keepFrom.getAsLong()), false).onFailure(e -> LOG.warn("Compaction failed", e)));
  }

  public static Compaction schedule(Vertx vertx, MvccStore store, Config config, LongSupplier keepFrom) {
    return new Compaction(vertx, store, config, keepFrom);
  }

  /** No compaction starts after this; one already running finishes. */
  public void cancel() {
    vertx.cancelTimer(timer);
  }
}
