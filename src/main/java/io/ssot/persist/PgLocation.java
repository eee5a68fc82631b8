package io.ssot.persist;

import io.vertx.pgclient.PgConnectOptions;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Where PostgreSQL is, from {@code pg.url} ({@code postgresql://user[:password]@host[:port]/db}):
 * as Vert.x connect options for the write-behind and as a JDBC URL for the migrations.
 */
public record PgLocation(String host, int port, String database, String user, String password) {

  public static PgLocation parse(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("pg.url is not a URL: " + e.getMessage());
    }
    if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
      throw new IllegalArgumentException("pg.url must start with postgresql://");
    }
    if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() < 2) {
      throw new IllegalArgumentException("pg.url needs a host and a database: postgresql://user@host:5432/db");
    }
    String user = "postgres";
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
      password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : null;
    }
    return new PgLocation(uri.getHost(), uri.getPort() == -1 ? 5432 : uri.getPort(), uri.getPath().substring(1),
        user, password);
  }

  public PgConnectOptions connectOptions() {
    PgConnectOptions options = new PgConnectOptions().setHost(host).setPort(port).setDatabase(database)
        .setUser(user).setCachePreparedStatements(true).setPipeliningLimit(16);
    if (password != null) {
      options.setPassword(password);
    }
    return options;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  /** A blocking JDBC connection, for start-up work off any event loop. */
  public Connection jdbc() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), jdbcProperties());
  }

  public Properties jdbcProperties() {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (password != null) {
      p.setProperty("password", password);
    }
    return p;
  }

  /** For logs: never the password. */
  @Override
  public String toString() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }
}
