package io.ssot.ops;

import io.micrometer.core.instrument.Clock;

/**
 * Micrometer's clock with a wall time that a daemon thread refreshes every 100 ms. Every timer
 * reads the wall time on each recorded request, to rotate the windows of its maximum (minutes
 * long); one clock read was about a hundredth of a fast GET. Monotonic time stays exact.
 * One per process: the thread is shared by every registry in it.
 */
final class CoarseClock implements Clock {

  static final CoarseClock INSTANCE = new CoarseClock();
  private static final long TICK_MILLIS = 100;

  private volatile long wallTime = System.currentTimeMillis();

  private CoarseClock() {
    Thread ticker = new Thread(this::tick, "ssot-coarse-clock");
    ticker.setDaemon(true);
    ticker.start();
  }

  private void tick() {
    while (true) {
      try {
        Thread.sleep(TICK_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      wallTime = System.currentTimeMillis();
    }
  }

  @Override
  public long wallTime() {
    return wallTime;
  }

  @Override
  public long monotonicTime() {
    return System.nanoTime();
  }
}
