package io.ssot.cluster;

import io.ssot.config.Config;
import io.ssot.config.Settings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Who this node is in its cluster: its id, the URL it is reached at, and the advisory-lock key of
 * its cluster (from {@code cluster.name}, so two clusters can share a database).
 */
public record NodeIdentity(String id, String url, String clusterName, long lockKey) {

  /** @param port the HTTP port this node listens on (the one bound, when {@code http.port} is 0) */
  public static NodeIdentity from(Config config, int port) {
    String id = config.get(Settings.CLUSTER_NODE_ID);
    if (id.isEmpty()) {
      id = hostName() + ":" + port;
    }
    String url = config.get(Settings.CLUSTER_ADVERTISE_URL);
    if (url.isEmpty()) {
      url = "http://" + config.get(Settings.HTTP_HOST) + ":" + port;
    }
    String name = config.get(Settings.CLUSTER_NAME);
    return new NodeIdentity(id, url, name, lockKey(name));
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  /** The first 8 bytes of SHA-256("ssot-cluster:" + name): stable across versions and JVMs. */
  static long lockKey(String clusterName) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(("ssot-cluster:" + clusterName).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
