package io.ssot.limit;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code limits.maxConnections}, shared by every event loop's server. A connection past the limit
 * is not dropped unanswered: its requests get 503 + Retry-After (see {@link Admission}) and it is
 * closed after them, or after a short grace, so it holds its slot only briefly. Vert.x hands over
 * a connection once its first request head is complete (it must look for an h2c upgrade first):
 * one that never completes a head is not counted and is closed by {@code limits.idleTimeout}.
 */
public final class ConnectionLimit {

  /** How long a connection past the limit may stay open to read its 503. */
  static final long GRACE_MILLIS = 2_000;

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final Set<HttpConnection> counted = ConcurrentHashMap.newKeySet();
  private final Set<HttpConnection> overLimit = ConcurrentHashMap.newKeySet();

  public ConnectionLimit(int max) {
    this.max = max;
  }

  /** The server's connection handler: counts the connection and marks it if it is one too many. */
  public void accept(HttpConnection connection) {
    counted.add(connection);
    boolean tooMany = open.incrementAndGet() > max;
    connection.closeHandler(v -> release(connection));
    if (tooMany) {
      overLimit.add(connection);
      Vertx.currentContext().owner().setTimer(GRACE_MILLIS, id -> connection.close());
    }
  }

  /**
   * A connection upgraded to a WebSocket no longer reports its close to its HTTP connection's
   * handler: the socket's end gives the slot back instead.
   */
  void upgraded(HttpConnection connection, ServerWebSocket ws) {
    ws.endHandler(v -> release(connection));
  }

  private void release(HttpConnection connection) {
    if (counted.remove(connection)) {
      open.decrementAndGet();
      overLimit.remove(connection);
    }
  }

  boolean refused(HttpConnection connection) {
    return !overLimit.isEmpty() && overLimit.contains(connection);
  }

  public int open() {
    return open.get();
  }
}
