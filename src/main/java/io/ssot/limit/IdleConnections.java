package io.ssot.limit;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.TimeUnit;

/**
 * {@code limits.idleTimeout} without a cost per write. Vert.x implements its idle timeout with
 * Netty's {@link IdleStateHandler}, which, to see writes, puts a listener on every write's promise:
 * a JFR profile of an h2c GET put that at about 8% of the request. Once a connection has
 * reached the HTTP layer, {@link #install} puts a {@link Handler} in that handler's place, which notes
 * reads and flushes with a flag and looks at it on a timer. When nothing was read or flushed for
 * the timeout, it fires the same idle event, on which Vert.x closes the connection as before. Until
 * then (a client that never completes its first request) Vert.x's own handler does the job.
 *
 * <p>This reaches into Vert.x's connection implementation for the Netty pipeline, which its public
 * API does not expose; {@code IdleConnectionsTest} fails if that ever stops working.
 */
public final class IdleConnections {

  private static final String NAME = "idle"; // the name Vert.x gives its idle handler

  private IdleConnections() {
  }

  /** Replaces the connection's idle handler, if it has the stock one; call on its event loop. */
  public static void install(HttpConnection connection, long timeoutMillis) {
    if (timeoutMillis <= 0 || !(connection instanceof ConnectionBase base)) {
      return;
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    ChannelHandler current = pipeline.get(NAME);
    if (current instanceof IdleStateHandler && !(current instanceof Handler)) {
      pipeline.replace(current, NAME, new Handler(timeoutMillis));
    }
  }

  /**
   * Extends {@link IdleStateHandler} (with its own timeouts off) because Vert.x finds the idle
   * handler by that class when it rearranges the pipeline, for instance on a WebSocket upgrade.
   */
  static final class Handler extends IdleStateHandler {

    private final long timeoutNanos;
    private boolean active = true;
    private long lastActive = System.nanoTime();
    private ScheduledFuture<?> check;

    Handler(long timeoutMillis) {
      super(0, 0, 0);
      this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      // A quarter of the timeout between looks: a connection is closed within 1.25 timeouts.
      long period = Math.max(timeoutNanos / 4, TimeUnit.MILLISECONDS.toNanos(10));
      check = ctx.executor().scheduleAtFixedRate(() -> check(ctx), period, period, TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      stop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      stop();
      super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      active = true;
      ctx.fireChannelRead(msg);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) throws Exception {
      active = true;
      ctx.flush();
    }

    private void check(ChannelHandlerContext ctx) {
      long now = System.nanoTime();
      if (active) {
        active = false;
        lastActive = now;
      } else if (now - lastActive >= timeoutNanos) {
        stop();
        ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
      }
    }

    private void stop() {
      if (check != null) {
        check.cancel(false);
        check = null;
      }
    }
  }
}
