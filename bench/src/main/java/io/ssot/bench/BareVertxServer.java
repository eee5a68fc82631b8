package io.ssot.bench;

import io.ssot.api.EntryJson;
import io.ssot.store.Entry;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import java.nio.charset.StandardCharsets;

/**
 * The ceiling: a bare Vert.x HTTP server (HTTP/1.1 and h2c, one event loop, the same server
 * options as SSOT) that answers every request with one fixed 200 body: the JSON that SSOT's own
 * {@link EntryJson#entry} renders for a typical entry, with the same three headers SSOT sends
 * on a single-key GET (Content-Type, ETag, X-SSOT-Revision). No router, no store, no metrics.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.ssot.bench.BareVertxServer <port> [valueJson]}
 */
public final class BareVertxServer {

  /** The value {@code loadtest/ceiling.sh} PUTs into SSOT: 136 bytes. */
  public static final String TYPICAL_VALUE = "{\"pool\":{\"min\":4,\"max\":32},\"timeoutMs\":2500,"
      + "\"url\":\"pg://db-1.internal:5432/app\",\"ssl\":true,\"replicas\":[\"db-2.internal\",\"db-3.internal\"]}";

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 18090;
    String value = args.length > 1 ? args[1] : TYPICAL_VALUE;
    Entry entry = new Entry("payments/prod/db", value.getBytes(StandardCharsets.UTF_8), 2, 2, 1, 0,
        System.currentTimeMillis(), "anonymous");
    Buffer body = EntryJson.entry(entry);
    CharSequence contentType = HttpHeaders.createOptimized("application/json");
    CharSequence etag = HttpHeaders.createOptimized("\"2\"");
    CharSequence revision = HttpHeaders.createOptimized("2");
    CharSequence xRevision = HttpHeaders.createOptimized("X-SSOT-Revision");

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
    HttpServerOptions options = new HttpServerOptions()
        .setHost("127.0.0.1")
        .setPort(port)
        .setHttp2ClearTextEnabled(true)
        .setTcpNoDelay(true)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(1000));
    vertx.createHttpServer(options)
        .requestHandler(request -> {
          MultiMap headers = request.response().headers();
          headers.add(HttpHeaders.CONTENT_TYPE, contentType)
              .add(HttpHeaders.ETAG, etag)
              .add(xRevision, revision);
          request.response().end(body);
        })
        .listen()
        .onSuccess(s -> System.out.printf("bare Vert.x server on port %d, native transport %s, body %d bytes%n",
            s.actualPort(), vertx.isNativeTransportEnabled(), body.length()))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }
}
