package io.ssot.cluster;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
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

  /** How long connecting may take before Redis counts as down. */
  static final int CONNECT_TIMEOUT_MILLIS = 2000;

  /** One connection each for publisher and follower; RESP2, whose XREAD answer is the same on every Redis. */
  static RedisOptions options(String url) {
    RedisOptions options = new RedisOptions().setConnectionString(url)
        .setPreferredProtocolVersion(ProtocolVersion.RESP2).setMaxWaitingHandlers(4096);
    options.getNetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
    return options;
  }

  /**
   * {@code answer}, or a failure when it has not come within {@code millis}: a Redis behind a
   * partition answers nothing and closes nothing.
   */
  static <T> Future<T> within(Vertx vertx, Future<T> answer, long millis) {
    Promise<T> bounded = Promise.promise();
    long guard = vertx.setTimer(millis, id -> bounded.tryFail("no answer from Redis within " + millis + " ms"));
    answer.onComplete(ar -> {
      vertx.cancelTimer(guard);
      if (ar.succeeded()) {
        bounded.tryComplete(ar.result());
      } else {
        bounded.tryFail(ar.cause());
      }
    });
    return bounded.future();
  }
}
