package io.ssot.watch;

import io.ssot.http.EntryJson;
import io.ssot.protocol.Event;
import io.ssot.protocol.JsonBytes;
import io.ssot.protocol.WatchEncoder;
import io.ssot.security.ValueCipher;
import io.ssot.store.Commit;
import io.ssot.store.Entry;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * A commit's events encoded once as JSON and shared by every watch it is sent to. A watch that
 * matches every event of the commit gets the same array as all the others; watches that match
 * part of it with the same filter (a fleet running the same code) share the last such array.
 */
public final class EncodedCommit {

  private static final Buffer OPEN = Buffer.buffer("[");
  private static final Buffer COMMA = Buffer.buffer(",");
  private static final Buffer CLOSE = Buffer.buffer("]");

  final long revision;
  private final List<Entry> changes;
  private final JsonBytes[] events;
  private final EventsPayload all;
  /** The array last built for a filter matching part of the commit; replaced, never changed. */
  private volatile Partial lastPartial;

  private record Partial(WatchFilter filter, EventsPayload events) {
  }

  public EncodedCommit(Commit commit, ValueCipher cipher) {
    this.revision = commit.revision();
    this.changes = commit.changes();
    this.events = new JsonBytes[changes.size()];
    for (int i = 0; i < events.length; i++) {
      Event event = EntryJson.event(cipher.open(changes.get(i)));
      events[i] = WatchEncoder.event(new JsonBytes(WatchEncoder.eventSizeHint(event)), event);
    }
    this.all = new EventsPayload(join(null));
  }

  int size() {
    return all.size();
  }

  /** The JSON array of the events that {@code filter} matches, or null when none does. */
  public EventsPayload matching(WatchFilter filter) {
    int matched = 0;
    for (Entry change : changes) {
      if (filter.matches(change.key())) {
        matched++;
      }
    }
    if (matched == 0) {
      return null;
    }
    if (matched == changes.size()) {
      return all;
    }
    Partial last = lastPartial;
    if (last != null && last.filter.equals(filter)) {
      return last.events;
    }
    EventsPayload events = new EventsPayload(join(filter));
    lastPartial = new Partial(filter, events);
    return events;
  }

  private Buffer join(WatchFilter filter) {
    Buffer out = Buffer.buffer(64 * events.length).appendBuffer(OPEN);
    boolean first = true;
    for (int i = 0; i < events.length; i++) {
      if (filter == null || filter.matches(changes.get(i).key())) {
        if (!first) {
          out.appendBuffer(COMMA);
        }
        out.appendBytes(events[i].array(), 0, events[i].length());
        first = false;
      }
    }
    return out.appendBuffer(CLOSE);
  }
}
