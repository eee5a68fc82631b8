package io.ssot.api;

import io.ssot.store.Entry;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The JSON shapes of entries and change events. */
public final class EntryJson {

  private static final DateTimeFormatter RFC3339_MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private EntryJson() {
  }

  /** {@code updatedAt}: UTC, exactly three fractional digits, {@code Z}. */
  public static String timestamp(long epochMillis) {
    return RFC3339_MILLIS.format(Instant.ofEpochMilli(epochMillis));
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
