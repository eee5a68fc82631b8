package io.ssot.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one Jackson mapper of the client (thread-safe once configured). */
final class Json {

  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {
  }

  static JsonNode parse(byte[] bytes) {
    try {
      return MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("the server sent malformed JSON", e);
    }
  }

  static JsonNode parse(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("the server sent malformed JSON", e);
    }
  }

  /** A value to send: a JsonNode or any object Jackson can write; bytes and strings are taken as JSON text. */
  static byte[] bytes(Object value) {
    if (value instanceof byte[] b) {
      return b;
    }
    try {
      if (value instanceof String s) {
        MAPPER.readTree(s); // a JSON text, checked here rather than by a 400
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      }
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON value: " + e.getOriginalMessage(), e);
    }
  }
}
