package io.ssot.limit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 of text, with one digest per thread: looking the algorithm up for every request cost
 * more than hashing. Used for rate-limit identities here and for token secrets in
 * {@code security}, which sits above this package.
 */
public final class Sha256 {

  private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java platform", e);
    }
  });

  private Sha256() {
  }

  /** The 32-byte SHA-256 of {@code text} in UTF-8. */
  public static byte[] of(String text) {
    MessageDigest digest = DIGEST.get();
    digest.reset();
    return digest.digest(text.getBytes(StandardCharsets.UTF_8));
  }
}
