package io.ssot.bench;

import java.time.Instant;

/**
 * Wall-clock time in epoch microseconds read through {@link System#nanoTime}: the offset between
 * the two clocks is measured once ({@link #calibrate}) and each reading is then a nanoTime plus
 * that offset. Two JVMs on one machine read the same wall clock, so timestamps taken by one and
 * compared by the other agree to within their two calibrations' error; reading through nanoTime
 * keeps each JVM's readings monotonic and as fine as nanoTime, whatever the resolution of
 * {@link Instant#now()}.
 *
 * <p>Calibration takes many (nanoTime, Instant.now(), nanoTime) triples and keeps the one whose
 * two nanoTime readings are closest: its wall-clock reading lies between them, so the offset is
 * known to within half that gap plus the wall clock's granularity ({@link #uncertaintyNanos}).
 * Linux slews CLOCK_MONOTONIC (nanoTime) and CLOCK_REALTIME alike, so the offset only moves if
 * the wall clock is stepped; {@link #calibrate} returns how far it moved since the last time.
 */
final class EpochClock {

  private static final int SAMPLES = 2_000;

  private volatile long offsetNanos;
  private volatile long uncertaintyNanos;
  private final long granularityNanos = granularity();

  EpochClock() {
    calibrate();
  }

  /** Measures the offset again; returns its change from the previous calibration, in nanoseconds. */
  long calibrate() {
    long bestGap = Long.MAX_VALUE;
    long bestOffset = 0;
    for (int i = 0; i < SAMPLES; i++) {
      long n0 = System.nanoTime();
      Instant w = Instant.now();
      long n1 = System.nanoTime();
      long gap = n1 - n0;
      if (gap < bestGap) {
        bestGap = gap;
        long wall = w.getEpochSecond() * 1_000_000_000L + w.getNano();
        bestOffset = wall - (n0 + gap / 2);
      }
    }
    long previous = offsetNanos;
    offsetNanos = bestOffset;
    uncertaintyNanos = bestGap / 2 + granularityNanos;
    return previous == 0 ? 0 : bestOffset - previous;
  }

  long nowMicros() {
    return (System.nanoTime() + offsetNanos) / 1_000;
  }

  /** How far a reading may be off the wall clock: half the best sample's gap, plus the granularity. */
  long uncertaintyNanos() {
    return uncertaintyNanos;
  }

  long granularityNanos() {
    return granularityNanos;
  }

  /** The smallest step seen between successive distinct Instant.now() readings. */
  private static long granularity() {
    long smallest = Long.MAX_VALUE;
    Instant last = Instant.now();
    for (int seen = 0, spins = 0; seen < 50 && spins < 10_000_000; spins++) {
      Instant now = Instant.now();
      if (!now.equals(last)) {
        long step = (now.getEpochSecond() - last.getEpochSecond()) * 1_000_000_000L + now.getNano() - last.getNano();
        smallest = Math.min(smallest, step);
        last = now;
        seen++;
      }
    }
    return smallest == Long.MAX_VALUE ? 1_000_000 : smallest;
  }
}
