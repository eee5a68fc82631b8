package io.ssot.watch;

import io.vertx.core.buffer.Buffer;

/**
 * The encoded events array of one commit for one filter, handed to every watch it matches. A
 * large one is written as is to each connection, between that connection's own framing, so N
 * watchers hold one copy; it is then counted once in the {@link WatchOutputBudget} while any
 * write of it is pending. A small one is copied into each message (one write instead of three)
 * and counted per message.
 */
public final class EventsPayload {

  /** From this size on, messages carry the array itself rather than a copy. */
  static final int SHARED_FROM_BYTES = 16 << 10;

  final Buffer bytes;
  /** Writes of this array not yet completed, on every connection; guarded by this. */
  private int pendingWrites;

  EventsPayload(Buffer bytes) {
    this.bytes = bytes;
  }

  int size() {
    return bytes.length();
  }

  boolean shared() {
    return bytes.length() >= SHARED_FROM_BYTES;
  }

  /** Takes room for one more write of this array plus {@code ownBytes} of framing; false when none. */
  synchronized boolean hold(WatchOutputBudget budget, long ownBytes) {
    if (!budget.tryHold(ownBytes + (pendingWrites == 0 ? size() : 0))) {
      return false;
    }
    pendingWrites++;
    return true;
  }

  /** One write taken with {@link #hold} has completed or failed. */
  synchronized void release(WatchOutputBudget budget, long ownBytes) {
    pendingWrites--;
    budget.release(ownBytes + (pendingWrites == 0 ? size() : 0));
  }
}
