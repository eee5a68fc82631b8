package io.ssot.http;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes JSON straight into a buffer. Values held as JSON bytes are embedded as they are, so a
 * stored value is never parsed or re-serialised on its way out.
 */
public final class JsonWriter {

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private final Buffer out;
  private boolean needComma;

  public JsonWriter(int initialSize) {
    this.out = Buffer.buffer(initialSize);
  }

  public Buffer buffer() {
    return out;
  }

  public JsonWriter beginObject() {
    comma();
    out.appendByte((byte) '{');
    needComma = false;
    return this;
  }

  /** Starts an object as the value of field {@code name}. */
  public JsonWriter beginObject(String name) {
    name(name);
    out.appendByte((byte) '{');
    needComma = false;
    return this;
  }

  public JsonWriter endObject() {
    out.appendByte((byte) '}');
    needComma = true;
    return this;
  }

  public JsonWriter beginArray(String name) {
    name(name);
    out.appendByte((byte) '[');
    needComma = false;
    return this;
  }

  public JsonWriter endArray() {
    out.appendByte((byte) ']');
    needComma = true;
    return this;
  }

  public JsonWriter field(String name, String value) {
    name(name);
    if (value == null) {
      out.appendString("null");
    } else {
      string(value);
    }
    needComma = true;
    return this;
  }

  public JsonWriter field(String name, long value) {
    name(name);
    out.appendString(Long.toString(value));
    needComma = true;
    return this;
  }

  public JsonWriter field(String name, boolean value) {
    name(name);
    out.appendString(value ? "true" : "false");
    needComma = true;
    return this;
  }

  public JsonWriter nullField(String name) {
    name(name);
    out.appendString("null");
    needComma = true;
    return this;
  }

  /** A field whose value is already JSON. */
  public JsonWriter rawField(String name, byte[] json) {
    name(name);
    out.appendBytes(json);
    needComma = true;
    return this;
  }

  private void name(String name) {
    comma();
    out.appendByte((byte) '"').appendString(name).appendString("\":");
  }

  private void comma() {
    if (needComma) {
      out.appendByte((byte) ',');
    }
  }

  private void string(String s) {
    out.appendByte((byte) '"');
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\') {
        out.appendString(s.substring(start, i), "UTF-8");
        switch (c) {
          case '"' -> out.appendString("\\\"");
          case '\\' -> out.appendString("\\\\");
          case '\n' -> out.appendString("\\n");
          case '\r' -> out.appendString("\\r");
          case '\t' -> out.appendString("\\t");
          default -> out.appendString("\\u00").appendByte(HEX[c >> 4]).appendByte(HEX[c & 0xF]);
        }
        start = i + 1;
      }
    }
    out.appendString(s.substring(start), "UTF-8");
    out.appendByte((byte) '"');
  }
}
