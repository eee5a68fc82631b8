package io.ssot.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The digest of a view's content at one revision, which a client sends with its ack and the
 * server compares with its own: SHA-256 over, for every live key under the watched prefix in
 * ascending key order, the key, a line feed, the revision of the key's last change in decimal, a
 * line feed, the length in bytes of the key's value in its compact form in decimal, a line feed,
 * that form and a line feed ({@code key\nrevision\nlength\nvalue\n...}), written as 64 lower-case
 * hex digits. An empty view's digest is SHA-256 of nothing.
 *
 * <p>The compact form of a value is its JSON written back from the parsed tree without any
 * whitespace, object members in their order, strings and numbers as Jackson 2's default
 * {@code ObjectMapper} writes them ({@code readTree} then {@code writeValueAsBytes}): values are
 * stored as their writer sent them, and a client's JSON library keeps the tree, not the bytes.
 * So a value altered in a client's memory changes the digest, not only a missed or extra change.
 * Keys are ASCII, so their order is the same by character and by byte. Feed keys in ascending order.
 */
public final class ViewDigest {

  /** The length of a digest in hex digits. */
  public static final int HEX_LENGTH = 64;

  private final MessageDigest sha256;
  private String lastKey;

  public ViewDigest() {
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Adds a key, the revision of its last change and its value's compact form; keys must come in ascending order. */
  public ViewDigest add(String key, long revision, byte[] compactValue) {
    if (lastKey != null && key.compareTo(lastKey) <= 0) {
      throw new IllegalArgumentException("keys must come in ascending order: " + key + " after " + lastKey);
    }
    lastKey = key;
    sha256.update(key.getBytes(StandardCharsets.UTF_8));
    sha256.update((byte) '\n');
    line(Long.toString(revision));
    line(Integer.toString(compactValue.length));
    sha256.update(compactValue);
    sha256.update((byte) '\n');
    return this;
  }

  private void line(String decimal) {
    sha256.update(decimal.getBytes(StandardCharsets.US_ASCII));
    sha256.update((byte) '\n');
  }

  public String hex() {
    byte[] d = sha256.digest();
    StringBuilder s = new StringBuilder(HEX_LENGTH);
    for (byte b : d) {
      s.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return s.toString();
  }

  /** Whether {@code text} has a digest's form: 64 lower-case hex digits. */
  public static boolean wellFormed(String text) {
    if (text.length() != HEX_LENGTH) {
      return false;
    }
    for (int i = 0; i < HEX_LENGTH; i++) {
      char c = text.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }
}
