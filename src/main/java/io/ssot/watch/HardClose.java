package io.ssot.watch;

import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.VertxHandler;

/**
 * Closes a connection at once, dropping what it has not sent. Vert.x's {@code close()} (and a
 * close through the whole pipeline, which Vert.x's handler turns into the same) first waits for
 * everything queued to be flushed, which never happens when the client does not read, so the
 * memory it holds would stay held. Closing from Vert.x's own handler context, as its idle
 * timeout does, skips that wait; Netty then fails the dropped writes, which gives their bytes
 * back to the watch output counts.
 */
final class HardClose {

  private HardClose() {
  }

  /** @param connection an HTTP/1.1 connection, or the one a WebSocket was upgraded from */
  static void connection(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      // The handler in place now: a WebSocket upgrade replaces the HTTP one.
      ChannelHandlerContext vertxHandler = base.channel().pipeline().context(VertxHandler.class);
      if (vertxHandler != null) {
        vertxHandler.close();
        return;
      }
    }
    connection.close();
  }
}
