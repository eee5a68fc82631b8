package io.ssot.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The view digest as the README defines it, and the rules for a client's names. */
class ViewDigestTest {

  @Test
  void digestIsSha256OverKeyRevisionAndValueLinesInKeyOrder() throws Exception {
    String expected = hex(java.security.MessageDigest.getInstance("SHA-256")
        .digest("a/b\n3\n7\n{\"x\":1}\na/c\n12\n4\ntrue\n".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(expected, new ViewDigest().add("a/b", 3, ascii("{\"x\":1}")).add("a/c", 12, ascii("true")).hex());
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", new ViewDigest().hex());
    assertNotEquals(expected, new ViewDigest().add("a/b", 3, ascii("{\"x\":1}")).add("a/c", 13, ascii("true")).hex(),
        "another revision of a key");
    assertNotEquals(expected, new ViewDigest().add("a/b", 3, ascii("{\"x\":2}")).add("a/c", 12, ascii("true")).hex(),
        "another value at the same revision (a copy altered in memory)");
    assertNotEquals(expected, new ViewDigest().add("a/b", 3, ascii("{\"x\":1}")).hex(), "a key missing");
    assertThrows(IllegalArgumentException.class, () -> new ViewDigest().add("a/c", 1, ascii("1")).add("a/b", 2, ascii("1")));
    assertTrue(ViewDigest.wellFormed(expected));
    assertFalse(ViewDigest.wellFormed(expected.toUpperCase()));
    assertFalse(ViewDigest.wellFormed(expected.substring(1)));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void namesAreShortAndPlain() {
    assertNull(ClientName.problem("clientId", "3f1c-9e2a"));
    assertNull(ClientName.problem("instance", "host-1.example.org/4242"));
    assertNull(ClientName.problem("application", "team+svc@prod:eu_1"));
    assertTrue(ClientName.problem("clientId", "").contains("1 to 128"));
    assertTrue(ClientName.problem("clientId", "x".repeat(129)).contains("1 to 128"));
    assertNull(ClientName.problem("clientId", "x".repeat(128)));
    assertTrue(ClientName.problem("instance", "a b").contains("index 1"));
    assertTrue(ClientName.problem("instance", "é").contains("index 0"));
    assertTrue(ClientName.problem("instance", "a\nb").contains("index 1"));
  }

  private static String hex(byte[] bytes) {
    StringBuilder s = new StringBuilder();
    for (byte b : bytes) {
      s.append(String.format("%02x", b));
    }
    return s.toString();
  }
}
