package io.ssot.limit;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The idle handler that replaces Vert.x's: it is in place on HTTP/1.1 and h2c connections, closes
 * a connection on which nothing moved for the timeout, and keeps one open while the server only
 * writes (a watch stream) or the client only sends (a slow upload).
 */
class IdleConnectionsTest {

  /** Five times the client's 200 ms pace below, so that a loaded machine's late sleeps do not reach it. */
  private static final long TIMEOUT_MILLIS = 1000;

  private static Vertx vertx;
  private static HttpServer server;
  private static final List<HttpConnection> connections = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
            .setHttp2ClearTextEnabled(true)
            .setIdleTimeout((int) TIMEOUT_MILLIS).setIdleTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectionHandler(connection -> {
          IdleConnections.install(connection, TIMEOUT_MILLIS);
          connections.add(connection);
        })
        .requestHandler(request -> {
          switch (request.path()) {
            case "/stream" -> { // writes every 200 ms, never ends: only the server speaks
              request.response().setChunked(true).write("x");
              long timer = vertx.setPeriodic(200, id -> request.response().write("x"));
              request.connection().closeHandler(v -> vertx.cancelTimer(timer));
            }
            case "/upload" -> request.end().onSuccess(v -> request.response().end("received"));
            default -> request.response().end("ok");
          }
        })
        .listen().await();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  void replacesVertxsIdleHandlerOnHttp1AndH2c() {
    for (HttpVersion version : List.of(HttpVersion.HTTP_1_1, HttpVersion.HTTP_2)) {
      connections.clear();
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(version)
          .setHttp2ClearTextUpgrade(false));
      try {
        assertEquals(200, client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
            .compose(r -> r.send()).await().statusCode());
        HttpConnection connection = connections.get(connections.size() - 1);
        assertInstanceOf(IdleConnections.Handler.class,
            ((ConnectionBase) connection).channel().pipeline().get("idle"), version.name());
      } finally {
        client.close().await();
      }
    }
  }

  @Test
  void closesAKeepAliveConnectionOnWhichNothingMoved() throws Exception {
    try (Socket socket = connect()) {
      send(socket, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      readUntil(socket.getInputStream(), "ok");
      long start = System.nanoTime();
      assertEquals(-1, readByte(socket, 5_000), "closed by the server");
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      // Not before the timeout; after it, within the read's 5 s (a loaded machine may be late).
      assertTrue(millis >= TIMEOUT_MILLIS - 100, "closed after " + millis + " ms");
    }
  }

  @Test
  void keepsAConnectionOpenWhileOnlyTheServerWrites() throws Exception {
    try (Socket socket = connect()) {
      send(socket, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4 * TIMEOUT_MILLIS);
      while (System.nanoTime() < end) {
        assertTrue(readByte(socket, 1_000) >= 0, "the stream is still open");
      }
    }
  }

  @Test
  void keepsAConnectionOpenWhileOnlyTheClientSends() throws Exception {
    try (Socket socket = connect()) {
      send(socket, "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; i < 15; i++) { // 3 s, three timeouts, of a chunk every 200 ms
        Thread.sleep(200);
        send(socket, "1\r\nx\r\n");
      }
      send(socket, "0\r\n\r\n");
      readUntil(socket.getInputStream(), "received");
    }
  }

  private static Socket connect() throws IOException {
    return new Socket("127.0.0.1", server.actualPort());
  }

  private static void send(Socket socket, String ascii) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(ascii.getBytes(ISO_8859_1));
    out.flush();
  }

  private static void readUntil(InputStream in, String marker) throws IOException {
    StringBuilder seen = new StringBuilder();
    while (seen.indexOf(marker) < 0) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed before '" + marker + "': " + seen);
      }
      seen.append((char) b);
    }
  }

  /** The next byte, or -1 at the end of the stream; fails when none comes within {@code timeoutMillis}. */
  private static int readByte(Socket socket, int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    return socket.getInputStream().read();
  }
}
