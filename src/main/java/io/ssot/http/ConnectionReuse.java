package io.ssot.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What becomes of a connection after a request whose body it did not read to the end. The first
 * handler of the router, so that every answer (refusals before the body included) goes through it.
 *
 * <ul>
 *   <li>An HTTP/1.1 request framed by {@code Transfer-Encoding} gets {@code Connection: close}
 *       and its connection is closed after the answer. Netty reads a request that has both
 *       {@code Content-Length} and {@code Transfer-Encoding: chunked} as chunked and drops the
 *       length before any handler sees it, so the two cannot be told apart here; RFC 9112 §6.1
 *       asks that such a connection be closed (a proxy in front may have framed it by the
 *       length, and what it sends next would be read out of step). Clients that send bodies of
 *       unknown length lose keep-alive for those requests only. A request pipelined behind it is
 *       not served: Vert.x starts it as the answer is written, before the connection closes.</li>
 *   <li>A body left unread when the answer is sent (a 401, 403, 413 or 503 before it was read,
 *       or a route that takes none) is dropped as it arrives, without being held, so that the
 *       connection can serve its next request; one that keeps coming past
 *       {@link #DRAIN_ALLOWANCE} or {@code limits.bodyTimeout} loses its connection. A body
 *       that timed out (408) loses it at once. On HTTP/2 the stream is reset (NO_ERROR) instead,
 *       asking the client to stop sending (RFC 9113 §8.1).</li>
 *   <li>A request Netty decoded from bytes that came behind one after which the connection was
 *       closed is not run: Netty hands over what it holds when a connection closes, and no answer
 *       could reach the client anyway.</li>
 * </ul>
 */
public final class ConnectionReuse {

  /** How many unread body bytes are dropped before giving up on the connection. */
  static final long DRAIN_ALLOWANCE = 16L << 20;

  private static final String BOUND = "ssot.unreadBodyBound";

  /** HTTP/1.1 connections closing after their current request: nothing more is read from them. */
  private static final Set<HttpConnection> CLOSING = ConcurrentHashMap.newKeySet();

  private ConnectionReuse() {
  }

  /** The router's first handler. */
  public static void handle(RoutingContext ctx, long bodyTimeoutMillis) {
    HttpServerRequest request = ctx.request();
    if (closing(request)) {
      request.connection().close(); // pipelined behind a request after which the connection closes
      return;
    }
    if (closed(request.connection())) {
      return; // decoded as its connection closed: it must not run
    }
    if (request.version() == HttpVersion.HTTP_1_1 && request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      HttpConnection connection = request.connection();
      if (CLOSING.add(connection)) {
        untilClosed(connection); // from then on closed() refuses what is queued behind
      }
      ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      ctx.addEndHandler(ended -> connection.close());
    }
    if (carriesBody(request)) {
      boundUnreadBody(ctx, bodyTimeoutMillis);
    }
    ctx.next();
  }

  private static void untilClosed(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      base.channel().closeFuture().addListener(closed -> CLOSING.remove(connection));
    } else {
      CLOSING.remove(connection); // not a Netty connection: nothing queued behind to guard against
    }
  }

  private static boolean closed(HttpConnection connection) {
    return connection instanceof ConnectionBase base && !base.channel().isActive();
  }

  /** Whether the request came on a connection that closes after an earlier one (then it is not served). */
  public static boolean closing(HttpServerRequest request) {
    return !CLOSING.isEmpty() && CLOSING.contains(request.connection());
  }

  private static boolean carriesBody(HttpServerRequest request) {
    if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      return true;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return length != null && !length.equals("0");
  }

  /** Once the request is answered, whatever of its body is still to come is dropped or cut off. */
  static void boundUnreadBody(RoutingContext ctx, long bodyTimeoutMillis) {
    if (ctx.get(BOUND) != null) {
      return;
    }
    ctx.put(BOUND, Boolean.TRUE);
    ctx.addEndHandler(ended -> {
      HttpServerRequest request = ctx.request();
      if (ended.failed() || request.isEnded()) {
        return; // the connection or stream is gone, or the body was read
      }
      boolean timedOut = ctx.response().getStatusCode() == 408;
      if (request.version() == HttpVersion.HTTP_2) {
        request.response().reset(0);
      } else if (timedOut) {
        request.connection().close();
      } else {
        drain(ctx.vertx(), request, bodyTimeoutMillis);
      }
    });
  }

  private static void drain(Vertx vertx, HttpServerRequest request, long timeoutMillis) {
    HttpConnection connection = request.connection();
    long timer = vertx.setTimer(timeoutMillis, id -> connection.close());
    long[] dropped = {0};
    request.handler(chunk -> {
      dropped[0] += chunk.length();
      if (dropped[0] > DRAIN_ALLOWANCE) {
        vertx.cancelTimer(timer);
        connection.close();
      }
    });
    request.endHandler(v -> vertx.cancelTimer(timer));
    request.exceptionHandler(e -> vertx.cancelTimer(timer));
  }

  /** A 408's answer says the connection is closing (HTTP/1.x; HTTP/2 has no such header). */
  public static void announceClose(RoutingContext ctx, ApiException problem) {
    if (problem.status() == 408 && ctx.request().version() != HttpVersion.HTTP_2 && !ctx.request().isEnded()) {
      ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
  }
}
