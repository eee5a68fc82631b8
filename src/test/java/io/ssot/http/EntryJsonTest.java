package io.ssot.http;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.ssot.store.Entry;
import java.nio.charset.StandardCharsets;
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

  @Test
  void theRenderedEntryIsWhatTheJsonWriterWrites() {
    String[] principals = {"me", "admin@example.org", "", "a \"quoted\" name", "back\\slash", "tab\there",
        "nul\u0000", "del\u007f", "caf\u00e9", "\u4e2d\u6587", "emoji \ud83d\ude00"};
    long[] numbers = {0, 1, 9, 10, 99, 100, 123_456_789, 999_999_999_999_999_999L, 1_000_000_000_000_000_000L,
        Long.MAX_VALUE};
    String[] values = {"{}", "{\"v\":1}", "\"text\"", "[1,2,3]", "null", "\"" + "x".repeat(5000) + "\""};
    SplittableRandom random = new SplittableRandom(11);
    for (String by : principals) {
      for (long n : numbers) {
        String value = values[random.nextInt(values.length)];
        Entry e = new Entry("svc" + n % 7 + "/prod/setting." + n, value.getBytes(StandardCharsets.UTF_8), n,
            random.nextLong(0, Long.MAX_VALUE), random.nextLong(1, 1000), 0,
            random.nextLong(-62_135_596_800_000L, 253_402_300_800_000L), by);
        JsonWriter json = new JsonWriter(64);
        EntryJson.writeEntry(json, e, true);
        String expected = json.buffer().toString(StandardCharsets.UTF_8);
        assertEquals(expected, EntryJson.entry(e).toString(StandardCharsets.UTF_8), "principal " + by + ", " + n);
        assertEquals(expected, EntryJson.entryOnce(e).toString(StandardCharsets.UTF_8), "principal " + by + ", " + n);
        if (by.equals("me")) {
          assertNotNull(EntryRenderer.render(e), "a plain entry is rendered without the JsonWriter");
        }
      }
    }
  }
}
