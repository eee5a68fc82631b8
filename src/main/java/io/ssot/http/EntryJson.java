package io.ssot.http;

import io.ssot.protocol.Event;
import io.ssot.protocol.Timestamps;
import io.ssot.store.Entry;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/** The JSON shapes of entries and change events. */
public final class EntryJson {

  private EntryJson() {
  }

  /** {@code updatedAt} and the other times of answers: see {@link Timestamps#format}. */
  public static String timestamp(long epochMillis) {
    return Timestamps.format(epochMillis);
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

  /** A watch event: the entry with its {@code type}, written by {@link io.ssot.protocol.WatchEncoder#event}. */
  public static Event event(Entry e) {
    return e.isDelete() ? Event.delete(e.key(), e.revision(), e.updatedAt(), e.updatedBy())
        : Event.put(e.key(), e.value(), e.revision(), e.createRevision(), e.version(), e.updatedAt(), e.updatedBy());
  }
}
