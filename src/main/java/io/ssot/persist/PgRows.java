package io.ssot.persist;

import io.ssot.store.Entry;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;

/**
 * The row formats of {@code ssot_history} and {@code ssot_current}: the columns read and how a
 * row becomes an {@link Entry}, over JDBC (start-up work) and through the Vert.x client.
 */
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

  /** A history row read over JDBC. */
  static Entry history(ResultSet rs) throws SQLException {
    try {
      return change(rs.getLong(1), rs.getString(2), rs.getShort(3), rs.getBytes(4), rs.getLong(5), rs.getLong(6),
          rs.getLong(7), millis(rs, 8), rs.getString(9));
    } catch (IllegalStateException e) {
      throw new SQLException(e.getMessage(), e);
    }
  }

  /** A history row read through the Vert.x client. */
  static Entry history(Row row) {
    Buffer value = row.getBuffer(3);
    return change(row.getLong(0), row.getString(1), row.getShort(2), value == null ? null : value.getBytes(),
        row.getLong(4), row.getLong(5), row.getLong(6), row.getOffsetDateTime(7).toInstant().toEpochMilli(),
        row.getString(8));
  }

  /** The change a history row records: {@code type} 1 is a put, 2 a delete (whose value is ignored). */
  private static Entry change(long revision, String key, short type, byte[] value, long createRevision, long version,
                              long prevRevision, long updatedAt, String updatedBy) {
    boolean delete = type == 2;
    if (!delete && value == null) {
      throw new IllegalStateException("ssot_history has a put of " + key + " at revision " + revision
          + " without a value");
    }
    return new Entry(key, delete ? null : value, revision, createRevision, version, prevRevision, updatedAt,
        updatedBy);
  }

  static Entry current(ResultSet rs) throws SQLException {
    return new Entry(rs.getString(1), rs.getBytes(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
        millis(rs, 7), rs.getString(8));
  }

  private static long millis(ResultSet rs, int column) throws SQLException {
    return rs.getObject(column, OffsetDateTime.class).toInstant().toEpochMilli();
  }

  /** The write-behind's high-water mark: every revision up to it is in PostgreSQL. */
  static long persistedRevision(Connection c) throws SQLException {
    return queryLong(c, "SELECT persisted_revision FROM ssot_state WHERE id = 1");
  }

  /** The single number {@code sql} answers. */
  static long queryLong(Connection c, String sql) throws SQLException {
    try (var s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
