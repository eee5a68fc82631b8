package io.ssot.limit;

import io.ssot.http.ApiException;
import io.ssot.protocol.Problem;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The first handler of every request: refuses requests on a connection past the connection
 * limit (503), then charges each {@code /v1} request to its client's read bucket (GET: get, list,
 * history, watch) or write bucket (everything else: put, delete, txn, rollback) and answers 429 +
 * Retry-After when it is empty; a Spring Cloud Config read ({@code /config/...}) counts as a read.
 * Health and metrics are never limited.
 */
public final class Admission {

  private final ConnectionLimit connections;
  private final RateLimiter limiter;
  private final Function<HttpServerRequest, String> identity;

  /** @param identity who a request counts against: {@link ClientIdentity#of}, one bucket per token */
  public Admission(ConnectionLimit connections, RateLimiter limiter, Function<HttpServerRequest, String> identity) {
    this.connections = connections;
    this.limiter = limiter;
    this.identity = identity;
  }

  public void mount(Router router) {
    router.route().order(-2).handler(this::admit);
  }

  private void admit(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    HttpConnection connection = request.connection();
    if (connections.refused(connection)) {
      if (request.version() != HttpVersion.HTTP_2) {
        ctx.response().putHeader("Connection", "close");
      }
      ctx.response().endHandler(v -> connection.close());
      ctx.fail(new ApiException(Problem.TOO_MANY_CONNECTIONS, "the server has too many open connections")
          .header("Retry-After", "1"));
      return;
    }
    String path = request.path();
    if (path != null && (path.startsWith("/v1/") || path.startsWith("/config/"))) {
      HttpMethod method = request.method();
      RateLimiter.Kind kind = method == HttpMethod.GET || method == HttpMethod.HEAD
          ? RateLimiter.Kind.READ : RateLimiter.Kind.WRITE;
      long waitMillis = limiter.acquire(identity.apply(request), kind);
      if (waitMillis > 0) {
        ctx.fail(rateLimited(kind, waitMillis));
        return;
      }
    }
    ctx.next();
  }

  /**
   * Whether a read the GET fast path is about to serve is admitted: its connection within the
   * limit and a token from the read bucket of {@code client}, the request's identity (taken).
   * When not, the router answers it with the refusal.
   */
  public boolean admitsReadFast(HttpServerRequest request, String client) {
    return !connections.refused(request.connection())
        && limiter.acquire(client, RateLimiter.Kind.READ) == 0;
  }

  /**
   * Permits for the watches a WebSocket opens after its handshake: each takes a read token of
   * the client that opened it. Each call returns 0 when granted, else the milliseconds to wait.
   */
  public LongSupplier watchPermits(RoutingContext handshake) {
    String client = identity.apply(handshake.request());
    return () -> limiter.acquire(client, RateLimiter.Kind.READ);
  }

  /** Keeps counting the handshake's connection as the WebSocket it became. */
  public void upgraded(RoutingContext handshake, ServerWebSocket ws) {
    connections.upgraded(handshake.request().connection(), ws);
  }

  private static ApiException rateLimited(RateLimiter.Kind kind, long waitMillis) {
    long seconds = Math.max(1, (waitMillis + 999) / 1000);
    return new ApiException(Problem.RATE_LIMITED, "too many " + (kind == RateLimiter.Kind.READ ? "reads" : "writes")
        + " from this client; retry after " + seconds + " s").header("Retry-After", Long.toString(seconds));
  }
}
