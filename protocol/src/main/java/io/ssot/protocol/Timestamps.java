package io.ssot.protocol;

import java.time.LocalDate;

/** {@code updatedAt}: UTC with exactly three fractional digits and {@code Z}, such as {@code 2025-01-31T09:05:00.123Z}. */
public final class Timestamps {

  private Timestamps() {
  }

  /**
   * Written by hand because a {@code DateTimeFormatter} took 5% of a single-key GET (JFR); years
   * 0–9999 only, which any clock-derived time is.
   */
  public static String format(long epochMillis) {
    long days = Math.floorDiv(epochMillis, 86_400_000L);
    int millisOfDay = (int) Math.floorMod(epochMillis, 86_400_000L);
    LocalDate date = LocalDate.ofEpochDay(days);
    char[] t = new char[24];
    digits(t, 0, date.getYear(), 4);
    t[4] = '-';
    digits(t, 5, date.getMonthValue(), 2);
    t[7] = '-';
    digits(t, 8, date.getDayOfMonth(), 2);
    t[10] = 'T';
    digits(t, 11, millisOfDay / 3_600_000, 2);
    t[13] = ':';
    digits(t, 14, millisOfDay / 60_000 % 60, 2);
    t[16] = ':';
    digits(t, 17, millisOfDay / 1000 % 60, 2);
    t[19] = '.';
    digits(t, 20, millisOfDay % 1000, 3);
    t[23] = 'Z';
    return new String(t);
  }

  private static void digits(char[] into, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      into[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
