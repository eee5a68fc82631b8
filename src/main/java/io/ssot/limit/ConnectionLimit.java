package io.ssot.limit;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code limits.maxConnections}, shared by every event loop's server. A connection past the limit
 * is not dropped unanswered: its requests get 503 + Retry-After (see {@link Admission}) and it is
 * closed after them, or after a short grace if it sends none, so it holds its slot only briefly.
 */
public final class ConnectionLimit {

  /** How long a connection past the limit may stay open to read its 503. */
  static final long GRACE_MILLIS = 2_000;

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final Set<HttpConnection> overLimit = ConcurrentHashMap.newKeySet();

  public ConnectionLimit(int max) {
    this.max = max;
  }

  /** The server's connection handler: counts the connection and marks it if it is one too many. */
  public void accept(HttpConnection connection) {
    boolean tooMany = open.incrementAndGet() > max;
    connection.closeHandler(v -> {
      open.decrementAndGet();
      overLimit.remove(connection);
    });
    if (tooMany) {
      overLimit.add(connection);
      Vertx.currentContext().owner().setTimer(GRACE_MILLIS, id -> connection.close());
    }
  }

  boolean refused(HttpConnection connection) {
    return !overLimit.isEmpty() && overLimit.contains(connection);
  }

  public int open() {
    return open.get();
  }
}
