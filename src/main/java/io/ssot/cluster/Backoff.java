package io.ssot.cluster;

/** Delays between reconnections: doubling from a floor to a ceiling, back to the floor after a success. */
final class Backoff {

  private final long floorMillis;
  private final long ceilingMillis;
  private long next;

  Backoff(long floorMillis, long ceilingMillis) {
    this.floorMillis = floorMillis;
    this.ceilingMillis = ceilingMillis;
    this.next = floorMillis;
  }

  long nextMillis() {
    long delay = next;
    next = Math.min(ceilingMillis, next * 2);
    return delay;
  }

  void reset() {
    next = floorMillis;
  }
}
