package io.ssot.http;

import io.ssot.store.Entry;
import io.vertx.core.buffer.Buffer;
import java.time.LocalDate;

/** The JSON shapes of entries and change events. */
public final class EntryJson {

  private EntryJson() {
  }

  /**
   * {@code updatedAt}: UTC, exactly three fractional digits, {@code Z}. Written by hand because
   * a {@code DateTimeFormatter} took 5% of a single-key GET (JFR); years 0–9999 only, which any
   * clock-derived time is.
   */
  public static String timestamp(long epochMillis) {
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

  public static Buffer entry(Entry e) {
    JsonWriter json = new JsonWriter(e.value().length + 200);
    writeEntry(json, e, true);
    return json.buffer();
  }

  /** {@code {key,value,revision,createRevision,version,updatedAt,updatedBy}}. */
  public static void writeEntry(JsonWriter json, Entry e, boolean withValue) {
    json.beginObject().field("key", e.key());
    if (withValue) {
      json.rawField("value", e.value());
    }
    json.field("revision", e.revision())
        .field("createRevision", e.createRevision())
        .field("version", e.version())
        .field("updatedAt", timestamp(e.updatedAt()))
        .field("updatedBy", e.updatedBy())
        .endObject();
  }

  /** A watch event: the entry with its {@code type}; a delete carries no value. */
  public static Buffer event(Entry e) {
    JsonWriter json = new JsonWriter(e.isDelete() ? 160 : e.value().length + 220);
    json.beginObject().field("type", e.isDelete() ? "delete" : "put").field("key", e.key());
    if (!e.isDelete()) {
      json.rawField("value", e.value())
          .field("revision", e.revision())
          .field("createRevision", e.createRevision())
          .field("version", e.version());
    } else {
      json.field("revision", e.revision());
    }
    json.field("updatedAt", timestamp(e.updatedAt())).field("updatedBy", e.updatedBy()).endObject();
    return json.buffer();
  }
}
