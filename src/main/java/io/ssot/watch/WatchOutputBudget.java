package io.ssot.watch;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-wide budget of watch output, and of the large plain answers that go the same way
 * ({@link WatchHub#sendLarge}): bytes handed to connections and not yet written to their
 * sockets, over every connection and event loop. An events array shared by many watchers
 * is counted once while any of them still holds it ({@link EventsPayload}), because that is the
 * memory actually held; the bytes private to one connection are counted for each.
 *
 * <p>When nothing is held, one message is admitted whatever its size, so a change larger than
 * the whole budget is still delivered (one at a time) rather than never. A connection that could
 * not get room waits here and is woken, on its own event loop, once half of the budget is free.
 */
public final class WatchOutputBudget {

  private final long limit;
  private final AtomicLong held = new AtomicLong();
  private final Set<ConnectionOutput> waiting = ConcurrentHashMap.newKeySet();

  /** @param limit the bytes all watch connections together may hold */
  public WatchOutputBudget(long limit) {
    this.limit = limit;
  }

  /**
   * The budget {@code watch.maxQueuedBytesTotal} sets; 0 means one eighth of the maximum heap
   * (32 MiB at -Xmx256m): thirty-odd connections each holding a full 1 MiB queue, with the rest
   * of the heap left to the store's caches, request bodies and the work of the moment.
   */
  public static WatchOutputBudget of(long configured) {
    return new WatchOutputBudget(configured > 0 ? configured : Runtime.getRuntime().maxMemory() / 8);
  }

  /** Takes {@code bytes} from the budget if they fit (or if nothing is held); safe from any thread. */
  boolean tryHold(long bytes) {
    while (true) {
      long now = held.get();
      if (now > 0 && now + bytes > limit) {
        return false;
      }
      if (held.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  /** Takes {@code bytes} whether they fit or not: for small control messages only. */
  void holdAnyway(long bytes) {
    held.addAndGet(bytes);
  }

  /** Gives back bytes taken with {@link #tryHold}; safe from any thread. */
  void release(long bytes) {
    long now = held.addAndGet(-bytes);
    if (!waiting.isEmpty() && hasRoom(now)) {
      wakeWaiting();
    }
  }

  /** Calls {@code output} back on its event loop once {@code needed} bytes may fit again. */
  void await(ConnectionOutput output, long needed) {
    waiting.add(output);
    // A release between the caller's failed tryHold and this add would otherwise be missed.
    long now = held.get();
    if (now == 0 || now + needed <= limit) {
      wakeWaiting();
    }
  }

  /** Waiters are woken below half the budget, so that a retry is likely to succeed. */
  private boolean hasRoom(long now) {
    return now <= limit / 2;
  }

  private void wakeWaiting() {
    for (ConnectionOutput output : waiting) {
      if (waiting.remove(output)) {
        output.context.runOnContext(v -> output.budgetFreed());
      }
    }
  }

  /** Bytes held now, for the metrics. */
  public long held() {
    return held.get();
  }

  public long limit() {
    return limit;
  }
}
