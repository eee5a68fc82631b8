package io.ssot.http;

import io.ssot.protocol.Event;
import io.ssot.protocol.Timestamps;
import io.ssot.store.Entry;
import io.vertx.core.buffer.Buffer;

/** The JSON shapes of entries and change events. */
public final class EntryJson {

  private EntryJson() {
  }

  /** {@code updatedAt} and the other times of answers: see {@link Timestamps#format}. */
  public static String timestamp(long epochMillis) {
    return Timestamps.format(epochMillis);
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

  /** A watch event: the entry with its {@code type}, written by {@link io.ssot.protocol.WatchEncoder#event}. */
  public static Event event(Entry e) {
    return e.isDelete() ? Event.delete(e.key(), e.revision(), e.updatedAt(), e.updatedBy())
        : Event.put(e.key(), e.value(), e.revision(), e.createRevision(), e.version(), e.updatedAt(), e.updatedBy());
  }
}
