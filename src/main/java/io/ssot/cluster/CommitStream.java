package io.ssot.cluster;

import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.RedisOptions;

/**
 * The Redis Stream that carries a cluster's commits: one entry per revision, id
 * {@code <revision>-0}, fields {@code r} (the revision) and {@code c} (the commit as the change
 * log holds it, {@link io.ssot.store.CommitCodec}). Ids being revisions, a follower reads on from
 * the revision it has applied, and the leader cannot add a revision twice (Redis refuses an id
 * not above the last one).
 */
final class CommitStream {

  static final String REVISION_FIELD = "r";
  static final String COMMIT_FIELD = "c";

  private CommitStream() {
  }

  /** {@code ssot:<cluster.name>:commits} */
  static String key(String clusterName) {
    return "ssot:" + clusterName + ":commits";
  }

  static String id(long revision) {
    return revision + "-0";
  }

  /** One connection each for publisher and follower; RESP2, whose XREAD answer is the same on every Redis. */
  static RedisOptions options(String url) {
    return new RedisOptions().setConnectionString(url).setPreferredProtocolVersion(ProtocolVersion.RESP2)
        .setMaxWaitingHandlers(4096);
  }
}
