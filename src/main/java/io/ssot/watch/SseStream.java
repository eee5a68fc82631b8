package io.ssot.watch;

import io.ssot.security.Access;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * One watch as a Server-Sent Events stream: one {@code change} message per revision holding all
 * its matching events, with {@code id} = the revision, so a reconnect with {@code Last-Event-ID}
 * resumes exactly after it and never splits a transaction.
 */
public final class SseStream implements WatchSink {

  private static final Buffer CHANGE_END = Buffer.buffer("}\n\n");
  /** Chunk (HTTP/1.1) or DATA frame (HTTP/2) framing counted per write. */
  private static final int FRAMING_BYTES = 16;
  /** RST_STREAM's CANCEL: the client no longer wants the stream's data. */
  private static final long CANCEL = 0x8;

  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private final WatchHub hub;
  private final ConnectionOutput output;
  private Watch watch;

  private SseStream(RoutingContext ctx, WatchHub hub) {
    this.ctx = ctx;
    this.response = ctx.response();
    this.hub = hub;
    this.output = hub.output(ctx.request().connection());
  }

  /**
   * Starts the stream; an error such as {@code compacted} is sent as an {@code error} event, and
   * so is the end of the request's token ({@code token-revoked}), after which the stream ends.
   */
  public static void start(RoutingContext ctx, WatchHub hub, WatchFilter filter, long fromRevision) {
    HttpServerResponse response = ctx.response();
    SseStream stream = new SseStream(ctx, hub);
    response.setChunked(true)
        .setStatusCode(200)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .putHeader("X-SSOT-Revision", Long.toString(hub.store().revision()));
    Runnable unfollow = Access.onTokenEnd(ctx, () -> {
      if (stream.watch != null) {
        hub.end(stream.watch, "token-revoked", "lastRevision", stream.watch.lastRevision());
      }
    });
    response.closeHandler(v -> {
      unfollow.run();
      if (stream.watch != null) {
        hub.close(stream.watch);
      }
    });
    stream.sendAnyway(": watching\n\n");
    try {
      stream.watch = hub.open("sse", filter, fromRevision, stream);
    } catch (io.ssot.store.StoreException.Compacted e) {
      stream.error(null, "compacted", "compactRevision", e.compactRevision());
    }
  }

  private boolean gone() {
    return response.ended() || response.closed();
  }

  @Override
  public boolean events(Watch w, long revision, EventsPayload events) {
    if (gone()) {
      return true;
    }
    String r = Long.toString(revision);
    Buffer head = Buffer.buffer(64).appendString("id: ").appendString(r)
        .appendString("\nevent: change\ndata: {\"revision\":").appendString(r).appendString(",\"events\":");
    if (events.shared()) {
      // The array itself between this stream's own head and end: no copy per watcher.
      return output.send(head.length() + CHANGE_END.length() + 3L * FRAMING_BYTES, events, () -> {
        response.write(head);
        response.write(events.bytes);
        return response.write(CHANGE_END);
      });
    }
    Buffer message = head.appendBuffer(events.bytes).appendBuffer(CHANGE_END);
    return output.send(message.length() + FRAMING_BYTES, null, () -> response.write(message));
  }

  @Override
  public void progress(Watch w, long revision) {
    if (!gone()) {
      String r = Long.toString(revision);
      sendAnyway("id: " + r + "\nevent: progress\ndata: {\"revision\":" + r + "}\n\n");
    }
  }

  private Future<Void> sendAnyway(String text) {
    Buffer bytes = Buffer.buffer(text);
    return output.sendAnyway(bytes.length() + FRAMING_BYTES, () -> response.write(bytes));
  }

  /**
   * Ends the stream with an {@code error} event. If the client does not take it within the
   * slow-consumer grace, it is not reading: its HTTP/2 stream is reset, or its HTTP/1.1
   * connection closed, so that what is queued for it is freed.
   */
  @Override
  public void error(Watch w, String code, String field, long revision) {
    if (gone()) {
      return;
    }
    Buffer text = Buffer.buffer("event: error\ndata: {\"error\":\"" + code + "\",\"" + field + "\":" + revision
        + "}\n\n");
    Future<Void> ended = output.sendAnyway(text.length() + FRAMING_BYTES, () -> response.end(text));
    output.abortUnlessWritten(ended, hub.slowConsumerGraceMillis(), () -> {
      if (ctx.request().version() == HttpVersion.HTTP_2) {
        response.reset(CANCEL);
      } else {
        HardClose.connection(ctx.request().connection());
      }
    });
  }

  @Override
  public void onDrain(Runnable action) {
    output.onDrain(action);
  }

  @Override
  public boolean stuckSince(long nanoTime) {
    return output.stuckSince(nanoTime);
  }
}
