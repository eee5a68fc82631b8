package io.ssot.api;

import io.ssot.http.EntryJson;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.security.ValueCipher;
import io.ssot.store.Entry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EntryBodiesTest {

  private static Entry entry(String value, long revision) {
    return new Entry("a/b", value.getBytes(StandardCharsets.UTF_8), revision, 1, revision, revision - 1, 0, "me");
  }

  @Test
  void anAnswerIsReusedOnlyForTheEntryItWasBuiltFrom() {
    EntryBodies bodies = new EntryBodies(ValueCipher.DISABLED, 1 << 20);
    Entry first = entry("{\"v\":1}", 1);
    assertSame(bodies.answer(first, false), bodies.answer(first, false));
    assertEquals(EntryJson.entry(first), bodies.answer(first, false).body());
    assertEquals("{\"v\":1}", bodies.answer(first, true).body().toString());
    assertEquals("\"1\"", bodies.answer(first, true).etag().toString());

    Entry equalButNewer = entry("{\"v\":1}", 2);
    assertEquals(EntryJson.entry(equalButNewer), bodies.answer(equalButNewer, false).body(),
        "a new revision, a new answer");
    assertEquals("\"2\"", bodies.answer(equalButNewer, false).etag().toString());
    Entry older = entry("{\"v\":0}", 1);
    assertEquals("{\"v\":0}", bodies.answer(older, true).body().toString(),
        "another instance is never served another's body");
  }

  @Test
  void largeValuesAreRenderedEachTime() {
    EntryBodies bodies = new EntryBodies(ValueCipher.DISABLED, 1 << 20);
    Entry large = entry("\"" + "x".repeat(20_000) + "\"", 1);
    assertEquals(EntryJson.entry(large), bodies.answer(large, false).body());
    assertEquals(20_002, bodies.answer(large, true).body().length());
  }

  @Test
  void aOneHitScanDoesNotEvictTheAnswersOfHotKeys() {
    // Room for about 200 answers of 1 KiB values; 150 hot keys read 20 times, then 10,000 read
    // once while the hot keys are still read. (Over half the cache: Caffeine starts counting
    // reads once a cache is half full.)
    EntryBodies bodies = new EntryBodies(ValueCipher.DISABLED, 200 * 2400);
    byte[] value = ("\"" + "x".repeat(1022) + "\"").getBytes(StandardCharsets.UTF_8);
    Entry[] hot = new Entry[150];
    for (int i = 0; i < hot.length; i++) {
      hot[i] = new Entry("hot/" + i, value, 1, 1, 1, 0, 0, "me");
    }
    for (int round = 0; round < 20; round++) {
      for (Entry e : hot) {
        bodies.answer(e, false);
      }
    }
    for (int i = 0; i < 10_000; i++) {
      bodies.answer(hot[i % hot.length], false);
      bodies.answer(new Entry("scan/" + i, value, 1, 1, 1, 0, 0, "me"), false);
    }
    bodies.cleanUp();
    for (Entry e : hot) {
      assertTrue(bodies.holds(e), "the answer of " + e.key() + " is kept");
    }
  }

  @Test
  void theAnswersOfAllEventLoopsShareASixteenthOfTheMaxHeap() {
    assertEquals(16L << 20, EntryBodies.budgetFor(256L << 20, 1));
    assertEquals(8L << 20, EntryBodies.budgetFor(256L << 20, 2));
  }
}
