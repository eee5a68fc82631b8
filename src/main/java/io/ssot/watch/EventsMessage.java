package io.ssot.watch;

import io.ssot.protocol.WatchEncoder;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * The text of a WebSocket events message, {@code {"id":...,"events":[...]}}. The pump of an event
 * loop sends one commit to its watches one after another, and watches that match all of a commit
 * share its events array ({@link EncodedCommit}); many also share their id (a fleet of clients
 * runs the same code). So the last message built on each event loop is kept and reused while
 * both are the same, and a commit fanned out to N such watchers is rendered once, not N times.
 * Only small arrays come here: a large one is sent as is, between
 * {@link WatchEncoder#eventsHead} and {@link #END}.
 */
final class EventsMessage {

  private static final ThreadLocal<EventsMessage> LAST = new ThreadLocal<>();
  static final Buffer END = Buffer.buffer(WatchEncoder.EVENTS_END);

  private final String id;
  /** Compared by identity: an events array is never changed once encoded. */
  private final Buffer events;
  final String text;
  /** The length of the text in UTF-8, as it is sent. */
  final int bytes;

  private EventsMessage(String id, Buffer events, String text, int bytes) {
    this.id = id;
    this.events = events;
    this.text = text;
    this.bytes = bytes;
  }

  static EventsMessage of(String id, Buffer events) {
    EventsMessage last = LAST.get();
    if (last != null && last.events == events && last.id.equals(id)) {
      return last;
    }
    byte[] head = WatchEncoder.eventsHead(id);
    Buffer message = Buffer.buffer(head.length + events.length() + END.length())
        .appendBytes(head).appendBuffer(events).appendBuffer(END);
    EventsMessage fresh = new EventsMessage(id, events, message.toString(StandardCharsets.UTF_8), message.length());
    LAST.set(fresh);
    return fresh;
  }
}
