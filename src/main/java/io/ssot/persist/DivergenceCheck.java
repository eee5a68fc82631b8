package io.ssot.persist;

import io.ssot.store.Commit;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Refuses a local store whose history differs from PostgreSQL's at revisions both hold (a data
 * directory written against another database, or a database restored from elsewhere). Compares
 * the latest {@value #WINDOW} such revisions change by change (key, put or delete, value bytes).
 * Blocking JDBC at start-up; it never changes either side.
 */
public final class DivergenceCheck {

  static final int WINDOW = 1000;

  private DivergenceCheck() {
  }

  static void run(MvccStore store, long persisted, PgLocation pg) {
    long last = Math.min(store.revision(), persisted);
    try (Connection c = pg.jdbc()) {
      long first = Math.max(Math.max(store.compactRevision(), last - WINDOW + 1), PgCommitReader.floor(c));
      if (first > last) {
        return;
      }
      c.setAutoCommit(false);
      try {
        PgCommitReader.read(c, first, last, remote -> {
          Commit local = store.commitAt(remote.revision());
          String difference = difference(local == null ? List.of() : local.changes(), remote.changes());
          if (difference != null) {
            throw refusal(pg, remote.revision(), difference);
          }
        });
      } catch (PgCommitReader.MissingRevision e) {
        throw refusal(pg, e.revision(), "PostgreSQL's history has no change there");
      }
      c.rollback();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot compare the local store with " + pg + ": " + e.getMessage(), e);
    }
  }

  private static IllegalStateException refusal(PgLocation pg, long revision, String difference) {
    return new IllegalStateException("the local store and PostgreSQL (" + pg + ") differ at revision " + revision
        + ", " + difference + ": this data directory was written against another database or history. "
        + "Refusing to start; neither side was changed. Point pg.url at the database this data directory "
        + "belongs to, or move the directory away to bootstrap it from PostgreSQL.");
  }

  /** The first key whose change differs, described; {@code null} when both sides agree. */
  public static String difference(List<Entry> local, List<Entry> remote) {
    List<Entry> a = sorted(local);
    List<Entry> b = sorted(remote);
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      Entry l = i < a.size() ? a.get(i) : null;
      Entry r = i < b.size() ? b.get(i) : null;
      if (l != null && r != null && !l.key().equals(r.key())) {
        // The key that sorts first is missing on the other side.
        if (l.key().compareTo(r.key()) < 0) {
          r = null;
        } else {
          l = null;
        }
      }
      if (l == null || r == null || l.isDelete() != r.isDelete()
          || (!l.isDelete() && !Arrays.equals(l.value(), r.value()))) {
        String key = (l != null ? l : r).key();
        String detail = l != null && r != null && !l.isDelete() && !r.isDelete() ? "different values" : "";
        return "key " + key + " (local: " + describe(l) + ", PostgreSQL: " + describe(r)
            + (detail.isEmpty() ? "" : "; " + detail) + ")";
      }
    }
    return null;
  }

  private static List<Entry> sorted(List<Entry> changes) {
    List<Entry> copy = new ArrayList<>(changes);
    copy.sort(Comparator.comparing(Entry::key));
    return copy;
  }

  /** What a change is, without its value (values may be secrets and go to logs). */
  private static String describe(Entry e) {
    if (e == null) {
      return "no change";
    }
    return e.isDelete() ? "delete" : "put of " + e.value().length + " bytes";
  }
}
