package io.ssot.persist;

import io.ssot.store.Entry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;

/** Reading {@code ssot_history} and {@code ssot_current} rows over JDBC (start-up work). */
final class PgRows {

  /** The history columns {@link #history} reads, in order. */
  static final String HISTORY_COLUMNS =
      "revision, key, type, value, create_revision, version, prev_revision, updated_at, updated_by";

  /** The current-state columns {@link #current} reads, in order. */
  static final String CURRENT_COLUMNS =
      "key, value, revision, create_revision, version, prev_revision, updated_at, updated_by";

  /** Keys in byte order, as the store sorts them, whatever the database's collation. */
  static final String KEY_ORDER = "key COLLATE \"C\"";

  private PgRows() {
  }

  static Entry history(ResultSet rs) throws SQLException {
    long revision = rs.getLong(1);
    String key = rs.getString(2);
    boolean delete = rs.getShort(3) == 2;
    byte[] value = rs.getBytes(4);
    if (!delete && value == null) {
      throw new SQLException("ssot_history has a put of " + key + " at revision " + revision + " without a value");
    }
    return new Entry(key, delete ? null : value, revision, rs.getLong(5), rs.getLong(6), rs.getLong(7),
        millis(rs, 8), rs.getString(9));
  }

  static Entry current(ResultSet rs) throws SQLException {
    return new Entry(rs.getString(1), rs.getBytes(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
        millis(rs, 7), rs.getString(8));
  }

  private static long millis(ResultSet rs, int column) throws SQLException {
    return rs.getObject(column, OffsetDateTime.class).toInstant().toEpochMilli();
  }

  /** The single number {@code sql} answers. */
  static long queryLong(Connection c, String sql) throws SQLException {
    try (var s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
