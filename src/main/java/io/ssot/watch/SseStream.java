package io.ssot.watch;

import io.ssot.protocol.Headers;
import io.ssot.protocol.Problem;
import io.ssot.protocol.WatchEncoder;
import io.ssot.protocol.WatchMessage;
import io.ssot.security.Access;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * One watch as a Server-Sent Events stream: one {@code change} message per revision holding all
 * its matching events, with {@code id} = the revision, so a reconnect with {@code Last-Event-ID}
 * resumes exactly after it and never splits a transaction. The messages are those of
 * {@link WatchEncoder#sse}.
 */
public final class SseStream extends ConnectionSink {

  private static final Buffer CHANGE_END = Buffer.buffer(WatchEncoder.SSE_CHANGE_END);
  /** Chunk (HTTP/1.1) or DATA frame (HTTP/2) framing counted per write. */
  private static final int FRAMING_BYTES = 16;
  /** RST_STREAM's CANCEL: the client no longer wants the stream's data. */
  private static final long CANCEL = 0x8;

  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private final WatchHub hub;
  private Watch watch;

  private SseStream(RoutingContext ctx, WatchHub hub) {
    super(hub.output(ctx.request().connection()), hub.slowConsumerGraceMillis());
    this.ctx = ctx;
    this.response = ctx.response();
    this.hub = hub;
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
        .putHeader("Content-Type", Headers.EVENT_STREAM)
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .putHeader(Headers.REVISION, Long.toString(hub.tellableRevision()));
    Runnable unfollow = Access.onTokenEnd(ctx, () -> {
      if (stream.watch != null) {
        hub.end(stream.watch, Problem.TOKEN_REVOKED, stream.watch.lastRevision());
      }
    });
    response.closeHandler(v -> {
      unfollow.run();
      if (stream.watch != null) {
        hub.close(stream.watch);
      }
    });
    stream.sendAnyway(WatchEncoder.SSE_OPENED);
    try {
      stream.watch = hub.open("sse", filter, fromRevision, stream);
    } catch (io.ssot.store.StoreException.Compacted e) {
      stream.error(null, Problem.COMPACTED, e.compactRevision());
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
    byte[] head = WatchEncoder.sseChangeHead(revision);
    if (events.shared()) {
      // The array itself between this stream's own head and end: no copy per watcher.
      return output.send(head.length + CHANGE_END.length() + 3L * FRAMING_BYTES, events, () -> {
        response.write(Buffer.buffer(head));
        response.write(events.bytes);
        return response.write(CHANGE_END);
      });
    }
    Buffer message = Buffer.buffer(head.length + events.size() + CHANGE_END.length())
        .appendBytes(head).appendBuffer(events.bytes).appendBuffer(CHANGE_END);
    return output.send(message.length() + FRAMING_BYTES, null, () -> response.write(message));
  }

  @Override
  public void progress(Watch w, long revision) {
    if (!gone()) {
      sendAnyway(WatchEncoder.sse(new WatchMessage.Progress(null, revision)));
    }
  }

  private Future<Void> sendAnyway(byte[] message) {
    Buffer bytes = Buffer.buffer(message);
    return output.sendAnyway(bytes.length() + FRAMING_BYTES, () -> response.write(bytes));
  }

  /**
   * Ends the stream with an {@code error} event. If the client does not take it within the
   * slow-consumer grace, it is not reading: its HTTP/2 stream is reset, or its HTTP/1.1
   * connection closed, so that what is queued for it is freed.
   */
  @Override
  public void error(Watch w, Problem problem, long revision) {
    if (gone()) {
      return;
    }
    Buffer text = Buffer.buffer(WatchEncoder.sse(new WatchMessage.Ended(null, problem, revision)));
    Future<Void> ended = output.sendAnyway(text.length() + FRAMING_BYTES, () -> response.end(text));
    abortUnlessTaken(ended, () -> {
      if (ctx.request().version() == HttpVersion.HTTP_2) {
        response.reset(CANCEL);
      } else {
        HardClose.connection(ctx.request().connection());
      }
    });
  }
}
