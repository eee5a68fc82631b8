package io.ssot.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes JSON straight into a growing byte array. Values held as JSON bytes are embedded as they
 * are. Strings are escaped as the server's answers escape them: {@code "}, {@code \} and control
 * characters only ({@code \n}, {@code \r}, {@code \t} by name, the others as {@code \}{@code u00xx}),
 * everything else as UTF-8 (a lone surrogate becomes {@code ?}).
 */
public final class JsonBytes {

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private byte[] bytes;
  private int length;
  private boolean needComma;

  public JsonBytes(int initialSize) {
    this.bytes = new byte[Math.max(16, initialSize)];
  }

  /** The array written into: its first {@link #length()} bytes are the JSON. */
  public byte[] array() {
    return bytes;
  }

  public int length() {
    return length;
  }

  /** A copy of exactly the JSON written. */
  public byte[] toByteArray() {
    return Arrays.copyOf(bytes, length);
  }

  @Override
  public String toString() {
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }

  public JsonBytes beginObject() {
    comma();
    put((byte) '{');
    needComma = false;
    return this;
  }

  public JsonBytes endObject() {
    put((byte) '}');
    needComma = true;
    return this;
  }

  public JsonBytes field(String name, String value) {
    name(name);
    if (value == null) {
      ascii("null");
    } else {
      string(value);
    }
    needComma = true;
    return this;
  }

  public JsonBytes field(String name, long value) {
    name(name);
    ascii(Long.toString(value));
    needComma = true;
    return this;
  }

  public JsonBytes field(String name, boolean value) {
    name(name);
    ascii(value ? "true" : "false");
    needComma = true;
    return this;
  }

  /** A field whose value is already JSON. */
  public JsonBytes rawField(String name, byte[] json) {
    name(name);
    raw(json);
    needComma = true;
    return this;
  }

  /** A field name and its colon, the value to follow as {@link #raw} bytes. */
  public JsonBytes name(String name) {
    comma();
    put((byte) '"');
    ascii(name);
    ascii("\":");
    return this;
  }

  /** Bytes appended as they are. */
  public JsonBytes raw(byte[] json) {
    ensure(json.length);
    System.arraycopy(json, 0, bytes, length, json.length);
    length += json.length;
    return this;
  }

  /** Text of ASCII characters only (names, numbers, framing), appended as they are. */
  public JsonBytes ascii(String text) {
    int n = text.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      bytes[length++] = (byte) text.charAt(i);
    }
    return this;
  }

  private void comma() {
    if (needComma) {
      put((byte) ',');
    }
  }

  private void put(byte b) {
    ensure(1);
    bytes[length++] = b;
  }

  private void string(String s) {
    int n = s.length();
    ensure(n + 2);
    bytes[length++] = '"';
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        int end = i + 1;
        while (end < n && s.charAt(end) >= 0x80) {
          end++;
        }
        raw(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
        i = end - 1;
      } else if (c < 0x20 || c == '"' || c == '\\') {
        switch (c) {
          case '"' -> ascii("\\\"");
          case '\\' -> ascii("\\\\");
          case '\n' -> ascii("\\n");
          case '\r' -> ascii("\\r");
          case '\t' -> ascii("\\t");
          default -> ascii("\\u00").put2(HEX[c >> 4], HEX[c & 0xF]);
        }
      } else {
        put((byte) c);
      }
    }
    put((byte) '"');
  }

  private void put2(byte a, byte b) {
    ensure(2);
    bytes[length++] = a;
    bytes[length++] = b;
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
