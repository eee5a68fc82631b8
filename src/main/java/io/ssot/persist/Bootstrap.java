package io.ssot.persist;

import io.ssot.store.DataDir;
import io.ssot.store.StoreLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds an empty data directory from PostgreSQL before the store is opened (blocking JDBC, at
 * start-up). The change log gets revisions R0..P, P being PostgreSQL's high-water mark and R0
 * keeping {@code changelog.retentionRevisions} of them (never below the history PostgreSQL
 * kept), so watches resume and recent history reads locally from R0; the map gets
 * {@code ssot_current}. Everything is read in one snapshot, so the two agree.
 *
 * <p>It fills the files offline ({@link StoreLoader}) rather than through
 * {@link io.ssot.store.MvccStore#apply}: the map is {@code ssot_current} as it is, which holds
 * keys last changed below R0 that no retained commit could bring back, and each key is written
 * once instead of once per retained change. Commits made after the store is open go through
 * {@code apply}.
 */
public final class Bootstrap {

  private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);

  private Bootstrap() {
  }

  /** @return the revision loaded (PostgreSQL's high-water mark in the snapshot read) */
  public static long run(PgLocation pg, Path dir, DataDir.Options options, long keepRevisions) throws IOException {
    long started = System.nanoTime();
    try (Connection c = pg.jdbc()) {
      c.setAutoCommit(false); // a cursor (fetch size) needs a transaction
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      long persisted = PgRows.persistedRevision(c);
      long kept = PgCommitReader.floor(c);
      long first = Math.max(Math.max(1, persisted - keepRevisions + 1), kept);
      long keys = 0;
      try (StoreLoader loader = StoreLoader.create(dir, options, first)) {
        PgCommitReader.read(c, first, persisted, loader::append);
        try (PreparedStatement s = c.prepareStatement("SELECT " + PgRows.CURRENT_COLUMNS + " FROM ssot_current")) {
          s.setFetchSize(1000);
          try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              loader.put(PgRows.current(rs));
              keys++;
            }
          }
        }
        loader.finish();
      }
      c.commit();
      LOG.info("Bootstrapped {} from {}: {} keys, change log from revision {} to {}, in {} ms",
          dir.toAbsolutePath(), pg, keys, first, persisted, (System.nanoTime() - started) / 1_000_000);
      return persisted;
    } catch (SQLException e) {
      throw new IOException("cannot bootstrap " + dir.toAbsolutePath() + " from " + pg + ": " + e.getMessage(), e);
    }
  }
}
