package io.ssot.protocol;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;

/** {@code updatedAt}: UTC with exactly three fractional digits and {@code Z}, such as {@code 2025-01-31T09:05:00.123Z}. */
public final class Timestamps {

  /** The length of every timestamp, in characters and in (ASCII) bytes. */
  public static final int LENGTH = 24;

  private Timestamps() {
  }

  /**
   * Written by hand because a {@code DateTimeFormatter} took 5% of a single-key GET (JFR); years
   * 0–9999 only, which any clock-derived time is.
   */
  public static String format(long epochMillis) {
    byte[] t = new byte[LENGTH];
    write(t, 0, epochMillis);
    return new String(t, StandardCharsets.US_ASCII);
  }

  /** {@link #format} as ASCII into {@code into} from {@code at}: {@link #LENGTH} bytes. */
  public static void write(byte[] into, int at, long epochMillis) {
    long days = Math.floorDiv(epochMillis, 86_400_000L);
    int millisOfDay = (int) Math.floorMod(epochMillis, 86_400_000L);
    LocalDate date = LocalDate.ofEpochDay(days);
    digits(into, at, date.getYear(), 4);
    into[at + 4] = '-';
    digits(into, at + 5, date.getMonthValue(), 2);
    into[at + 7] = '-';
    digits(into, at + 8, date.getDayOfMonth(), 2);
    into[at + 10] = 'T';
    digits(into, at + 11, millisOfDay / 3_600_000, 2);
    into[at + 13] = ':';
    digits(into, at + 14, millisOfDay / 60_000 % 60, 2);
    into[at + 16] = ':';
    digits(into, at + 17, millisOfDay / 1000 % 60, 2);
    into[at + 19] = '.';
    digits(into, at + 20, millisOfDay % 1000, 3);
    into[at + 23] = 'Z';
  }

  private static void digits(byte[] into, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      into[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }
}
