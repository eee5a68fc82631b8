package io.ssot.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CoarseClockTest {

  @Test
  void theWallTimeFollowsTheSystemClockWithinATick() throws InterruptedException {
    long first = CoarseClock.INSTANCE.wallTime();
    assertTrue(Math.abs(System.currentTimeMillis() - first) <= 1_000, "near the system clock");
    // Polled rather than slept for a fixed time: a busy machine may run the ticker late.
    long deadline = System.currentTimeMillis() + 10_000;
    while (CoarseClock.INSTANCE.wallTime() < first + 200 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    long later = CoarseClock.INSTANCE.wallTime();
    assertTrue(later >= first + 200, "advanced by the ticks since: " + (later - first) + " ms");
    assertTrue(later <= System.currentTimeMillis(), "never ahead of the system clock");
  }
}
