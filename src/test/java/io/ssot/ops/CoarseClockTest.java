package io.ssot.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CoarseClockTest {

  @Test
  void theWallTimeFollowsTheSystemClockWithinATick() throws InterruptedException {
    long first = CoarseClock.INSTANCE.wallTime();
    assertTrue(Math.abs(System.currentTimeMillis() - first) <= 1_000, "near the system clock");
    Thread.sleep(350);
    long later = CoarseClock.INSTANCE.wallTime();
    assertTrue(later >= first + 200, "advanced by the ticks since: " + (later - first) + " ms");
    assertTrue(later <= System.currentTimeMillis(), "never ahead of the system clock");
  }
}
