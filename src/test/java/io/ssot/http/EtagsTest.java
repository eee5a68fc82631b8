package io.ssot.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ssot.protocol.Etag;
import org.junit.jupiter.api.Test;

class EtagsTest {

  @Test
  void theHeaderMadeFromDigitsIsTheEntityTag() {
    for (long revision : new long[] {0, 1, 9, 10, 99, 100, 4_240_127, 1_000_000_000_000L, Long.MAX_VALUE, -1}) {
      assertEquals(Etag.of(revision), Etags.header(revision).toString(), "revision " + revision);
    }
  }
}
