package io.ssot.persist;

import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.SnapshotCursor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives an empty PostgreSQL database the state of a restored snapshot: {@code ssot_current}
 * gets every entry as it is, the high-water mark becomes the snapshot's revision, and
 * {@code ssot_history} stays empty (history starts after the snapshot, as in the restored
 * store's change log). One transaction, blocking JDBC: call from a worker or at start-up.
 * The write-behind then goes on from the revision after the snapshot's. A database that holds
 * anything is refused: a restore never overwrites PostgreSQL.
 */
public final class PgSeed {

  private static final Logger LOG = LoggerFactory.getLogger(PgSeed.class);
  private static final int BATCH = 1000;

  /** Entries of the state to seed, in any order. */
  public interface Source {
    void forEach(Consumer<Entry> entries) throws IOException;
  }

  private PgSeed() {
  }

  /** Whether the database was never written: no revision persisted, no row. */
  public static boolean isEmpty(PgLocation pg) {
    try (Connection c = pg.jdbc()) {
      return isEmpty(c);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read " + pg + ": " + e.getMessage(), e);
    }
  }

  private static boolean isEmpty(Connection c) throws SQLException {
    return PgRows.persistedRevision(c) == 0
        && PgRows.queryLong(c, "SELECT count(*) FROM (SELECT 1 FROM ssot_current LIMIT 1) x") == 0
        && PgRows.queryLong(c, "SELECT count(*) FROM (SELECT 1 FROM ssot_history LIMIT 1) x") == 0;
  }

  /**
   * At start-up: a store restored offline (its change log starts right after its revision, it
   * has taken no write since) with an empty database is written into it; otherwise nothing.
   *
   * @return the revision now persisted (the store's), or -1 when nothing was seeded
   */
  public static long afterOfflineRestore(PgLocation pg, MvccStore store) throws IOException {
    if (store.revision() == 0 || store.compactRevision() != store.revision() + 1 || !isEmpty(pg)) {
      return -1;
    }
    try (SnapshotCursor cursor = store.openSnapshotWhenListed()) {
      seed(pg, cursor.revision(), entries -> {
        for (List<Entry> page = cursor.next(BATCH, 1 << 20); !page.isEmpty(); page = cursor.next(BATCH, 1 << 20)) {
          page.forEach(entries);
        }
      });
      return cursor.revision();
    }
  }

  /** Writes {@code source} (the state at {@code revision}) into the empty database {@code pg}. */
  public static void seed(PgLocation pg, long revision, Source source) throws IOException {
    long started = System.nanoTime();
    long[] rows = {0};
    try (Connection c = pg.jdbc()) {
      c.setAutoCommit(false);
      // Taken first: a write-behind or another seed cannot interleave.
      PgRows.queryLong(c, "SELECT persisted_revision FROM ssot_state WHERE id = 1 FOR UPDATE");
      if (!isEmpty(c)) {
        c.rollback();
        throw new IOException("PostgreSQL (" + pg + ") is not empty: a snapshot is restored only together with an "
            + "empty database; nothing was changed");
      }
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO ssot_current (key, value, revision, "
          + "create_revision, version, prev_revision, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        source.forEach(e -> {
          try {
            insert.setString(1, e.key());
            insert.setBytes(2, e.value());
            insert.setLong(3, e.revision());
            insert.setLong(4, e.createRevision());
            insert.setLong(5, e.version());
            insert.setLong(6, e.prevRevision());
            insert.setTimestamp(7, new Timestamp(e.updatedAt()));
            insert.setString(8, e.updatedBy());
            insert.addBatch();
            if (++rows[0] % BATCH == 0) {
              insert.executeBatch();
            }
          } catch (SQLException x) {
            throw new UncheckedIOException(new IOException(x.getMessage(), x));
          }
        });
        insert.executeBatch();
      } catch (UncheckedIOException e) {
        c.rollback();
        throw e.getCause();
      }
      try (PreparedStatement mark = c.prepareStatement("UPDATE ssot_state SET persisted_revision = ? WHERE id = 1")) {
        mark.setLong(1, revision);
        mark.executeUpdate();
      }
      c.commit();
    } catch (SQLException e) {
      throw new IOException("cannot write the restored state into " + pg + ": " + e.getMessage(), e);
    }
    LOG.info("Wrote the restored state at revision {} ({} keys) into {} in {} ms", revision, rows[0], pg,
        (System.nanoTime() - started) / 1_000_000);
  }
}
