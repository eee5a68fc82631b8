package io.ssot.http;

import io.ssot.protocol.Timestamps;
import io.ssot.store.Entry;
import java.nio.charset.StandardCharsets;

/**
 * The JSON of one entry with its value, as {@link EntryJson#writeEntry} writes it, into one array
 * of its exact size. A GET of a key read once renders its answer each time; through
 * {@link JsonWriter}'s appends to a growing buffer (each checked, names and numbers made into
 * strings first) rendering was a tenth of such a GET in a JFR profile.
 *
 * <p>Only the plain case: keys need no escape (the key grammar is a subset of printable ASCII)
 * and a principal nearly never does; an entry whose principal is not printable ASCII without
 * quote or backslash, or with a negative number, is left to {@link JsonWriter}.
 */
final class EntryRenderer {

  private static final byte[] KEY = ascii("{\"key\":\"");
  private static final byte[] VALUE = ascii("\",\"value\":");
  private static final byte[] REVISION = ascii(",\"revision\":");
  private static final byte[] CREATE_REVISION = ascii(",\"createRevision\":");
  private static final byte[] VERSION = ascii(",\"version\":");
  private static final byte[] UPDATED_AT = ascii(",\"updatedAt\":\"");
  private static final byte[] UPDATED_BY = ascii("\",\"updatedBy\":\"");
  private static final byte[] END = ascii("\"}");
  private static final int FIXED = KEY.length + VALUE.length + REVISION.length + CREATE_REVISION.length
      + VERSION.length + UPDATED_AT.length + Timestamps.LENGTH + UPDATED_BY.length + END.length;

  private EntryRenderer() {
  }

  /** The entry's JSON, or {@code null} when it is not the plain case. */
  static byte[] render(Entry e) {
    String key = e.key();
    String by = e.updatedBy();
    byte[] value = e.value();
    if (by == null || !plain(by) || !plain(key) || e.revision() < 0 || e.createRevision() < 0 || e.version() < 0) {
      return null;
    }
    int revisionDigits = digitCount(e.revision());
    int createDigits = digitCount(e.createRevision());
    int versionDigits = digitCount(e.version());
    byte[] out = new byte[FIXED + key.length() + value.length + revisionDigits + createDigits + versionDigits
        + by.length()];
    int at = put(out, 0, KEY);
    at = ascii(out, at, key);
    at = put(out, at, VALUE);
    at = put(out, at, value);
    at = put(out, at, REVISION);
    at = number(out, at, e.revision(), revisionDigits);
    at = put(out, at, CREATE_REVISION);
    at = number(out, at, e.createRevision(), createDigits);
    at = put(out, at, VERSION);
    at = number(out, at, e.version(), versionDigits);
    at = put(out, at, UPDATED_AT);
    Timestamps.write(out, at, e.updatedAt());
    at += Timestamps.LENGTH;
    at = put(out, at, UPDATED_BY);
    at = ascii(out, at, by);
    put(out, at, END);
    return out;
  }

  /** Printable ASCII without {@code "} or {@code \}: written as it is inside a JSON string. */
  private static boolean plain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  private static int put(byte[] out, int at, byte[] bytes) {
    System.arraycopy(bytes, 0, out, at, bytes.length);
    return at + bytes.length;
  }

  /** A {@link #plain} string: each char is its byte. */
  private static int ascii(byte[] out, int at, String s) {
    for (int i = 0; i < s.length(); i++) {
      out[at + i] = (byte) s.charAt(i);
    }
    return at + s.length();
  }

  private static int digitCount(long n) {
    int digits = 1;
    for (long limit = 10; digits < 19 && n >= limit; limit *= 10) {
      digits++;
    }
    return digits;
  }

  private static int number(byte[] out, int at, long n, int digits) {
    for (int i = at + digits - 1; i >= at; i--) {
      out[i] = (byte) ('0' + n % 10);
      n /= 10;
    }
    return at + digits;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
