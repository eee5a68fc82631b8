package io.ssot.http;

import io.ssot.store.Entry;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
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
    byte[] t = new byte[TIMESTAMP_LENGTH];
    writeTimestamp(t, 0, epochMillis);
    return new String(t, StandardCharsets.US_ASCII);
  }

  static final int TIMESTAMP_LENGTH = 24;

  /** {@link #timestamp} as ASCII into {@code into} from {@code at}: {@link #TIMESTAMP_LENGTH} bytes. */
  static void writeTimestamp(byte[] into, int at, long epochMillis) {
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

  /** {@link #writeEntry} of one entry, with its value, as a buffer of its own. */
  public static Buffer entry(Entry e) {
    byte[] direct = EntryRenderer.render(e);
    if (direct != null) {
      return Buffer.buffer(direct);
    }
    JsonWriter json = new JsonWriter(e.value().length + 200);
    writeEntry(json, e, true);
    return json.buffer();
  }

  /**
   * As {@link #entry}, for an answer sent once: the rendered bytes are wrapped rather than
   * copied into a buffer of Vert.x's (which a kept answer is, so its sends slice it cheaply).
   */
  public static Buffer entryOnce(Entry e) {
    byte[] direct = EntryRenderer.render(e);
    return direct != null ? BufferInternal.buffer(Unpooled.wrappedBuffer(direct)) : entry(e);
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
