package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The limits added on top of the body, header and txn limits of {@link BadInputTest}: each one
 * set low, then crossed: a 4xx problem (or a clean close) and nothing changed.
 */
@Timeout(60)
class LimitsTest {

  private Vertx vertx;

  @BeforeEach
  void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  static void assertProblem(Http.Response r, int status, String code) {
    assertEquals(status, r.status(), r::toString);
    assertTrue(r.header("Content-Type").startsWith("application/problem+json"), r::toString);
    assertEquals(code, r.json().getString("code"), r::toString);
  }

  private static long revision(Http http) {
    return Long.parseLong(http.get("/v1/kv?limit=1").header("X-SSOT-Revision"));
  }

  @Test
  void aKeyLongerThanMaxKeyBytesIsRefusedOnEveryRoute() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxKeyBytes", "16"));
         Http http = new Http(vertx, server.port())) {
      String fits = "k/" + "x".repeat(14);
      String tooLong = fits + "y";
      assertEquals(201, http.put("/v1/kv/" + fits, "1").status());
      long before = revision(http);
      assertProblem(http.put("/v1/kv/" + tooLong, "1"), 400, "invalid-key");
      assertProblem(http.get("/v1/kv/" + tooLong), 400, "invalid-key");
      assertProblem(http.delete("/v1/kv/" + tooLong), 400, "invalid-key");
      assertProblem(http.get("/v1/history/" + tooLong), 400, "invalid-key");
      assertProblem(http.post("/v1/rollback/" + tooLong, "{\"toRevision\":1}"), 400, "invalid-key");
      assertProblem(http.post("/v1/txn", "{\"success\":[{\"op\":\"put\",\"key\":\"w\",\"value\":1},"
          + "{\"op\":\"put\",\"key\":\"" + tooLong + "\",\"value\":1}]}"), 400, "invalid-key");
      assertEquals(before, revision(http));
      assertEquals(404, http.get("/v1/kv/w").status());
      assertEquals("1", http.get("/v1/kv/" + fits + "?raw=true").body().toString());
    }
  }

  @Test
  void aPageLargerThanMaxPageSizeIsRefusedAndTheDefaultPageIsCapped() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxPageSize", "5"));
         Http http = new Http(vertx, server.port())) {
      for (int i = 0; i < 8; i++) {
        http.put("/v1/kv/p/" + i, Integer.toString(i));
      }
      JsonObject page = http.get("/v1/kv?prefix=p/").json();
      assertEquals(5, page.getJsonArray("items").size());
      assertTrue(page.getString("next") != null);
      assertEquals(5, http.get("/v1/kv?prefix=p/&limit=5").json().getJsonArray("items").size());
      assertProblem(http.get("/v1/kv?prefix=p/&limit=6"), 400, "invalid-parameter");
      assertProblem(http.get("/v1/history/p/1?limit=6"), 400, "invalid-parameter");
      assertEquals(200, http.get("/v1/history/p/1?limit=5").status());
    }
  }

  @Test
  void connectionsPastTheLimitGet503AndAreClosedAndFreedSlotsAreReused() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxConnections", "3"))) {
      List<RawHttp> open = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          RawHttp c = new RawHttp(server.port(), 5_000);
          open.add(c);
          assertEquals(200, get(c, "/health/live").status());
        }
        try (RawHttp extra = new RawHttp(server.port(), 5_000)) {
          Http.Response refused = get(extra, "/v1/kv/any");
          assertProblem(refused, 503, "too-many-connections");
          assertEquals("1", refused.header("Retry-After"));
          assertTrue(extra.closedByServer(), "the connection past the limit is closed after its 503");
        }
      } finally {
        open.forEach(RawHttp::close);
      }
      // WebSockets count too, and give their slot back when they close.
      WebSocketClient wsClient = vertx.createWebSocketClient();
      List<WebSocket> sockets = new ArrayList<>();
      awaitAccepted(server.port());
      for (int i = 0; i < 3; i++) {
        sockets.add(wsClient.connect(new io.vertx.core.http.WebSocketConnectOptions().setPort(server.port())
            .setHost("127.0.0.1").setURI("/v1/watch").addHeader("Authorization", "Bearer " + TestServer.ADMIN_TOKEN))
            .await());
      }
      try (RawHttp extra = new RawHttp(server.port(), 5_000)) {
        assertProblem(get(extra, "/health/live"), 503, "too-many-connections");
      }
      for (WebSocket ws : sockets) {
        ws.close().await();
      }
      awaitAccepted(server.port());
    }
  }

  private static Http.Response get(RawHttp c, String uri) throws Exception {
    return c.write("GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestServer.ADMIN_TOKEN + "\r\n\r\n").readFinal();
  }

  /** Waits until a new connection is served again (closed connections are counted down asynchronously). */
  private static void awaitAccepted(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try (RawHttp c = new RawHttp(port, 5_000)) {
        int status = get(c, "/health/live").status();
        if (status == 200) {
          return;
        }
        assertTrue(System.nanoTime() < deadline, "no connection accepted again within 15 s: " + status);
      }
      Thread.sleep(50);
    }
  }

  @Test
  void theHttp2StreamLimitIsAdvertised() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxConcurrentStreams", "2"))) {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
          .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(server.port()));
      HttpClientRequest req = client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/health/live"))
          .await();
      assertEquals(200, req.send().await().statusCode());
      assertEquals(2, req.connection().remoteSettings().getMaxConcurrentStreams());
    }
  }

  @Test
  void anIdleConnectionIsClosedButALongPollWithinMaxWaitIsNot() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.idleTimeout", "1500ms", "limits.maxWait", "1s",
        "watch.progressInterval", "500ms"));
         Http http = new Http(vertx, server.port())) {
      http.put("/v1/kv/lp", "1");
      try (RawHttp c = new RawHttp(server.port(), 5_000)) {
        Http.Response notModified = c.write("GET /v1/kv/lp?wait=5s HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"1\"\r\n"
            + "Authorization: Bearer " + TestServer.ADMIN_TOKEN + "\r\n\r\n")
            .readFinal();
        assertEquals(304, notModified.status(), "the long-poll is answered when maxWait (1 s) ends");
        long start = System.nanoTime();
        assertTrue(c.closedByServer(), "the idle keep-alive connection is closed");
        long idleMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // Not before the idle timeout (1.5 s); after it, within the read's 5 s (a loaded machine may be late).
        assertTrue(idleMillis >= 1_200, "closed after " + idleMillis + " ms");
      }
    }
    IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
        () -> TestServer.start(Map.of("limits.idleTimeout", "30s", "limits.maxWait", "60s")));
    assertTrue(tooShort.getMessage().contains("SSOT_LIMITS_IDLE_TIMEOUT"), tooShort.getMessage());
  }

  @Test
  void aWebSocketWithoutWatchesIsClosedWhenIdleAndOneWithAWatchIsNot() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.webSocketIdleTimeout", "500ms"));
         WatchClients.Ws idle = new WatchClients.Ws(vertx, server.port());
         WatchClients.Ws watching = new WatchClients.Ws(vertx, server.port())) {
      CompletableFuture<Short> closed = new CompletableFuture<>();
      idle.socket.closeHandler(v -> closed.complete(idle.socket.closeStatusCode()));
      watching.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", "a/"));
      assertEquals(true, watching.next().getBoolean("created"));
      assertEquals((short) 1000, closed.get(5, TimeUnit.SECONDS));
      Thread.sleep(1_000);
      assertTrue(!watching.socket.isClosed(), "a socket with an open watch is not idle");
    }
  }

  @Test
  void aWebSocketFrameAboveTheFrameLimitCloses1009WhileAMessageOfSeveralFramesFits() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxWebSocketFrameBytes", "1KiB",
        "limits.maxWebSocketMessageBytes", "4KiB"));
         WatchClients.Ws ok = new WatchClients.Ws(vertx, server.port());
         WatchClients.Ws big = new WatchClients.Ws(vertx, server.port())) {
      String pad = "x".repeat(2_900);
      String message = new JsonObject().put("op", "watch").put("id", "w").put("prefix", "a/").put("pad", pad).encode();
      Buffer bytes = Buffer.buffer(message);
      ok.socket.writeFrame(WebSocketFrame.textFrame(bytes.getString(0, 1000), false)).await();
      ok.socket.writeFrame(WebSocketFrame.continuationFrame(bytes.getBuffer(1000, 2000), false)).await();
      ok.socket.writeFrame(WebSocketFrame.continuationFrame(bytes.getBuffer(2000, bytes.length()), true)).await();
      assertEquals(true, ok.next().getBoolean("created"));

      CompletableFuture<Short> closed = new CompletableFuture<>();
      big.socket.closeHandler(v -> closed.complete(big.socket.closeStatusCode()));
      big.socket.writeFrame(WebSocketFrame.textFrame(message.substring(0, 2_000), true));
      assertEquals((short) 1009, closed.get(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void aWebSocketMessageAboveTheMessageLimitCloses1009() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxWebSocketFrameBytes", "1KiB",
        "limits.maxWebSocketMessageBytes", "2KiB"));
         WatchClients.Ws big = new WatchClients.Ws(vertx, server.port())) {
      CompletableFuture<Short> closed = new CompletableFuture<>();
      big.socket.closeHandler(v -> closed.complete(big.socket.closeStatusCode()));
      Buffer bytes = Buffer.buffer("x".repeat(3000));
      big.socket.writeFrame(WebSocketFrame.textFrame(bytes.getString(0, 1000), false));
      big.socket.writeFrame(WebSocketFrame.continuationFrame(bytes.getBuffer(1000, 2000), false));
      big.socket.writeFrame(WebSocketFrame.continuationFrame(bytes.getBuffer(2000, 3000), true));
      assertEquals((short) 1009, closed.get(5, TimeUnit.SECONDS));
    }
  }
}
