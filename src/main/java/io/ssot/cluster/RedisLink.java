package io.ssot.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;

/**
 * The one Redis connection of a stream's publisher or follower, used on its owner's context only.
 * After a failure the client itself is replaced, not the connection: closing a pooled connection
 * would only return it, dead or not, to the pool.
 */
final class RedisLink {

  private final Vertx vertx;
  private final Context context;
  private final String redisUrl;
  private Redis redis;
  private RedisConnection connection;
  private boolean closed;

  RedisLink(Vertx vertx, Context context, String redisUrl) {
    this.vertx = vertx;
    this.context = context;
    this.redisUrl = redisUrl;
    this.redis = Redis.createClient(vertx, CommitStream.options(redisUrl));
  }

  /** The open connection, or a new one; one that fails or ends is forgotten. */
  Future<RedisConnection> connected() {
    if (connection != null) {
      return Future.succeededFuture(connection);
    }
    return redis.connect().onSuccess(c -> {
      connection = c;
      c.exceptionHandler(e -> forget(c));
      c.endHandler(v -> forget(c));
    });
  }

  /** Closes the client with its connections and starts a new one, which connects afresh. */
  void discard() {
    connection = null;
    redis.close();
    if (!closed) {
      redis = Redis.createClient(vertx, CommitStream.options(redisUrl));
    }
  }

  /** Closes the connection and the client for good; call on the owner's context. */
  void close() {
    closed = true;
    if (connection != null) {
      connection.close();
      connection = null;
    }
    redis.close();
  }

  private void forget(RedisConnection c) {
    context.runOnContext(v -> {
      if (connection == c) {
        connection = null;
      }
    });
  }
}
