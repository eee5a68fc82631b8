package io.ssot.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EtagTest {

  @Test
  void aTagIsTheQuotedRevisionAndParsesBack() {
    assertEquals("\"42\"", Etag.of(42));
    assertEquals(42, Etag.revision(" \"42\" ", false));
    assertEquals(Long.MAX_VALUE, Etag.revision(Etag.of(Long.MAX_VALUE), false));
    assertEquals(0, Etag.revision("\"0\"", false));
  }

  @Test
  void weakTagsOnlyWhereAllowed() {
    assertEquals(7, Etag.revision("W/\"7\"", true));
    assertEquals(-1, Etag.revision("W/\"7\"", false));
  }

  @Test
  void malformedTagsHaveNoRevision() {
    for (String bad : new String[] {"42", "\"\"", "\"-1\"", "\"4 2\"", "\"42", "*", "\"9223372036854775808\"",
        "\"99999999999999999999\"", "\"1e3\"", ""}) {
      assertEquals(-1, Etag.revision(bad, true), bad);
    }
  }
}
