package io.ssot.security;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Token material. A token is {@code ssot_<id>_<secret>}: the id (16 hex digits) finds the stored
 * record, the secret (32 random bytes, base64url) proves possession. Only the SHA-256 of the
 * secret is stored, and it is compared in constant time. A plain hash is enough because the
 * secret is 256 random bits, not a password.
 */
final class Secrets {

  static final String SCHEME = "ssot_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {
  }

  /** A bearer token split into its id and secret. */
  record Parsed(String id, String secret) {
  }

  static String newId() {
    byte[] id = new byte[8];
    RANDOM.nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  static String newSecret() {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  static String token(String id, String secret) {
    return SCHEME + id + "_" + secret;
  }

  /** @return the id and secret of a well-formed {@code ssot_<id>_<secret>}, else null */
  static Parsed parse(String token) {
    if (!token.startsWith(SCHEME)) {
      return null;
    }
    int end = token.indexOf('_', SCHEME.length());
    if (end < 0 || end == token.length() - 1) {
      return null;
    }
    String id = token.substring(SCHEME.length(), end);
    return isId(id) ? new Parsed(id, token.substring(end + 1)) : null;
  }

  static boolean isId(String id) {
    if (id.length() != 16) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  /** Constant-time in the length of the hashes, which is fixed. */
  static boolean sameHash(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }
}
