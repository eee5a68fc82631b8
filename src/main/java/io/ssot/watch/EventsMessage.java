package io.ssot.watch;

import io.ssot.api.JsonWriter;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * The text of a WebSocket events message, {@code {"id":...,"events":[...]}}. The pump of an event
 * loop sends one commit to its watches one after another, and watches that match all of a commit
 * share its events array ({@link EncodedCommit}); many also share their id (a fleet of clients
 * runs the same code). So the last message built on each event loop is kept and reused while
 * both are the same, and a commit fanned out to N such watchers is rendered once, not N times.
 */
final class EventsMessage {

  private static final ThreadLocal<EventsMessage> LAST = new ThreadLocal<>();
  /** Larger messages are not kept, so what each event loop holds on to stays small. */
  private static final int KEPT_BYTES = 64 << 10;

  private final String id;
  /** Compared by identity: an events array is never changed once encoded. */
  private final Buffer events;
  private final String text;

  private EventsMessage(String id, Buffer events, String text) {
    this.id = id;
    this.events = events;
    this.text = text;
  }

  static String text(String id, Buffer events) {
    EventsMessage last = LAST.get();
    if (last != null && last.events == events && last.id.equals(id)) {
      return last.text;
    }
    JsonWriter json = new JsonWriter(events.length() + 48).beginObject().field("id", id);
    json.buffer().appendString(",\"events\":").appendBuffer(events).appendString("}");
    String text = json.buffer().toString(StandardCharsets.UTF_8);
    LAST.set(events.length() <= KEPT_BYTES ? new EventsMessage(id, events, text) : null);
    return text;
  }
}
