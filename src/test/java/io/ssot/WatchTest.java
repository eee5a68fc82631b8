package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Watches over WebSocket and SSE (HTTP/1.1 and h2c): resume with no gap, duplicate or reorder,
 * transactions delivered together, progress notifications and compaction.
 */
@ExtendWith(VertxExtension.class)
class WatchTest {

  private static TestServer server;
  private static Vertx vertx;
  private static Http http;
  private static final ExecutorService writers = Executors.newFixedThreadPool(2);

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(Map.of("watch.progressInterval", "300ms"));
    vertx = Vertx.vertx();
    http = new Http(vertx, server.port());
  }

  @AfterAll
  static void stop() {
    writers.shutdownNow();
    http.close();
    vertx.close().await();
    server.close();
  }

  /** Writes {@code count} values under {@code prefix} in the background; returns their revisions. */
  private static CompletableFuture<List<Long>> writeInBackground(String prefix, int count) {
    return CompletableFuture.supplyAsync(() -> {
      List<Long> revisions = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        Http.Response r = http.put("/v1/kv/" + prefix + "k" + (i % 17), "{\"i\":" + i + "}");
        assertTrue(r.status() == 200 || r.status() == 201, r::toString);
        revisions.add(r.json().getLong("revision"));
        // Unrelated writes interleave, so the watched revisions have gaps to skip.
        http.put("/v1/kv/other/" + prefix + "x", "0");
      }
      return revisions;
    }, writers);
  }

  @Test
  void webSocketResumeHasNoGapDuplicateOrReorder() throws Exception {
    String prefix = "wsresume/";
    CompletableFuture<List<Long>> written = writeInBackground(prefix, 300);
    List<Long> seen = new ArrayList<>();
    long from = 1;
    while (seen.size() < 300) {
      try (WatchClients.Ws ws = new WatchClients.Ws(vertx, server.port())) {
        ws.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", prefix).put("fromRevision", from));
        assertEquals(true, ws.next().getBoolean("created"));
        // Take a slice of events, then drop the connection mid-stream.
        int slice = 0;
        while (slice < 70 && seen.size() < 300) {
          JsonObject m = ws.next();
          if (m.containsKey("progress")) {
            continue;
          }
          JsonArray events = m.getJsonArray("events");
          long rev = events.getJsonObject(0).getLong("revision");
          for (int i = 0; i < events.size(); i++) {
            assertEquals(rev, events.getJsonObject(i).getLong("revision"), "one message holds one revision");
            assertTrue(events.getJsonObject(i).getString("key").startsWith(prefix));
          }
          seen.add(rev);
          slice++;
        }
        from = seen.get(seen.size() - 1) + 1;
      }
    }
    assertEquals(written.get(), seen, "exactly the written revisions, in order, once each");
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP_1_1", "HTTP_2"})
  void sseResumeWithLastEventIdHasNoGapDuplicateOrReorder(String version) throws Exception {
    HttpClient client = client(HttpVersion.valueOf(version));
    String prefix = "sse" + version + "/";
    CompletableFuture<List<Long>> written = writeInBackground(prefix, 200);
    List<Long> seen = new ArrayList<>();
    String lastEventId = null;
    while (seen.size() < 200) {
      // The URL always says fromRevision=1, as a browser's EventSource repeats it; Last-Event-ID wins.
      Map<String, String> headers = lastEventId == null ? Map.of() : Map.of("Last-Event-ID", lastEventId);
      try (WatchClients.Sse sse = new WatchClients.Sse(client, "/v1/watch?prefix=" + prefix + "&fromRevision=1",
          headers)) {
        assertEquals(200, sse.status);
        int slice = 0;
        while (slice < 60 && seen.size() < 200) {
          WatchClients.Event e = sse.next();
          if (!e.event().equals("change")) {
            continue;
          }
          long rev = e.json().getLong("revision");
          assertEquals(String.valueOf(rev), e.id());
          seen.add(rev);
          lastEventId = e.id();
          slice++;
        }
      }
    }
    assertEquals(written.get(), seen);
    client.close().await();
  }

  @Test
  void txnEventsArriveTogether() throws Exception {
    try (WatchClients.Ws ws = new WatchClients.Ws(vertx, server.port());
         WatchClients.Sse sse = new WatchClients.Sse(client(HttpVersion.HTTP_1_1), "/v1/watch?prefix=txnw/",
             Map.of())) {
      ws.send(new JsonObject().put("op", "watch").put("id", "t").put("prefix", "txnw/"));
      assertEquals(true, ws.next().getBoolean("created"));
      Http.Response r = http.post("/v1/txn", "{\"success\":[{\"op\":\"put\",\"key\":\"txnw/a\",\"value\":1},"
          + "{\"op\":\"put\",\"key\":\"txnw/b\",\"value\":2},{\"op\":\"put\",\"key\":\"elsewhere\",\"value\":3}]}");
      long rev = r.json().getLong("revision");
      JsonObject m = ws.next();
      assertEquals("t", m.getString("id"));
      JsonArray events = m.getJsonArray("events");
      assertEquals(2, events.size(), "both matching events of the txn in one message, nothing else");
      assertEquals("txnw/a", events.getJsonObject(0).getString("key"));
      assertEquals(rev, events.getJsonObject(1).getLong("revision"));

      WatchClients.Event e = sse.next();
      assertEquals("change", e.event());
      assertEquals(2, e.json().getJsonArray("events").size());
      assertEquals(rev, e.json().getLong("revision"));
    }
  }

  @Test
  void webSocketCarriesManyWatchesAndCancel() throws Exception {
    try (WatchClients.Ws ws = new WatchClients.Ws(vertx, server.port())) {
      ws.send(new JsonObject().put("op", "watch").put("id", "k").put("key", "many/a"));
      ws.send(new JsonObject().put("op", "watch").put("id", "p").put("prefix", "many/"));
      assertEquals(true, ws.next().getBoolean("created"));
      assertEquals(true, ws.next().getBoolean("created"));
      http.put("/v1/kv/many/a", "1");
      List<String> ids = List.of(ws.next().getString("id"), ws.next().getString("id"));
      assertTrue(ids.containsAll(List.of("k", "p")), ids::toString);
      ws.send(new JsonObject().put("op", "cancel").put("id", "k"));
      JsonObject canceled = ws.next();
      assertEquals(true, canceled.getBoolean("canceled"));
      http.put("/v1/kv/many/a", "2");
      JsonObject m = ws.next();
      while (m.containsKey("progress")) {
        m = ws.next();
      }
      assertEquals("p", m.getString("id"), "the canceled watch gets nothing more");
      http.delete("/v1/kv/many/a");
      m = ws.next();
      while (m.containsKey("progress")) {
        m = ws.next();
      }
      JsonObject delete = m.getJsonArray("events").getJsonObject(0);
      assertEquals("delete", delete.getString("type"));
      assertTrue(!delete.containsKey("value"));
    }
  }

  @Test
  void quietWatchesGetProgress() throws Exception {
    try (WatchClients.Ws ws = new WatchClients.Ws(vertx, server.port());
         WatchClients.Sse sse = new WatchClients.Sse(client(HttpVersion.HTTP_2), "/v1/watch?key=quiet/k", Map.of())) {
      ws.send(new JsonObject().put("op", "watch").put("id", "q").put("prefix", "quiet/"));
      long created = ws.next().getLong("revision");
      http.put("/v1/kv/noise/k", "1");
      JsonObject progress = ws.next();
      assertEquals("q", progress.getString("id"));
      assertTrue(progress.getLong("progress") >= created, progress::encode);
      WatchClients.Event e = sse.next();
      assertEquals("progress", e.event());
      assertEquals(e.id(), String.valueOf(e.json().getLong("revision")));
    }
  }

  @Test
  void h2CarriesManyWatchStreamsOnOneConnection() throws Exception {
    HttpClient client = client(HttpVersion.HTTP_2);
    try (WatchClients.Sse a = new WatchClients.Sse(client, "/v1/watch?key=h2many/a", Map.of());
         WatchClients.Sse b = new WatchClients.Sse(client, "/v1/watch?key=h2many/b", Map.of());
         WatchClients.Sse c = new WatchClients.Sse(client, "/v1/watch?prefix=h2many/", Map.of())) {
      assertSame(a.connection(), b.connection());
      assertSame(a.connection(), c.connection());
      http.put("/v1/kv/h2many/a", "1");
      http.put("/v1/kv/h2many/b", "2");
      assertEquals("h2many/a", firstChange(a).getJsonArray("events").getJsonObject(0).getString("key"));
      assertEquals("h2many/b", firstChange(b).getJsonArray("events").getJsonObject(0).getString("key"));
      assertEquals("h2many/a", firstChange(c).getJsonArray("events").getJsonObject(0).getString("key"));
    }
    client.close().await();
  }

  @Test
  void watchBelowTheCompactRevisionIsCompacted() throws Exception {
    try (TestServer small = TestServer.start(Map.of("changelog.segmentBytes", "64KiB",
        "changelog.retentionRevisions", "10", "changelog.retentionAge", "1ms", "changelog.compactInterval", "100ms"))) {
      Http h = new Http(vertx, small.port());
      String big = "\"" + "x".repeat(4000) + "\"";
      for (int i = 0; i < 100; i++) {
        h.put("/v1/kv/c/k", big);
      }
      long compactRevision = 1;
      for (int i = 0; i < 100 && compactRevision == 1; i++) {
        Thread.sleep(100);
        compactRevision = small.server().store().compactRevision();
      }
      assertTrue(compactRevision > 1, "compaction ran");
      try (WatchClients.Ws ws = new WatchClients.Ws(vertx, small.port())) {
        ws.send(new JsonObject().put("op", "watch").put("id", "old").put("key", "c/k").put("fromRevision", 1));
        JsonObject m = ws.next();
        assertEquals("compacted", m.getString("error"));
        assertEquals(small.server().store().compactRevision(), m.getLong("compactRevision"));
      }
      Http.Response at = h.get("/v1/kv/c/k?atRevision=1");
      assertEquals(410, at.status());
      assertEquals("compacted", at.json().getString("code"));
      // Compaction may go on meanwhile: the metric lies between the revisions read around it.
      long before = small.server().store().compactRevision();
      String metrics = h.get("/metrics").body().toString();
      long after = small.server().store().compactRevision();
      long reported = metrics.lines().filter(l -> l.startsWith("ssot_store_compact_revision "))
          .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
          .orElseThrow(() -> new AssertionError("no ssot_store_compact_revision in " + metrics));
      assertTrue(before <= reported && reported <= after, before + " <= " + reported + " <= " + after);
      h.close();
    }
  }

  @Test
  void oneWatchOverTheLimitPerConnectionIsRefused() throws Exception {
    try (TestServer small = TestServer.start(Map.of("limits.maxWatchesPerConnection", "3"));
         WatchClients.Ws ws = new WatchClients.Ws(vertx, small.port());
         WatchClients.Ws other = new WatchClients.Ws(vertx, small.port())) {
      for (int i = 0; i < 3; i++) {
        ws.send(new JsonObject().put("op", "watch").put("id", "w" + i).put("key", "limit/k"));
        assertEquals(true, ws.next().getBoolean("created"));
      }
      ws.send(new JsonObject().put("op", "watch").put("id", "w3").put("key", "limit/k"));
      JsonObject refused = ws.next();
      assertEquals("too-many-watches", refused.getString("error"), refused::encode);
      assertEquals("w3", refused.getString("id"));
      // The limit is per connection, and a cancelled watch makes room again.
      other.send(new JsonObject().put("op", "watch").put("id", "o").put("key", "limit/k"));
      assertEquals(true, other.next().getBoolean("created"));
      ws.send(new JsonObject().put("op", "cancel").put("id", "w0"));
      assertEquals(true, ws.next().getBoolean("canceled"));
      ws.send(new JsonObject().put("op", "watch").put("id", "w3").put("key", "limit/k"));
      assertEquals(true, ws.next().getBoolean("created"));
    }
  }

  @Test
  void aTextMessageThatIsNotUtf8ClosesWith1007() throws Exception {
    try (WatchClients.Ws bad = new WatchClients.Ws(vertx, server.port());
         WatchClients.Ws split = new WatchClients.Ws(vertx, server.port())) {
      // "é" split between two frames is valid UTF-8: the message is taken.
      byte[] e = "é".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      String head = "{\"op\":\"watch\",\"id\":\"";
      split.socket.writeFrame(WebSocketFrame.textFrame(head, false)).await();
      split.socket.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer().appendByte(e[0]), false)).await();
      split.socket.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer().appendByte(e[1])
          .appendString("\",\"key\":\"utf8/k\"}"), true)).await();
      JsonObject created = split.next();
      assertEquals("é", created.getString("id"));
      assertEquals(true, created.getBoolean("created"));

      // 0xC3 0x28 is not UTF-8 (RFC 6455 8.1: fail the connection with 1007).
      bad.socket.writeFrame(WebSocketFrame.textFrame(head, false)).await();
      bad.socket.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {(byte) 0xC3, 0x28})
          .appendString("\",\"key\":\"utf8/k\"}"), true)).await();
      assertEquals((short) 1007, bad.closed.get(10, TimeUnit.SECONDS));
      assertTrue(bad.messages.isEmpty(), () -> "answered " + bad.messages);
    }
  }

  /**
   * Writers on several connections (spread over the server's event loops) commit at once; each
   * watcher, WebSocket and SSE over HTTP/1.1 and h2, on its own connection, sees every revision
   * exactly once and in order.
   */
  @Test
  void concurrentWritersOnSeveralEventLoopsReachEveryWatcherOnceInOrder() throws Exception {
    String prefix = "concurrent/";
    int lanes = 4;
    int perLane = 100;
    HttpClient h1 = client(HttpVersion.HTTP_1_1);
    HttpClient h2 = client(HttpVersion.HTTP_2);
    List<WatchClients.Ws> sockets = new ArrayList<>();
    List<WatchClients.Sse> streams = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        WatchClients.Ws ws = new WatchClients.Ws(vertx, server.port());
        sockets.add(ws);
        ws.send(new JsonObject().put("op", "watch").put("id", "c").put("prefix", prefix));
        assertEquals(true, ws.next().getBoolean("created"));
      }
      for (HttpClient c : List.of(h1, h1, h2, h2)) {
        WatchClients.Sse sse = new WatchClients.Sse(c, "/v1/watch?prefix=" + prefix, Map.of());
        assertEquals(200, sse.status);
        streams.add(sse);
      }
      HttpClient writers = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(server.port()), new PoolOptions().setHttp1MaxSize(lanes));
      ExecutorService lanePool = Executors.newFixedThreadPool(lanes);
      List<CompletableFuture<List<Long>>> laneAcks = new ArrayList<>();
      for (int lane = 0; lane < lanes; lane++) {
        int l = lane;
        laneAcks.add(CompletableFuture.supplyAsync(() -> {
          List<Long> acks = new ArrayList<>();
          for (int i = 0; i < perLane; i++) {
            String body = "{\"i\":" + i + "}";
            String uri = "/v1/kv/" + prefix + l + "/" + (i % 7);
            // The client's idle timeout fails a request the server never answers; the bound on the
            // whole exchange names any that still never completes instead of the test's timeout.
            Future<Long> ack = Http.exchange(writers.request(new io.vertx.core.http.RequestOptions()
                    .setMethod(io.vertx.core.http.HttpMethod.PUT).setURI(uri).setIdleTimeout(20_000)),
                req -> req.putHeader("Authorization", Http.ADMIN_AUTHORIZATION).send(body),
                resp -> resp.body().map(b -> new JsonObject(b).getLong("revision")));
            try {
              acks.add(ack.await(30, TimeUnit.SECONDS));
            } catch (TimeoutException e) {
              throw new AssertionError("PUT " + uri + " (lane " + l + ", write " + i + ") not complete after 30 s");
            }
          }
          return acks;
        }, lanePool));
      }
      java.util.TreeSet<Long> all = new java.util.TreeSet<>();
      for (var acks : laneAcks) {
        all.addAll(acks.get());
      }
      writers.close().await();
      lanePool.shutdown();
      List<Long> expected = List.copyOf(all);
      assertEquals(lanes * perLane, expected.size());
      for (WatchClients.Ws ws : sockets) {
        List<Long> seen = new ArrayList<>();
        while (seen.size() < expected.size()) {
          JsonObject m = ws.next();
          if (m.containsKey("events")) {
            JsonArray events = m.getJsonArray("events");
            assertEquals(1, events.size());
            seen.add(events.getJsonObject(0).getLong("revision"));
          }
        }
        assertEquals(expected, seen, "WebSocket watcher");
      }
      for (WatchClients.Sse sse : streams) {
        List<Long> seen = new ArrayList<>();
        while (seen.size() < expected.size()) {
          WatchClients.Event e = sse.next();
          if (e.event().equals("change")) {
            seen.add(e.json().getLong("revision"));
          }
        }
        assertEquals(expected, seen, "SSE watcher over " + sse.version());
      }
    } finally {
      sockets.forEach(WatchClients.Ws::close);
      streams.forEach(WatchClients.Sse::close);
      h1.close().await();
      h2.close().await();
    }
  }

  private static JsonObject firstChange(WatchClients.Sse sse) throws InterruptedException {
    WatchClients.Event e = sse.next();
    while (!e.event().equals("change")) {
      e = sse.next();
    }
    return e.json();
  }

  private static HttpClient client(HttpVersion version) {
    HttpClientOptions options = new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(server.port())
        .setProtocolVersion(version).setHttp2ClearTextUpgrade(false);
    return vertx.createHttpClient(options, new PoolOptions().setHttp2MaxSize(1).setHttp1MaxSize(8));
  }
}
