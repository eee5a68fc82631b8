package io.ssot;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * A fresh database on the real local PostgreSQL (127.0.0.1:5432, trust auth) for one test,
 * dropped afterwards even if connections are left open.
 */
public final class PgTestDatabase implements AutoCloseable {

  public static final String HOST = "127.0.0.1";
  public static final int PORT = 5432;

  public final String name;

  private PgTestDatabase(String name) {
    this.name = name;
  }

  public static PgTestDatabase create() {
    String name = "ssot_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toLowerCase(Locale.ROOT);
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres", PORT), "postgres", null);
         Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create a test database: " + e.getMessage(), e);
    }
    return new PgTestDatabase(name);
  }

  private static String jdbcUrl(String database, int port) {
    return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
  }

  /** {@code pg.url} for the server, straight to PostgreSQL. */
  public String url() {
    return url(PORT);
  }

  /** {@code pg.url} through something listening on {@code port} (a proxy). */
  public String url(int port) {
    return "postgresql://postgres@" + HOST + ":" + port + "/" + name;
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(name, PORT), "postgres", null);
  }

  /** The rows of a query, each as a list of column values (bytea as byte[]). */
  public List<List<Object>> rows(String sql, Object... params) {
    try (Connection c = connect()) {
      return rows(c, sql, params);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  public static List<List<Object>> rows(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      List<List<Object>> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          List<Object> row = new ArrayList<>(n);
          for (int i = 1; i <= n; i++) {
            row.add(rs.getObject(i));
          }
          out.add(row);
        }
      }
      return out;
    }
  }

  /** A single number: {@code SELECT count(*) ...} and the like. */
  public long scalar(String sql, Object... params) {
    return ((Number) rows(sql, params).get(0).get(0)).longValue();
  }

  @Override
  public void close() {
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres", PORT), "postgres", null);
         Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop " + name + ": " + e.getMessage(), e);
    }
  }
}
