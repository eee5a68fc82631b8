package io.ssot.client;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Typed reads of JSON values, for the hot path: a JSON Pointer is compiled once and kept, numbers
 * and booleans are read from the node as they are, and a Duration parsed from text is kept with
 * its entry. A value of the wrong type, or none, reads as the default.
 */
final class TypedValues {

  /** Pointers compiled so far; they come from code, so few, but bounded all the same. */
  private static final ConcurrentHashMap<String, JsonPointer> POINTERS = new ConcurrentHashMap<>();
  private static final int MAX_POINTERS = 10_000;

  private TypedValues() {
  }

  /** The node at {@code pointer} ("" or null: the value itself); null when there is none. */
  static JsonNode at(JsonNode value, String pointer) {
    if (value == null) {
      return null;
    }
    if (pointer == null || pointer.isEmpty()) {
      return value;
    }
    JsonPointer p = POINTERS.get(pointer);
    if (p == null) {
      p = JsonPointer.compile(pointer);
      if (POINTERS.size() < MAX_POINTERS) {
        POINTERS.putIfAbsent(pointer, p);
      }
    }
    JsonNode n = value.at(p);
    return n.isMissingNode() ? null : n;
  }

  static String string(JsonNode n, String def) {
    if (n == null || n.isNull() || n.isContainerNode()) {
      return def;
    }
    return n.isTextual() ? n.textValue() : n.asText();
  }

  static int integer(JsonNode n, int def) {
    if (n != null && n.isNumber() && n.canConvertToInt()) {
      return n.intValue();
    }
    if (n != null && n.isTextual()) {
      try {
        return Integer.parseInt(n.textValue().trim());
      } catch (NumberFormatException e) {
        return def;
      }
    }
    return def;
  }

  static long longValue(JsonNode n, long def) {
    if (n != null && n.isNumber() && n.canConvertToLong()) {
      return n.longValue();
    }
    if (n != null && n.isTextual()) {
      try {
        return Long.parseLong(n.textValue().trim());
      } catch (NumberFormatException e) {
        return def;
      }
    }
    return def;
  }

  static boolean bool(JsonNode n, boolean def) {
    if (n != null && n.isBoolean()) {
      return n.booleanValue();
    }
    if (n != null && n.isTextual()) {
      String t = n.textValue().trim();
      if (t.equalsIgnoreCase("true")) {
        return true;
      }
      if (t.equalsIgnoreCase("false")) {
        return false;
      }
    }
    return def;
  }

  /**
   * A number as milliseconds, or text: ISO-8601 ({@code PT5S}) or a number with a unit
   * ({@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 7d}). Parsed text is kept in
   * {@code derived} (the entry's), keyed by its node.
   */
  static Duration duration(JsonNode n, Duration def, ViewEntry entry) {
    if (n == null) {
      return def;
    }
    if (n.isIntegralNumber() && n.canConvertToLong()) {
      return Duration.ofMillis(n.longValue());
    }
    if (!n.isTextual()) {
      return def;
    }
    Object known = entry == null ? null : entry.derived.get(n);
    if (known instanceof Duration d) {
      return d;
    }
    Duration d = parseDuration(n.textValue());
    if (d == null) {
      return def;
    }
    if (entry != null) {
      entry.derived.put(n, d);
    }
    return d;
  }

  static Duration parseDuration(String text) {
    String t = text.trim();
    try {
      if (t.startsWith("P") || t.startsWith("p") || t.startsWith("-P")) {
        return Duration.parse(t);
      }
      int i = 0;
      while (i < t.length() && Character.isDigit(t.charAt(i))) {
        i++;
      }
      if (i == 0) {
        return null;
      }
      long amount = Long.parseLong(t.substring(0, i));
      return switch (t.substring(i).trim()) {
        case "ms" -> Duration.ofMillis(amount);
        case "s", "" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        case "d" -> Duration.ofDays(amount);
        default -> null;
      };
    } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
      return null;
    }
  }
}
