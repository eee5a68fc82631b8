package io.ssot.persist;

import io.ssot.security.Audit;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.SnapshotCursor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds drift between the store and PostgreSQL: a row of {@code ssot_current} changed, added or
 * removed outside the server (by hand), or a key the write-behind never wrote. It only reports
 * (metric {@code ssot_pg_drift_keys}, readiness, an audit line, {@code GET /v1/pg/drift}); it
 * never writes either side.
 *
 * <p>One check, on a worker thread: a store cursor at its revision R ({@link SnapshotCursor});
 * then, once PostgreSQL's high-water mark P has reached R, in one repeatable-read transaction,
 * {@code ssot_current} in key order merged with the cursor. Keys PostgreSQL changed after R
 * ({@code ssot_history} above R, normal write-behind) are left out of this check: their states
 * are of different revisions. Every other key must have the same value bytes and mod revision
 * on both sides; a SHA-256 digest of each side over those keys is reported with the keys that
 * differ (the first {@value #MAX_KEYS} of them, and how many in all).
 */
public final class PgDrift {

  private static final Logger LOG = LoggerFactory.getLogger(PgDrift.class);
  static final int MAX_KEYS = 1000;
  private static final long CATCH_UP_MILLIS = 30_000;

  /** One key that differs: its mod revision on each side, 0 where it is missing. */
  public record Difference(String key, long storeRevision, long pgRevision) {
  }

  /** What one check found. */
  public record Result(long revision, long pgRevision, long checkedAtMillis, String storeDigest, String pgDigest,
                       long compared, long skipped, long drifted, List<Difference> keys) {
  }

  private final Vertx vertx;
  private final MvccStore store;
  private final PgLocation pg;
  private final long timer;
  private Future<Result> running;
  private volatile Result last;
  private volatile String lastError;

  /** @param interval zero: only checks asked for ({@link #check}) */
  public PgDrift(Vertx vertx, MvccStore store, PgLocation pg, Duration interval) {
    this.vertx = vertx;
    this.store = store;
    this.pg = pg;
    this.timer = interval.isZero() ? -1 : vertx.setPeriodic(interval.toMillis(), id -> check());
  }

  /**
   * A check that starts after this call (one already running may predate a change the caller
   * made): after the running one, if any, a new one, or one the timer started meanwhile.
   */
  public synchronized Future<Result> checkFresh() {
    return running == null ? check() : running.transform(ar -> check());
  }

  /** Runs a check unless one is running, and answers that one's result. */
  private synchronized Future<Result> check() {
    if (running != null) {
      return running;
    }
    Promise<Result> done = Promise.promise();
    running = done.future();
    vertx.executeBlocking(this::compare, false).onComplete(ar -> {
      synchronized (this) {
        running = null;
      }
      if (ar.succeeded()) {
        last = ar.result();
        lastError = null;
        report(ar.result());
        done.complete(ar.result());
      } else {
        lastError = ar.cause().getMessage();
        LOG.warn("The drift check against {} failed: {}", pg, lastError);
        done.fail(ar.cause());
      }
    });
    return running;
  }

  private void report(Result r) {
    if (r.drifted() == 0) {
      return;
    }
    List<String> keys = r.keys().stream().map(Difference::key).toList();
    LOG.warn("The store and PostgreSQL ({}) differ at revision {} in {} keys, among them {}; neither side was changed",
        pg, r.revision(), r.drifted(), keys.subList(0, Math.min(10, keys.size())));
    Audit.drift(r.revision(), r.drifted(), keys);
  }

  /** The last check's result, or null before the first one succeeded. */
  public Result last() {
    return last;
  }

  /** Why the last check failed, or null when it succeeded. */
  public String lastError() {
    return lastError;
  }

  /** Keys found different by the last check (0 before one ran). */
  public long driftedKeys() {
    Result r = last;
    return r == null ? 0 : r.drifted();
  }

  public void cancel() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
  }

  private Result compare() throws SQLException, InterruptedException {
    try (SnapshotCursor cursor = store.openSnapshot(); Connection c = pg.jdbc()) {
      long revision = cursor.revision();
      long deadline = System.currentTimeMillis() + CATCH_UP_MILLIS;
      while (PgRows.persistedRevision(c) < revision) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("PostgreSQL did not reach revision " + revision + " within "
              + CATCH_UP_MILLIS / 1000 + " s; compared next time");
        }
        Thread.sleep(100);
      }
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      long pgRevision = PgRows.persistedRevision(c);
      Set<String> moving = changedAfter(c, revision);
      Merge merge = new Merge(moving);
      try (PreparedStatement s = c.prepareStatement("SELECT key, value, revision FROM ssot_current ORDER BY "
          + PgRows.KEY_ORDER)) {
        s.setFetchSize(1000);
        try (ResultSet rs = s.executeQuery()) {
          Iterator<Entry> local = entries(cursor);
          Entry mine = local.hasNext() ? local.next() : null;
          boolean more = rs.next();
          while (mine != null || more) {
            String theirs = more ? rs.getString(1) : null;
            int order = mine == null ? 1 : theirs == null ? -1 : mine.key().compareTo(theirs);
            if (order < 0) {
              merge.onlyInStore(mine);
              mine = local.hasNext() ? local.next() : null;
            } else if (order > 0) {
              merge.onlyInPg(theirs, rs.getBytes(2), rs.getLong(3));
              more = rs.next();
            } else {
              merge.both(mine, rs.getBytes(2), rs.getLong(3));
              mine = local.hasNext() ? local.next() : null;
              more = rs.next();
            }
          }
        }
      }
      c.rollback();
      return merge.result(revision, pgRevision);
    }
  }

  /** Keys PostgreSQL changed after {@code revision}, within this transaction's view. */
  private static Set<String> changedAfter(Connection c, long revision) throws SQLException {
    Set<String> keys = new HashSet<>();
    try (PreparedStatement s = c.prepareStatement("SELECT DISTINCT key FROM ssot_history WHERE revision > ?")) {
      s.setLong(1, revision);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          keys.add(rs.getString(1));
        }
      }
    }
    return keys;
  }

  /** The cursor's entries, page by page. */
  private static Iterator<Entry> entries(SnapshotCursor cursor) {
    return new Iterator<>() {
      private Iterator<Entry> page = cursor.next(1000, 1 << 20).iterator();

      @Override
      public boolean hasNext() {
        if (!page.hasNext()) {
          page = cursor.next(1000, 1 << 20).iterator();
        }
        return page.hasNext();
      }

      @Override
      public Entry next() {
        return page.next();
      }
    };
  }

  /** Both digests and the differences, as the merge goes through the keys in order. */
  private static final class Merge {
    private final Set<String> moving;
    private final MessageDigest storeDigest = sha256();
    private final MessageDigest pgDigest = sha256();
    private final List<Difference> keys = new ArrayList<>();
    private long compared;
    private long skipped;
    private long drifted;

    Merge(Set<String> moving) {
      this.moving = moving;
    }

    void onlyInStore(Entry mine) {
      if (!skip(mine.key())) {
        digest(storeDigest, mine.key(), mine.value(), mine.revision());
        differs(mine.key(), mine.revision(), 0);
      }
    }

    void onlyInPg(String key, byte[] value, long revision) {
      if (!skip(key)) {
        digest(pgDigest, key, value, revision);
        differs(key, 0, revision);
      }
    }

    void both(Entry mine, byte[] value, long revision) {
      if (skip(mine.key())) {
        return;
      }
      digest(storeDigest, mine.key(), mine.value(), mine.revision());
      digest(pgDigest, mine.key(), value, revision);
      if (mine.revision() != revision || !Arrays.equals(mine.value(), value)) {
        differs(mine.key(), mine.revision(), revision);
      }
    }

    private boolean skip(String key) {
      compared++;
      if (moving.contains(key)) {
        skipped++;
        return true;
      }
      return false;
    }

    private void differs(String key, long storeRevision, long pgRevision) {
      drifted++;
      if (keys.size() < MAX_KEYS) {
        keys.add(new Difference(key, storeRevision, pgRevision));
      }
    }

    Result result(long revision, long pgRevision) {
      HexFormat hex = HexFormat.of();
      return new Result(revision, pgRevision, System.currentTimeMillis(), hex.formatHex(storeDigest.digest()),
          hex.formatHex(pgDigest.digest()), compared - skipped, skipped, drifted, List.copyOf(keys));
    }

    private static void digest(MessageDigest d, String key, byte[] value, long revision) {
      d.update(key.getBytes(StandardCharsets.UTF_8));
      d.update((byte) 0);
      d.update(Long.toString(revision).getBytes(StandardCharsets.US_ASCII));
      d.update((byte) 0);
      d.update(Long.toString(value.length).getBytes(StandardCharsets.US_ASCII));
      d.update((byte) 0);
      d.update(value);
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
