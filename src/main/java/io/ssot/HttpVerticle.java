package io.ssot;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** One HTTP server instance on its own event loop; instances share the listening port. */
final class HttpVerticle extends VerticleBase {

  private final HttpServerOptions options;
  private final Function<io.vertx.core.Vertx, Handler<HttpServerRequest>> handlerFactory;
  private final long shutdownMillis;
  private final Handler<HttpConnection> connectionHandler;
  private HttpServer server;

  HttpVerticle(HttpServerOptions options, Function<io.vertx.core.Vertx, Handler<HttpServerRequest>> handlerFactory,
               long shutdownMillis, Handler<HttpConnection> connectionHandler) {
    this.options = options;
    this.handlerFactory = handlerFactory;
    this.shutdownMillis = shutdownMillis;
    this.connectionHandler = connectionHandler;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(options)
        .connectionHandler(connectionHandler)
        .requestHandler(handlerFactory.apply(vertx))
        .invalidRequestHandler(io.ssot.api.Routes::invalidRequest);
    return server.listen();
  }

  /** Stops accepting, lets in-flight requests finish for up to the shutdown timeout, then closes. */
  @Override
  public Future<?> stop() {
    return server.shutdown(shutdownMillis, TimeUnit.MILLISECONDS);
  }
}
