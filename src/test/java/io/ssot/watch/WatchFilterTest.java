package io.ssot.watch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.store.SystemKeys;
import org.junit.jupiter.api.Test;

class WatchFilterTest {

  @Test
  void aPrefixWatchNeverSeesTheReservedSpace() {
    WatchFilter all = WatchFilter.prefix("");
    assertTrue(all.matches("payments/prod/db"));
    assertFalse(all.matches(SystemKeys.TOKENS + "t1"));
    assertFalse(all.matches(SystemKeys.SCHEMAS + "payments/"));
  }
}
