package io.ssot.persist;

import io.ssot.store.Commit;
import io.ssot.store.Entry;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads PostgreSQL's history ({@code ssot_history}) back into commits, over JDBC: what a store
 * is built from (bootstrap), compared with (the divergence check) or caught up from. Blocking:
 * at start-up or on a worker thread, never on an event loop.
 *
 * <p>Changes of one revision come in key order: PostgreSQL does not keep the order of a
 * transaction's operations.
 */
public final class PgCommitReader {

  private static final String RANGE = "SELECT " + PgRows.HISTORY_COLUMNS
      + " FROM ssot_history WHERE revision BETWEEN ? AND ? ORDER BY revision, " + PgRows.KEY_ORDER;

  /** Rows fetched per round trip, so a long history streams instead of filling the heap. */
  private static final int FETCH_ROWS = 1000;

  private PgCommitReader() {
  }

  /** A revision that the high-water mark says PostgreSQL holds and its history does not. */
  public static final class MissingRevision extends IOException {
    private final long revision;

    MissingRevision(long revision) {
      super("PostgreSQL's history has no revision " + revision);
      this.revision = revision;
    }

    public long revision() {
      return revision;
    }
  }

  /** PostgreSQL's high-water mark: every revision up to it is in its history. */
  public static long persisted(Connection c) throws SQLException {
    return PgRows.persistedRevision(c);
  }

  /**
   * The oldest revision {@code ssot_history} holds: 1 when nothing was trimmed; when it holds
   * none, the next revision to be written (1, or the one after a restored snapshot's, {@link PgSeed}).
   */
  public static long floor(Connection c) throws SQLException {
    return PgRows.queryLong(c, "SELECT coalesce((SELECT min(revision) FROM ssot_history), "
        + "(SELECT persisted_revision + 1 FROM ssot_state WHERE id = 1))");
  }

  /**
   * Calls {@code action} with the commit of every revision from {@code first} to {@code last},
   * in order. The connection must not be in auto-commit, so that the rows stream through a cursor.
   *
   * @throws MissingRevision when a revision in the range has no row; the ones before it were read
   */
  public static void read(Connection c, long first, long last, Consumer<Commit> action)
      throws SQLException, MissingRevision {
    try (PreparedStatement s = c.prepareStatement(RANGE)) {
      s.setLong(1, first);
      s.setLong(2, last);
      s.setFetchSize(FETCH_ROWS);
      try (ResultSet rs = s.executeQuery()) {
        long expected = first;
        List<Entry> changes = new ArrayList<>();
        boolean more = rs.next();
        while (more) {
          Entry change = PgRows.history(rs);
          if (change.revision() != expected) {
            throw new MissingRevision(expected);
          }
          changes.add(change);
          more = rs.next();
          if (!more || rs.getLong(1) != expected) {
            action.accept(new Commit(expected, changes.get(0).updatedAt(), List.copyOf(changes)));
            changes.clear();
            expected++;
          }
        }
        if (expected <= last) {
          throw new MissingRevision(expected);
        }
      }
    }
  }
}
