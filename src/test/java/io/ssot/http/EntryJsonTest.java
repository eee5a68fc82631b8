package io.ssot.http;


import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EntryJsonTest {

  private static final DateTimeFormatter REFERENCE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  @Test
  void timestampsMatchTheJavaTimeFormatting() {
    long[] edges = {0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000L /* 2000-02-29 */,
        4_107_542_399_999L /* 2100-02-28T23:59:59.999 */, 253_402_300_799_999L /* 9999-12-31 */};
    for (long t : edges) {
      assertEquals(REFERENCE.format(Instant.ofEpochMilli(t)), EntryJson.timestamp(t));
    }
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      long t = random.nextLong(0, 253_402_300_800_000L);
      assertEquals(REFERENCE.format(Instant.ofEpochMilli(t)), EntryJson.timestamp(t), "at " + t);
    }
  }
}
