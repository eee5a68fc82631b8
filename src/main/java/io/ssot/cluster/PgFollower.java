package io.ssot.cluster;

import io.ssot.persist.DivergenceCheck;
import io.ssot.persist.PgCommitReader;
import io.ssot.persist.WriteBehind;
import io.ssot.store.Commit;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Brings the store up to PostgreSQL: applies, in order, every revision PostgreSQL holds beyond
 * the store, through {@link MvccStore#apply} (same change log, same watch delivery). It reads only
 * up to PostgreSQL's high-water mark, which its batches advance in the same transaction as their
 * rows, so a follower is never ahead of PostgreSQL. Blocking JDBC, on the cluster's worker thread.
 *
 * <p>Revisions this store holds and the write-behind has not confirmed (committed here as leader
 * and not yet written) are compared with PostgreSQL where it holds them: the same commits are
 * confirmed; others mean that another leader has written those revisions, and the store has
 * {@linkplain Diverged diverged}: nothing more is applied.
 */
final class PgFollower {

  /** Revisions read in one transaction: a long catch-up holds no snapshot for long. */
  private static final int CHUNK = 10_000;


  private final MvccStore store;
  private final WriteBehind writeBehind;
  private final Consumer<Commit> applied;

  /** This store holds revisions that PostgreSQL holds differently: another leader made them. */
  static final class Diverged extends Exception {
    Diverged(String message) {
      super(message, null, false, false);
    }
  }

  /** @param applied told of each commit applied here, after the store holds it */
  PgFollower(MvccStore store, WriteBehind writeBehind, Consumer<Commit> applied) {
    this.store = store;
    this.writeBehind = writeBehind;
    this.applied = applied;
  }

  /**
   * Applies what PostgreSQL holds beyond the store.
   *
   * @param c a connection of the caller's, in auto-commit; left so
   * @return PostgreSQL's high-water mark as read
   */
  long catchUp(Connection c) throws SQLException, Diverged {
    long pg = PgCommitReader.persisted(c);
    long local = store.revision();
    long confirmed = Math.min(writeBehind.persistedRevision(), local);
    if (local > confirmed) {
      confirmed = confirm(c, confirmed, Math.min(local, pg));
      if (local > confirmed) {
        if (pg > confirmed) {
          throw new Diverged("this store holds revisions " + (confirmed + 1) + ".." + local + " that PostgreSQL "
              + "does not have, and PostgreSQL has other revisions from " + (confirmed + 1) + " (up to " + pg
              + ", written by another leader)");
        }
        return pg; // PostgreSQL has nothing beyond what this store has; its own revisions are still to be written
      }
    }
    for (long from = local + 1; from <= pg; from += CHUNK) {
      long to = Math.min(pg, from + CHUNK - 1);
      read(c, from, to, this::applyUnlessHeld);
    }
    return pg;
  }

  /**
   * Applies a commit PostgreSQL holds, unless the Redis stream's follower, running alongside,
   * applied it first: both carry the same revisions, so the first to apply one wins.
   */
  private void applyUnlessHeld(Commit commit) {
    if (commit.revision() <= store.revision()) {
      return;
    }
    writeBehind.markPersisted(commit.revision());
    try {
      store.apply(commit);
      applied.accept(commit);
    } catch (StoreException.RevisionRepeated appliedFromTheStreamMeanwhile) {
      // the same commit, from the stream
    }
  }

  /**
   * Confirms local revisions {@code confirmed+1..upTo} that PostgreSQL holds identically (a batch
   * of this node's whose answer was lost, say).
   *
   * @return the last revision up to which both agree
   */
  private long confirm(Connection c, long confirmed, long upTo) throws SQLException, Diverged {
    if (upTo <= confirmed) {
      return confirmed;
    }
    long[] agreed = {confirmed};
    String[] differs = {null};
    read(c, confirmed + 1, upTo, remote -> {
      if (differs[0] != null) {
        return;
      }
      Commit local = store.commitAt(remote.revision());
      String difference = DivergenceCheck.difference(local == null ? List.of() : local.changes(), remote.changes());
      if (difference == null) {
        agreed[0] = remote.revision();
      } else {
        differs[0] = "this store and PostgreSQL differ at revision " + remote.revision() + ", " + difference
            + ": another leader wrote it; this store's revisions " + remote.revision() + ".." + store.revision()
            + " are not the cluster's";
      }
    });
    writeBehind.markPersisted(agreed[0]);
    if (differs[0] != null) {
      throw new Diverged(differs[0]);
    }
    return agreed[0];
  }

  /** Streams revisions {@code from..to} to {@code action}, in order, in one snapshot. */
  private static void read(Connection c, long from, long to, Consumer<Commit> action) throws SQLException {
    c.setAutoCommit(false); // a cursor (fetch size) needs a transaction
    try {
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      PgCommitReader.read(c, from, to, action);
      c.commit();
    } catch (PgCommitReader.MissingRevision e) {
      c.rollback();
      throw new SQLException("PostgreSQL's history lacks revision " + e.revision() + " below its high-water mark "
          + "(trimmed by pg.historyRetentionRevisions?); this node cannot catch up from it: restart it to rebuild its "
          + "store from PostgreSQL's current state", e);
    } finally {
      c.setAutoCommit(true);
    }
  }
}
