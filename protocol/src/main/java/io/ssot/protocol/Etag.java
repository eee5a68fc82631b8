package io.ssot.protocol;

/**
 * Entity tags are quoted revisions: {@code "42"}. A key's {@code ETag} is the revision of its
 * entry; {@code If-Match} and {@code If-None-Match} take them back.
 */
public final class Etag {

  /** The longest tag: a quoted {@code Long.MAX_VALUE} (19 digits). */
  private static final int MAX_LENGTH = 21;

  private Etag() {
  }

  /** {@code "<revision>"}. */
  public static String of(long revision) {
    return "\"" + revision + "\"";
  }

  /**
   * The revision of one entity tag, surrounding white space ignored; with {@code allowWeak} also
   * of a weak one ({@code W/"42"}). -1 when the tag is not a quoted whole number that fits a long.
   */
  public static long revision(String tag, boolean allowWeak) {
    String t = tag.trim();
    if (allowWeak && t.startsWith("W/")) {
      t = t.substring(2);
    }
    if (t.length() < 3 || t.length() > MAX_LENGTH || t.charAt(0) != '"' || t.charAt(t.length() - 1) != '"') {
      return -1;
    }
    long value = 0;
    for (int i = 1; i < t.length() - 1; i++) {
      int digit = t.charAt(i) - '0';
      if (digit < 0 || digit > 9) {
        return -1;
      }
      if (value > (Long.MAX_VALUE - digit) / 10) {
        return -1; // 19 digits can still be above Long.MAX_VALUE
      }
      value = value * 10 + digit;
    }
    return value;
  }
}
