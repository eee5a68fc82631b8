package io.ssot.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The one encoding of watch messages: a WebSocket message's JSON and an SSE event. A commit's
 * events are encoded once ({@link #event}) and the array shared by every watch it is sent to;
 * the server writes it between a head and an end of its own per watch ({@link #eventsHead},
 * {@link #sseChangeHead}) rather than copying it into each message. The byte arrays of the
 * constants are shared: read them, never write into them.
 */
public final class WatchEncoder {

  /** The end of a WebSocket events message, after the array. */
  public static final byte[] EVENTS_END = ascii("}");
  /** The end of an SSE {@code change} event, after the array. */
  public static final byte[] SSE_CHANGE_END = ascii("}\n\n");
  /** An SSE comment the stream starts with, so that a client sees it open before any change. */
  public static final byte[] SSE_OPENED = ascii(": watching\n\n");

  private WatchEncoder() {
  }

  /** The WebSocket message, as UTF-8 JSON. */
  public static byte[] json(WatchMessage message) {
    return webSocket(message).toByteArray();
  }

  /** The WebSocket message, as text. */
  public static String text(WatchMessage message) {
    return webSocket(message).toString();
  }

  private static JsonBytes webSocket(WatchMessage message) {
    JsonBytes json = new JsonBytes(64);
    if (message instanceof WatchMessage.Events e) {
      return json.raw(eventsHead(e.id())).raw(e.events()).raw(EVENTS_END);
    }
    json.beginObject();
    if (message.id() != null) {
      json.field("id", message.id());
    }
    if (message instanceof WatchMessage.Created c) {
      json.field("created", true).field("revision", c.revision());
    } else if (message instanceof WatchMessage.Progress p) {
      json.field("progress", p.revision());
    } else if (message instanceof WatchMessage.Canceled) {
      json.field("canceled", true);
    } else if (message instanceof WatchMessage.Ended e) {
      json.field("error", e.problem().code()).field(e.revisionField(), e.revision());
    } else if (message instanceof WatchMessage.Drifted d) {
      json.field("drifted", d.revision()).field("digest", d.digest());
    } else if (message instanceof WatchMessage.Refused r) {
      json.field("error", r.problem().code()).field("detail", r.detail());
    }
    return json.endObject();
  }

  /**
   * The SSE event: {@code change} (id = the revision, data {@code {"revision":R,"events":[…]}}),
   * {@code progress} (id = the revision reached, data {@code {"revision":R}}) or {@code error}
   * (data {@code {"error":code,"<revisionField>":R}}). An SSE stream sends no other message.
   */
  public static byte[] sse(WatchMessage message) {
    if (message instanceof WatchMessage.Events e) {
      return new JsonBytes(e.events().length + 64).raw(sseChangeHead(e.revision())).raw(e.events())
          .raw(SSE_CHANGE_END).toByteArray();
    }
    JsonBytes out = new JsonBytes(80);
    if (message instanceof WatchMessage.Progress p) {
      String r = Long.toString(p.revision());
      out.ascii("id: ").ascii(r).ascii("\nevent: progress\ndata: ").beginObject().field("revision", p.revision());
    } else if (message instanceof WatchMessage.Ended e) {
      out.ascii("event: error\ndata: ").beginObject().field("error", e.problem().code())
          .field(e.revisionField(), e.revision());
    } else {
      throw new IllegalArgumentException("an SSE stream sends no " + message.getClass().getSimpleName());
    }
    return out.endObject().ascii("\n\n").toByteArray();
  }

  /** {@code {"id":"<id>","events":}: a WebSocket events message before the array. */
  public static byte[] eventsHead(String id) {
    return new JsonBytes(id.length() + 24).beginObject().field("id", id).name("events").toByteArray();
  }

  /** {@code id: R\nevent: change\ndata: {"revision":R,"events":}: an SSE change event before the array. */
  public static byte[] sseChangeHead(long revision) {
    String r = Long.toString(revision);
    return new JsonBytes(64).ascii("id: ").ascii(r).ascii("\nevent: change\ndata: ").beginObject()
        .field("revision", revision).name("events").toByteArray();
  }

  /** Writes one event (see {@link Event}) into {@code out}. */
  public static JsonBytes event(JsonBytes out, Event e) {
    out.beginObject().field("type", e.type().wire()).field("key", e.key());
    if (e.type() == Event.Type.PUT) {
      out.rawField("value", e.value())
          .field("revision", e.revision())
          .field("createRevision", e.createRevision())
          .field("version", e.version());
    } else {
      out.field("revision", e.revision());
    }
    return out.field("updatedAt", Timestamps.format(e.updatedAt())).field("updatedBy", e.updatedBy()).endObject();
  }

  /** A size to start {@link #event}'s buffer with, enough for most events. */
  public static int eventSizeHint(Event e) {
    return e.type() == Event.Type.DELETE ? 160 : e.value().length + 220;
  }

  /** The client's message: {@code {"op":"watch","id":…,"key"|"prefix":…,"fromRevision":N}} or {@code {"op":"cancel","id":…}}
   * or {@code {"op":"ack","id":…,"revision":R,"digest":…}}. */
  public static byte[] json(WatchRequest request) {
    JsonBytes json = new JsonBytes(64).beginObject();
    if (request instanceof WatchRequest.Open o) {
      json.field("op", "watch").field("id", o.id());
      if (o.key() != null) {
        json.field("key", o.key());
      } else {
        json.field("prefix", o.prefix());
      }
      if (o.fromRevision() > 0) {
        json.field("fromRevision", o.fromRevision());
      }
    } else if (request instanceof WatchRequest.Ack a) {
      json.field("op", "ack").field("id", a.id()).field("revision", a.revision());
      if (a.digest() != null) {
        json.field("digest", a.digest());
      }
    } else {
      json.field("op", "cancel").field("id", request.id());
    }
    return json.endObject().toByteArray();
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
