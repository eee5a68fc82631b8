package io.ssot.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.limit.Sha256;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Token material: the {@code ssot_<id>_<secret>} format, its parsing, and the hash kept of the secret. */
class SecretsTest {

  @Test
  void aNewTokenParsesBackIntoItsIdAndSecret() {
    String id = Secrets.newId();
    String secret = Secrets.newSecret();
    String token = Secrets.token(id, secret);
    assertEquals("ssot_" + id + "_" + secret, token);
    assertEquals(new Secrets.Parsed(id, secret), Secrets.parse(token));
  }

  @Test
  void idsAreSixteenLowercaseHexDigitsAndSecretsThirtyTwoRandomBytes() {
    String id = Secrets.newId();
    assertTrue(id.matches("[0-9a-f]{16}"), id);
    assertTrue(Secrets.isId(id));
    String secret = Secrets.newSecret();
    assertEquals(32, Base64.getUrlDecoder().decode(secret).length, secret);
    assertNotEquals(secret, Secrets.newSecret(), "two secrets differ");
    assertNotEquals(id, Secrets.newId(), "two ids differ");
  }

  @Test
  void theSecretMayHoldUnderscoresTheIdEndsAtTheFirst() {
    String id = "0123456789abcdef";
    assertEquals(new Secrets.Parsed(id, "a_b_c"), Secrets.parse("ssot_" + id + "_a_b_c"));
  }

  @Test
  void malformedTokensDoNotParse() {
    for (String bad : new String[] {"", "ssot_", "ssot__x", "Bearer ssot_0123456789abcdef_x",
        "SSOT_0123456789abcdef_x", "ssot_0123456789abcdef", "ssot_0123456789abcdef_", "ssot_0123456789ABCDEF_x",
        "ssot_0123456789abcde_x", "ssot_0123456789abcdef0_x", "ssot_0123456789abcdeg_x", "some-static-admin-token"}) {
      assertNull(Secrets.parse(bad), bad);
    }
  }

  @Test
  void isIdAcceptsOnlySixteenLowercaseHexDigits() {
    assertTrue(Secrets.isId("ffffffffffffffff"));
    assertFalse(Secrets.isId("fffffffffffffff"));
    assertFalse(Secrets.isId("fffffffffffffffff"));
    assertFalse(Secrets.isId("FFFFFFFFFFFFFFFF"));
    assertFalse(Secrets.isId("../../etc/passwd"));
  }

  @Test
  void hashesCompareEqualOnlyForTheSameSecret() {
    String secret = Secrets.newSecret();
    assertEquals(32, Sha256.of(secret).length);
    assertTrue(Secrets.sameHash(Sha256.of(secret), Sha256.of(secret)));
    assertFalse(Secrets.sameHash(Sha256.of(secret), Sha256.of(secret + "x")));
  }
}
