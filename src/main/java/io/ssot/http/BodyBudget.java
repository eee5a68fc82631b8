package io.ssot.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code limits.maxBodyBytesInFlight}: the request-body bytes all connections together may hold
 * at once. Each body reserves its bytes before they are buffered (its whole declared
 * {@code Content-Length} up front, or chunk by chunk when it has none) and gives them back when
 * its request ends in any way, so the heap held by bodies is bounded whatever the number of
 * connections sending them. A body that cannot reserve is answered 503 + Retry-After.
 */
public final class BodyBudget {

  private final long capacity;
  private final AtomicLong reserved = new AtomicLong();

  public BodyBudget(long capacity) {
    this.capacity = capacity;
  }

  /** Reserves {@code bytes} if the budget holds them, else reserves nothing. */
  boolean tryReserve(long bytes) {
    long now;
    do {
      now = reserved.get();
      if (now + bytes > capacity) {
        return false;
      }
    } while (!reserved.compareAndSet(now, now + bytes));
    return true;
  }

  void release(long bytes) {
    reserved.addAndGet(-bytes);
  }

  /** Bytes reserved by bodies now. */
  public long inFlight() {
    return reserved.get();
  }

  public long capacity() {
    return capacity;
  }
}
