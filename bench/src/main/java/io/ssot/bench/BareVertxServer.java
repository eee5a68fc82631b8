package io.ssot.bench;

import io.ssot.http.EntryJson;
import io.ssot.http.JsonWriter;
import io.ssot.protocol.Headers;
import io.ssot.store.Entry;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The ceiling: a bare Vert.x HTTP server (HTTP/1.1 and h2c, one event loop, the same server
 * options as SSOT) with no router, no store and no metrics, standing in for SSOT in the ceiling
 * runs of {@code loadtest/ceiling*.sh}:
 * <ul>
 *   <li>GET: one fixed 200 body, the JSON that SSOT's own {@link EntryJson#entry} renders for a
 *       typical entry, with the same three headers SSOT sends on a single-key GET (Content-Type,
 *       ETag, X-SSOT-Revision);
 *   <li>PUT: reads the whole body, then answers one fixed 200 body of the size of SSOT's PUT
 *       answer, with the same three headers; if WebSockets are connected, the body is then sent
 *       as one text message to each of them (the watch fan-out ceiling: the writer PUTs the very
 *       frame SSOT would send to a watcher; a socket whose write queue holds SSOT's default
 *       {@code watch.maxQueueBytes} misses it);
 *   <li>a WebSocket on any path: kept until it closes; its incoming messages are ignored.
 * </ul>
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.ssot.bench.BareVertxServer <port> [valueJson]}
 */
public final class BareVertxServer {

  /** The value {@code loadtest/ceiling.sh} PUTs into SSOT: 136 bytes. */
  public static final String TYPICAL_VALUE = "{\"pool\":{\"min\":4,\"max\":32},\"timeoutMs\":2500,"
      + "\"url\":\"pg://db-1.internal:5432/app\",\"ssl\":true,\"replicas\":[\"db-2.internal\",\"db-3.internal\"]}";

  /** SSOT's default {@code watch.maxQueueBytes}. */
  private static final int WATCH_QUEUE_BYTES = 1 << 20;
  private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("application/json");
  private static final CharSequence X_REVISION =
      HttpHeaders.createOptimized(Headers.REVISION.toLowerCase(Locale.ROOT));

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 18090;
    String value = args.length > 1 ? args[1] : TYPICAL_VALUE;
    // Written by the bootstrap admin, as the load scripts' PUT into SSOT is.
    Entry entry = new Entry("payments/prod/db", value.getBytes(StandardCharsets.UTF_8), 2, 2, 1, 0,
        System.currentTimeMillis(), "admin");
    Buffer getBody = EntryJson.entry(entry);
    CharSequence getEtag = HttpHeaders.createOptimized("\"2\"");
    CharSequence getRevision = HttpHeaders.createOptimized("2");
    // SSOT's PUT answer for a key of loadtest/put.lua (bench/k0 .. bench/k9999) a million
    // revisions into a run, built by the same writer calls as the PUT handler.
    Buffer putBody = new JsonWriter(128).beginObject().field("key", "bench/k1234").field("revision", 1_234_567)
        .field("createRevision", 1_234_000).field("version", 123).endObject().buffer();
    CharSequence putEtag = HttpHeaders.createOptimized("\"1234567\"");
    CharSequence putRevision = HttpHeaders.createOptimized("1234567");
    // Each socket with the copies of a message it is sent: one per watch its client would hold.
    Map<ServerWebSocket, Integer> sockets = new LinkedHashMap<>();

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
          if (request.method() == HttpMethod.PUT) {
            request.body().onSuccess(body -> {
              answer(request, putBody, putEtag, putRevision);
              if (!sockets.isEmpty()) {
                // Sent from a task of its own after the PUT is answered, as SSOT's watch pump does.
                vertx.runOnContext(v -> broadcast(sockets, body.toString(StandardCharsets.UTF_8)));
              }
            });
          } else {
            answer(request, getBody, getEtag, getRevision);
          }
        })
        .webSocketHandler(ws -> {
          ws.setWriteQueueMaxSize(WATCH_QUEUE_BYTES);
          String query = ws.query();
          sockets.put(ws, query != null && query.startsWith("copies=") ? Integer.parseInt(query.substring(7)) : 1);
          ws.closeHandler(v -> sockets.remove(ws));
          ws.exceptionHandler(e -> ws.close());
        })
        .listen()
        .onSuccess(s -> System.out.printf("bare Vert.x server on port %d, native transport %s, GET body %d bytes,"
            + " PUT body %d bytes%n", s.actualPort(), vertx.isNativeTransportEnabled(), getBody.length(), putBody.length()))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }

  private static void broadcast(Map<ServerWebSocket, Integer> sockets, String text) {
    sockets.forEach((ws, copies) -> {
      // A full socket misses the message: memory stays bounded as in SSOT, which holds such a
      // watch instead and resumes it from its change log.
      for (int i = 0; i < copies && !ws.writeQueueFull(); i++) {
        ws.writeTextMessage(text);
      }
    });
  }

  private static void answer(HttpServerRequest request, Buffer body, CharSequence etag, CharSequence revision) {
    MultiMap headers = request.response().headers();
    headers.add(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE)
        .add(HttpHeaders.ETAG, etag)
        .add(X_REVISION, revision);
    request.response().end(body);
  }
}
