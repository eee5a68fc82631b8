package io.ssot.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

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
    EntryBodies bodies = new EntryBodies(ValueCipher.DISABLED);
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
    EntryBodies bodies = new EntryBodies(ValueCipher.DISABLED);
    Entry large = entry("\"" + "x".repeat(20_000) + "\"", 1);
    assertEquals(EntryJson.entry(large), bodies.answer(large, false).body());
    assertEquals(20_002, bodies.answer(large, true).body().length());
  }
}
