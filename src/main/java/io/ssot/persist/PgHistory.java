package io.ssot.persist;

import io.ssot.core.ArchivedHistory;
import io.ssot.store.Entry;
import io.ssot.store.StoreException;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * History from {@code ssot_history} for what the local change log no longer holds, read through
 * the Vert.x client, and the retention of that table ({@code pg.historyRetentionRevisions}):
 * rows below the floor are deleted, {@code ssot_current} never is.
 */
public final class PgHistory implements ArchivedHistory {

  private static final Logger LOG = LoggerFactory.getLogger(PgHistory.class);

  private static final String COLUMNS = PgRows.HISTORY_COLUMNS;
  /**
   * Newest first, up to the first version that starts past $5 bytes of page (MvccStore.pageBytes
   * summed over the versions before it): the page's byte bound, applied before the rows leave
   * PostgreSQL.
   */
  private static final String VERSIONS = "SELECT " + COLUMNS + " FROM (SELECT " + COLUMNS + ", coalesce(sum(160"
      + " + octet_length(key) + octet_length(updated_by) + coalesce(octet_length(value), 0)) OVER (ORDER BY revision"
      + " DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS bytes_before FROM ssot_history"
      + " WHERE key = $1 AND revision < $2 AND revision >= $3 ORDER BY revision DESC LIMIT $4) page"
      + " WHERE bytes_before <= $5 ORDER BY revision DESC";
  private static final String LATEST_AT = "SELECT " + COLUMNS + " FROM ssot_history"
      + " WHERE key = $1 AND revision <= $2 AND revision >= $3 ORDER BY revision DESC LIMIT 1";
  private static final String FIRST_AFTER = "SELECT " + COLUMNS + " FROM ssot_history"
      + " WHERE key = $1 AND revision > $2 ORDER BY revision LIMIT 1";
  private static final String CURRENT = "SELECT revision, key, 1::smallint, value, create_revision, version,"
      + " prev_revision, updated_at, updated_by FROM ssot_current WHERE key = $1";
  private static final String TRIM = "DELETE FROM ssot_history WHERE revision < $1";
  /** Revisions deleted per statement, so a first trim of a long history is many short transactions. */
  private static final long TRIM_STEP = 10_000;

  private final Pool pool;
  private volatile long floor;
  private long trimmedTo;
  private boolean trimming;

  /** @param floor the oldest revision {@code ssot_history} holds (1 when nothing was trimmed) */
  PgHistory(Pool pool, long floor) {
    this.pool = pool;
    this.floor = floor;
    this.trimmedTo = floor;
  }

  @Override
  public long floorRevision() {
    return floor;
  }

  @Override
  public Future<List<Entry>> versions(String key, long before, int limit, long maxBytes) {
    return pool.preparedQuery(VERSIONS).execute(Tuple.of(key, before, floor, limit, maxBytes)).map(rows -> {
      List<Entry> items = new ArrayList<>(rows.size());
      for (Row row : rows) {
        items.add(PgRows.history(row));
      }
      return items;
    });
  }

  @Override
  public Future<Entry> at(String key, long revision) {
    long kept = floor;
    if (revision < kept) {
      return Future.failedFuture(new StoreException.Compacted(revision, kept));
    }
    return pool.preparedQuery(LATEST_AT).execute(Tuple.of(key, revision, kept)).compose(rows -> {
      if (rows.size() > 0) {
        return Future.succeededFuture(live(PgRows.history(rows.iterator().next())));
      }
      if (kept <= 1) {
        return Future.succeededFuture(null); // nothing was trimmed: the key had no change up to revision
      }
      // The key's last change up to revision, if any, was trimmed: its next change tells what it was.
      return pool.preparedQuery(FIRST_AFTER).execute(Tuple.of(key, revision)).compose(after -> {
        if (after.size() > 0) {
          Entry next = PgRows.history(after.iterator().next());
          boolean absentBefore = next.prevRevision() == 0
              || (!next.isDelete() && next.createRevision() > next.prevRevision());
          return absentBefore ? Future.succeededFuture(null)
              : Future.failedFuture(new StoreException.Compacted(revision, kept));
        }
        // No change since: the current row (written below the floor) or nothing is the state then.
        return pool.preparedQuery(CURRENT).execute(Tuple.of(key)).map(PgHistory::firstOrNull);
      });
    });
  }

  private static Entry firstOrNull(RowSet<Row> rows) {
    return rows.size() == 0 ? null : PgRows.history(rows.iterator().next());
  }

  private static Entry live(Entry e) {
    return e.isDelete() ? null : e;
  }

  /**
   * Deletes history below {@code bound}. The floor moves first, so reads answer compacted rather
   * than from a table being trimmed. Called from one timer; a run still going skips the next.
   */
  void trimBelow(long bound) {
    if (bound <= floor || trimming) {
      return;
    }
    floor = bound;
    trimming = true;
    trimStep(bound).onComplete(ar -> {
      trimming = false;
      if (ar.failed()) {
        LOG.warn("Trimming PostgreSQL history below revision {} failed: {}", bound, ar.cause().getMessage());
      }
    });
  }

  private Future<Void> trimStep(long bound) {
    long to = Math.min(bound, trimmedTo + TRIM_STEP);
    return pool.preparedQuery(TRIM).execute(Tuple.of(to)).compose(rows -> {
      trimmedTo = to;
      return to < bound ? trimStep(bound) : Future.succeededFuture();
    });
  }
}
