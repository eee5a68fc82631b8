package io.ssot.cluster;

import io.ssot.config.Settings;
import io.ssot.config.StartupFailure;
import io.ssot.persist.PgLocation;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Properties;

/**
 * Refuses to start a node whose {@code cluster.nodeId} another live node heartbeats. A recent row
 * alone does not prove it: a node restarted after {@code kill -9} finds its own last heartbeat.
 * So when the row is recent, it looks again after two heartbeat intervals: only a live node moves
 * {@code last_seen} on. Blocking (JDBC, a sleep): call at start-up, off the event loops.
 */
public final class DuplicateNodeId {

  private DuplicateNodeId() {
  }

  public static void refuse(PgLocation pg, NodeIdentity self, long pollMillis) {
    Properties p = pg.jdbcProperties();
    p.setProperty("connectTimeout", "5");
    p.setProperty("socketTimeout", "10");
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), p)) {
      Seen first = lastSeen(c, self.id());
      if (first == null || first.role.equals("stopped") || first.ageMillis > 3 * pollMillis) {
        return;
      }
      Thread.sleep(2 * pollMillis + 100);
      Seen again = lastSeen(c, self.id());
      if (again != null && !again.at.equals(first.at) && !again.role.equals("stopped")) {
        throw StartupFailure.configuration(Settings.CLUSTER_NODE_ID.name() + " (" + Settings.CLUSTER_NODE_ID.envName()
            + ") '" + self.id() + "' is in use by a live node at " + again.url
            + " (it heartbeats the membership table); give every node its own id");
      }
    } catch (SQLException e) {
      // Not this check's to decide: the cluster's own start reports PostgreSQL out of reach.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private record Seen(String url, String role, Timestamp at, long ageMillis) {
  }

  private static Seen lastSeen(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT url, role, last_seen, "
        + "(EXTRACT(EPOCH FROM now() - last_seen) * 1000)::bigint FROM ssot_cluster_members WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? new Seen(rs.getString(1), rs.getString(2), rs.getTimestamp(3), rs.getLong(4)) : null;
      }
    }
  }
}
