package io.ssot.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProblemTest {

  @Test
  void codesAreUniqueAndLowerCaseWords() {
    Set<String> seen = new HashSet<>();
    for (Problem p : Problem.values()) {
      assertTrue(seen.add(p.code()), "code used twice: " + p.code());
      assertTrue(p.code().matches("[a-z]+(-[a-z]+)*-?"), p.code());
    }
  }

  @Test
  void everyHttpProblemHasAnErrorStatusWithAKnownTitle() {
    for (Problem p : Problem.values()) {
      if (!p.http()) {
        assertEquals(0, p.status(), p.name());
        assertNull(p.title(), p.name());
        continue;
      }
      assertTrue(p.status() >= 400 && p.status() <= 599, p + " " + p.status());
      assertTrue(p.sentWith(p.status()), p.name());
      assertFalse(p.title().equals("Client Error") || p.title().equals("Internal Server Error") && p.status() != 500,
          p + " has no title of its own: " + p.title());
    }
  }

  @Test
  void eachCodeIsFoundAgainAsSent() {
    for (Problem p : Problem.values()) {
      assertEquals(p, Problem.of(p.code(p.status())), p.name());
    }
    assertEquals("http-400", Problem.HTTP_STATUS.code(400));
    assertEquals(Problem.HTTP_STATUS, Problem.of("http-431"));
    assertNull(Problem.of("http-500"));
    assertNull(Problem.of("http-4x0"));
    assertNull(Problem.of("no-such-code"));
    assertNull(Problem.of(null));
  }

  @Test
  void aCodeIsSentOnlyWithItsStatuses() {
    assertTrue(Problem.BYTE_ORDER_MARK.sentWith(400));
    assertTrue(Problem.BYTE_ORDER_MARK.sentWith(422));
    assertFalse(Problem.KEY_NOT_FOUND.sentWith(400));
    assertFalse(Problem.SLOW_CONSUMER.sentWith(0));
    assertEquals("urn:ssot:problem:precondition-failed", Problem.PRECONDITION_FAILED.type(412));
    assertEquals("Precondition Failed", Problem.PRECONDITION_FAILED.title());
  }
}
