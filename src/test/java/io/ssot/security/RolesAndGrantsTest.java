package io.ssot.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The access decisions {@link Access} makes for handlers: a role includes the ones below it, a
 * grant covers a plain byte prefix, and a listing or prefix watch needs one grant covering the
 * whole requested range.
 */
class RolesAndGrantsTest {

  private static Principal holding(Grant... grants) {
    return new Principal("p", "0123456789abcdef", List.of(grants), 0);
  }

  @Test
  void eachRoleIncludesTheOnesBeforeIt() {
    assertTrue(Role.ADMIN.includes(Role.WRITE));
    assertTrue(Role.ADMIN.includes(Role.READ));
    assertTrue(Role.WRITE.includes(Role.READ));
    assertTrue(Role.READ.includes(Role.READ));
    assertFalse(Role.READ.includes(Role.WRITE));
    assertFalse(Role.WRITE.includes(Role.ADMIN));
  }

  @Test
  void rolesParseFromTheirWireNamesOnly() {
    for (Role role : Role.values()) {
      assertEquals(role, Role.parse(role.wireName()));
    }
    assertEquals("write", Role.WRITE.wireName());
    assertNull(Role.parse("Admin"));
    assertNull(Role.parse("root"));
    assertNull(Role.parse(""));
  }

  @Test
  void aGrantCoversItsPrefixAsPlainBytes() {
    Grant grant = new Grant(Role.WRITE, "payments/");
    assertTrue(grant.covers(Role.WRITE, "payments/db"));
    assertTrue(grant.covers(Role.READ, "payments/db"), "write includes read");
    assertTrue(grant.covers(Role.READ, "payments/prod/"), "a listing below the prefix");
    assertTrue(grant.covers(Role.READ, "payments/"), "the prefix itself");
    assertFalse(grant.covers(Role.READ, "payments"), "the key without the slash is outside");
    assertFalse(grant.covers(Role.READ, "paymentsX"));
    assertFalse(grant.covers(Role.READ, "other/payments/db"));
    assertFalse(grant.covers(Role.ADMIN, "payments/db"), "not beyond its role");
  }

  @Test
  void theEmptyPrefixCoversEverything() {
    Grant all = new Grant(Role.READ, "");
    assertTrue(all.covers(Role.READ, ""));
    assertTrue(all.covers(Role.READ, "any/key"));
    assertFalse(all.covers(Role.WRITE, "any/key"));
  }

  @Test
  void aKeyNeedsOneGrantThatCoversIt() {
    Principal p = holding(new Grant(Role.READ, "a/"), new Grant(Role.WRITE, "a/b/"));
    assertTrue(p.allows(Role.READ, "a/x"));
    assertTrue(p.allows(Role.WRITE, "a/b/c"));
    assertFalse(p.allows(Role.WRITE, "a/c"), "read on a/ and write on a/b/ give no write on a/c");
    assertFalse(p.allows(Role.READ, "b/x"));
  }

  @Test
  void aPrefixNeedsOneGrantCoveringTheWholeRangeNeverAPart() {
    Principal p = holding(new Grant(Role.READ, "a/b/"), new Grant(Role.READ, "a/c/"));
    assertTrue(p.allows(Role.READ, "a/b/"), "a listing of a/b/");
    assertTrue(p.allows(Role.READ, "a/b/deeper/"));
    assertFalse(p.allows(Role.READ, "a/"), "a listing of a/ would show more than a/b/ and a/c/");
    assertFalse(p.allows(Role.READ, ""), "nor a listing of everything");
  }

  @Test
  void noGrantsAllowNothing() {
    Principal p = holding();
    assertFalse(p.allows(Role.READ, ""));
    assertFalse(p.allows(Role.READ, "k"));
  }

  @Test
  void thePrincipalsExpiryIsInclusiveAndZeroMeansNever() {
    assertFalse(new Principal("p", "id", List.of(), 0).expired(Long.MAX_VALUE));
    Principal expiring = new Principal("p", "id", List.of(), 1_000);
    assertFalse(expiring.expired(999));
    assertTrue(expiring.expired(1_000));
  }
}
