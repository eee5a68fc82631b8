package io.ssot.watch;

import io.ssot.security.Access;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * One watch as a Server-Sent Events stream: one {@code change} message per revision holding all
 * its matching events, with {@code id} = the revision, so a reconnect with {@code Last-Event-ID}
 * resumes exactly after it and never splits a transaction.
 */
public final class SseStream implements WatchSink {

  private final HttpServerResponse response;
  private final WatchHub hub;
  private final List<Runnable> drainActions = new ArrayList<>();
  private Watch watch;

  private SseStream(HttpServerResponse response, WatchHub hub) {
    this.response = response;
    this.hub = hub;
  }

  /**
   * Starts the stream; an error such as {@code compacted} is sent as an {@code error} event, and
   * so is the end of the request's token ({@code token-revoked}), after which the stream ends.
   */
  public static void start(RoutingContext ctx, WatchHub hub, WatchFilter filter, long fromRevision,
                           long queueBytes) {
    HttpServerResponse response = ctx.response();
    SseStream stream = new SseStream(response, hub);
    response.setChunked(true)
        .setStatusCode(200)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .putHeader("X-SSOT-Revision", Long.toString(hub.store().revision()))
        .setWriteQueueMaxSize((int) Math.min(Integer.MAX_VALUE, queueBytes));
    response.drainHandler(v -> {
      List<Runnable> actions = List.copyOf(stream.drainActions);
      stream.drainActions.clear();
      actions.forEach(Runnable::run);
    });
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
    response.write(": watching\n\n");
    try {
      stream.watch = hub.open("sse", filter, fromRevision, stream);
    } catch (io.ssot.store.StoreException.Compacted e) {
      stream.error(null, "compacted", "compactRevision", e.compactRevision());
    }
  }

  @Override
  public boolean events(Watch w, long revision, Buffer eventsArray) {
    Buffer message = Buffer.buffer(eventsArray.length() + 96)
        .appendString("id: ").appendString(Long.toString(revision))
        .appendString("\nevent: change\ndata: {\"revision\":").appendString(Long.toString(revision))
        .appendString(",\"events\":").appendBuffer(eventsArray).appendString("}\n\n");
    response.write(message);
    return !response.writeQueueFull();
  }

  @Override
  public void progress(Watch w, long revision) {
    String r = Long.toString(revision);
    response.write("id: " + r + "\nevent: progress\ndata: {\"revision\":" + r + "}\n\n");
  }

  @Override
  public void error(Watch w, String code, String field, long revision) {
    if (!response.ended() && !response.closed()) {
      response.end("event: error\ndata: {\"error\":\"" + code + "\",\"" + field + "\":" + revision + "}\n\n");
    }
  }

  @Override
  public boolean writable() {
    return !response.closed() && !response.writeQueueFull();
  }

  @Override
  public void onDrain(Runnable action) {
    drainActions.add(action);
  }
}
