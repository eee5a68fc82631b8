package io.ssot.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;

/**
 * The rules that tie settings to each other, checked once before start-up touches anything: each
 * setting is valid alone when it is parsed ({@link Config}), these are the combinations that are
 * not.
 */
public final class Consistency {

  private Consistency() {
  }

  /** @throws IllegalArgumentException naming the settings that do not fit together */
  public static void check(Config config) {
    checkRedisUrl(config);
    checkCluster(config);
    checkTimeouts(config);
    checkWebSocketSizes(config);
    checkTls(config);
  }

  /**
   * A Redis URL that does not parse is a typo to report now; a Redis that does not answer is not
   * checked here: it only speeds up a cluster, which works without it.
   */
  private static void checkRedisUrl(Config config) {
    String url = config.get(Settings.REDIS_URL);
    if (url.isEmpty()) {
      return;
    }
    String problem = redisUrlProblem(url);
    if (problem != null) {
      throw new IllegalArgumentException(Settings.REDIS_URL.envName() + " (" + Settings.REDIS_URL.name() + ") "
          + problem + ": expected redis://[user:password@]host[:port][/database] or rediss://...");
    }
  }

  /** What is wrong with a Redis URL, or {@code null}. Never repeats the URL: it may hold a password. */
  private static String redisUrlProblem(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "does not parse (" + e.getReason() + ")";
    }
    if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
      return "has scheme " + uri.getScheme() + ", not redis or rediss";
    }
    if (uri.getHost() == null) {
      return "has no host";
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (!path.isEmpty() && !path.equals("/") && !path.matches("/\\d{1,5}")) {
      return "names a database that is not a number";
    }
    return null;
  }

  /** A cluster is decided and made durable by PostgreSQL: it cannot run without one. */
  private static void checkCluster(Config config) {
    if (!config.get(Settings.CLUSTER_ENABLED)) {
      return;
    }
    if (config.get(Settings.PG_URL).isEmpty()) {
      throw new IllegalArgumentException(Settings.CLUSTER_ENABLED.envName() + " is true but "
          + Settings.PG_URL.envName() + " is not set: the nodes of a cluster share one PostgreSQL database, which "
          + "elects the leader and holds every acknowledged write; set pg.url or turn cluster mode off");
    }
    for (Setting<Duration> d : List.of(Settings.CLUSTER_LEASE_TIMEOUT, Settings.CLUSTER_POLL_INTERVAL)) {
      if (config.get(d).toMillis() < 100) {
        throw new IllegalArgumentException(d.envName() + " (" + config.get(d) + ") must be at least 100 ms");
      }
    }
  }

  /**
   * A quiet long-poll or watch connection sends nothing until its wait ends or its next progress
   * message: the idle timeout must not cut it first.
   */
  private static void checkTimeouts(Config config) {
    Duration idleTimeout = config.get(Settings.LIMITS_IDLE_TIMEOUT);
    for (Setting<Duration> shorter : List.of(Settings.LIMITS_MAX_WAIT, Settings.WATCH_PROGRESS_INTERVAL)) {
      if (idleTimeout.compareTo(config.get(shorter)) <= 0) {
        throw new IllegalArgumentException(Settings.LIMITS_IDLE_TIMEOUT.envName() + " (" + idleTimeout
            + ") must be longer than " + shorter.envName() + " (" + config.get(shorter) + ")");
      }
    }
  }

  private static void checkWebSocketSizes(Config config) {
    if (config.get(Settings.LIMITS_MAX_WEB_SOCKET_FRAME_BYTES)
        > config.get(Settings.LIMITS_MAX_WEB_SOCKET_MESSAGE_BYTES)) {
      throw new IllegalArgumentException(Settings.LIMITS_MAX_WEB_SOCKET_FRAME_BYTES.envName()
          + " must not exceed " + Settings.LIMITS_MAX_WEB_SOCKET_MESSAGE_BYTES.envName());
    }
  }

  private static void checkTls(Config config) {
    String cert = config.get(Settings.TLS_CERT);
    String key = config.get(Settings.TLS_KEY);
    String clientAuth = config.get(Settings.TLS_CLIENT_AUTH);
    if (cert.isEmpty() != key.isEmpty()) {
      throw new IllegalArgumentException("set both SSOT_TLS_CERT and SSOT_TLS_KEY, or neither");
    }
    if (clientAuth.equals("none")) {
      return;
    }
    if (cert.isEmpty()) {
      throw new IllegalArgumentException("tls.clientAuth needs TLS: set SSOT_TLS_CERT and SSOT_TLS_KEY");
    }
    if (config.get(Settings.TLS_CLIENT_CA).isEmpty()) {
      throw new IllegalArgumentException("tls.clientAuth " + clientAuth + " needs tls.clientCa (SSOT_TLS_CLIENT_CA)");
    }
  }
}
