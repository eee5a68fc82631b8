package io.ssot.config;

import java.time.Duration;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for setting values: sizes ({@code 64MiB}), durations ({@code 30s}) and bounded numbers. */
public final class Parsers {

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private Parsers() {
  }

  static String text(String s) {
    return s;
  }

  static Integer intIn(String s, int min, int max) {
    int v;
    try {
      v = Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' is not a whole number");
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException(v + " is outside " + min + ".." + max);
    }
    return v;
  }

  static Long longIn(String s, long min, long max) {
    long v;
    try {
      v = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' is not a whole number");
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException(v + " is outside " + min + ".." + max);
    }
    return v;
  }

  /** A byte size: a number with an optional unit B, KiB, MiB or GiB. */
  public static long bytes(String s) {
    Matcher m = SIZE.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + s + "' is not a size such as 65536, 64KiB or 1MiB");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    return switch (unit) {
      case "KiB" -> n << 10;
      case "MiB" -> n << 20;
      case "GiB" -> n << 30;
      default -> n;
    };
  }

  static Long bytesIn(String s, long min, long max) {
    long v = bytes(s);
    if (v < min || v > max) {
      throw new IllegalArgumentException(s + " is outside " + min + ".." + max + " bytes");
    }
    return v;
  }

  /** A duration: a number with a unit ms, s, m, h or d. */
  public static Duration duration(String s) {
    Matcher m = DURATION.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + s + "' is not a duration such as 500ms, 30s, 5m, 1h or 7d");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** A {@link #duration} longer than zero. */
  static Duration positiveDuration(String s) {
    Duration d = duration(s);
    if (d.isZero()) {
      throw new IllegalArgumentException("must be longer than 0");
    }
    return d;
  }

  /** A {@link #duration} from {@code min} to {@code max}. */
  static Duration durationIn(String s, Duration min, Duration max) {
    Duration d = duration(s);
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new IllegalArgumentException(s + " is outside " + min + ".." + max);
    }
    return d;
  }

  static Boolean bool(String s) {
    return switch (s) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("'" + s + "' is not true or false");
    };
  }

  static String oneOf(String s, Set<String> allowed) {
    if (!allowed.contains(s)) {
      throw new IllegalArgumentException("'" + s + "' is not one of " + allowed);
    }
    return s;
  }
}
