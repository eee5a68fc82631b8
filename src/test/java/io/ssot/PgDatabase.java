package io.ssot;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;

/** A fresh database on the local PostgreSQL for one test, dropped on close. */
final class PgDatabase implements AutoCloseable {

  private static final String HOST = "127.0.0.1:5432";

  final String name = "ssot_b_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  /** For {@code pg.url}. */
  final String url = "postgresql://postgres@" + HOST + "/" + name;

  private PgDatabase() {
  }

  static PgDatabase create() throws SQLException {
    PgDatabase db = new PgDatabase();
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + db.name);
    }
    return db;
  }

  private static Connection connect(String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    return DriverManager.getConnection("jdbc:postgresql://" + HOST + "/" + database, p);
  }

  long queryLong(String sql) throws SQLException {
    try (Connection c = connect(name); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  String queryString(String sql) throws SQLException {
    try (Connection c = connect(name); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  @Override
  public void close() throws SQLException {
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }
}
