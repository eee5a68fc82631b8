package io.ssot.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed authentications per client address in fixed one-minute windows: past the limit, that
 * address (and only that one) gets 429 until its window ends, so a token cannot be guessed by
 * brute force. Memory is bounded: past {@link #MAX_ADDRESSES} tracked addresses, expired
 * windows are dropped, and if that is not enough, new addresses go untracked (they still need
 * a valid token; only the throttling is skipped).
 */
final class FailedAuthLimiter {

  static final int MAX_ADDRESSES = 100_000;
  private static final long WINDOW_MILLIS = 60_000;

  private static final class Window {
    final long start;
    int failures;

    Window(long start) {
      this.start = start;
    }
  }

  private final int maxFailures;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  /** @param maxFailures failures allowed per address per minute; 0 turns the limiter off */
  FailedAuthLimiter(int maxFailures) {
    this.maxFailures = maxFailures;
  }

  /** @return seconds until the address may try again, or 0 when it may try now */
  long blockedFor(String address, long nowMillis) {
    if (maxFailures == 0) {
      return 0;
    }
    Window w = windows.get(address);
    if (w == null || nowMillis - w.start >= WINDOW_MILLIS) {
      return 0;
    }
    synchronized (w) {
      return w.failures >= maxFailures ? Math.max(1, (w.start + WINDOW_MILLIS - nowMillis + 999) / 1000) : 0;
    }
  }

  /** Counts a failure; @return true when this failure reached the limit (so the block starts now). */
  boolean failed(String address, long nowMillis) {
    if (maxFailures == 0) {
      return false;
    }
    if (windows.size() >= MAX_ADDRESSES && !windows.containsKey(address)) {
      windows.values().removeIf(w -> nowMillis - w.start >= WINDOW_MILLIS);
      if (windows.size() >= MAX_ADDRESSES) {
        return false;
      }
    }
    Window w = windows.compute(address, (a, old) ->
        old == null || nowMillis - old.start >= WINDOW_MILLIS ? new Window(nowMillis) : old);
    synchronized (w) {
      return ++w.failures == maxFailures;
    }
  }
}
