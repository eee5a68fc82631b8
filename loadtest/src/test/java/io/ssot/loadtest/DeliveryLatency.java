package io.ssot.loadtest;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Watch delivery latency, a custom metric (Gatling's WebSocket checks time a frame from the
 * moment the client sent something, not from a write made by another virtual user). For every
 * event frame a watcher receives, latency = the frame's receive time (Gatling's timestamp of the
 * inbound frame) minus the {@code "t"} the writer put into the value (System.currentTimeMillis()
 * just before the PUT was sent). Both clocks are this JVM's, so it is the PUT's full trip plus the
 * fan-out to this watcher. Millisecond resolution, 1 ms buckets up to 60 s.
 */
public final class DeliveryLatency {
  private DeliveryLatency() {}

  private static final Pattern T = Pattern.compile("\"t\":(\\d{13})");
  private static final int MAX_MS = 60_000;
  private static final AtomicLongArray BUCKETS = new AtomicLongArray(MAX_MS + 1);
  private static final AtomicLong COUNT = new AtomicLong();
  private static final AtomicLong OTHER_FRAMES = new AtomicLong();
  private static final AtomicLong ERROR_FRAMES = new AtomicLong();
  public static final AtomicLong WRITES_OK = new AtomicLong();
  private static volatile long firstAt;
  private static volatile long lastAt;

  /**
   * Records every event of one received text frame; returns {events, events at or over slowMs,
   * error frames} of this frame so that each watcher can also keep its own tally.
   */
  public static long[] frame(long receivedAt, String text, long slowMs) {
    long[] tally = new long[3];
    if (text.contains("\"error\"")) {
      ERROR_FRAMES.incrementAndGet();
      System.err.println("watch error frame: " + text);
      tally[2] = 1;
      return tally;
    }
    if (!text.contains("\"events\"")) {
      OTHER_FRAMES.incrementAndGet();
      return tally;
    }
    Matcher m = T.matcher(text);
    while (m.find()) {
      long ms = Math.max(0, receivedAt - Long.parseLong(m.group(1)));
      tally[0]++;
      if (ms >= slowMs) tally[1]++;
      BUCKETS.incrementAndGet((int) Math.min(ms, MAX_MS));
      if (COUNT.incrementAndGet() == 1) firstAt = receivedAt;
      lastAt = Math.max(lastAt, receivedAt);
    }
    return tally;
  }

  public static long count() { return COUNT.get(); }
  public static long errors() { return ERROR_FRAMES.get(); }

  /** The smallest latency (ms) at or above which lies {@code p} percent of the deliveries. */
  public static long percentile(double p) {
    long n = COUNT.get();
    if (n == 0) return -1;
    long rank = (long) Math.ceil(p / 100.0 * n);
    long seen = 0;
    for (int ms = 0; ms <= MAX_MS; ms++) {
      seen += BUCKETS.get(ms);
      if (seen >= rank) return ms;
    }
    return MAX_MS;
  }

  /** Deliveries per second between the first and the last delivery. */
  public static double perSecond() {
    long span = lastAt - firstAt;
    return span <= 0 ? 0 : COUNT.get() * 1000.0 / span;
  }
}
