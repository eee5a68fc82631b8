package io.ssot;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watchers that stop reading while large changes are committed cannot exhaust the server's heap,
 * whatever the transport: SSE over HTTP/1.1, many SSE streams on one h2c connection, WebSocket.
 * The server runs as a child JVM with a 256 MiB heap; after the writes it still answers
 * {@code /health/live}, its heap after a full GC (jcmd GC.run, GC.heap_info) has grown by far less
 * than what its watchers were due, and every stalled watch was cancelled as a slow consumer.
 */
class WatchOutputBoundTest {

  private static final int VALUE_BYTES = 900 << 10;
  private static final int WRITES = 12;
  /**
   * Heap growth allowed after GC: the default server-wide budget (an eighth of 256 MiB) and as
   * much again for connection state and caches; far below what is due.
   */
  private static final long MAX_HEAP_GROWTH = 64L << 20;

  @TempDir
  Path work;

  private Vertx vertx;
  private ChildServer child;
  private Http http;
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    child = ChildServer.start(ChildServer.mainOnTestClasspath(), work, work.resolve("server.log"),
        LoopbackPorts.free(), Map.of("SSOT_DATA_DIR", work.resolve("data").toString(),
            "SSOT_HTTP_EVENT_LOOPS", "2", "SSOT_STORE_MAX_KEYS", "1000",
            "SSOT_STORE_AVERAGE_VALUE_BYTES", "65536", "SSOT_WATCH_SLOW_CONSUMER_GRACE", "2s"));
    child.awaitReady(vertx);
    http = new Http(vertx, child.port);
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket s : sockets) {
      s.close();
    }
    if (http != null) {
      http.close();
    }
    child.kill();
    vertx.close().await();
  }

  @Test
  void nonReadingSseClientsOverHttp11() throws Exception {
    int streams = 60;
    long before = heapAfterGc();
    for (int i = 0; i < streams; i++) {
      Socket s = stalledSocket();
      send(s, "GET /v1/watch?prefix=big/ HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: "
          + Http.ADMIN_AUTHORIZATION + "\r\n\r\n");
      readUntil(s.getInputStream(), ": watching\n\n");
    }
    writeLargeValues();
    assertBounded(before, streams);
    // What one socket was sent: its queue, one message over it and the kernel's buffers, not
    // every change; it ends with the slow-consumer error, or with the connection closed by the
    // server when even that could not be sent in time.
    Socket one = sockets.get(0);
    one.setSoTimeout(30_000);
    String marker = "event: error\ndata: {\"error\":\"slow-consumer\"";
    long received = readUntil(one.getInputStream(), marker, true);
    assertTrue(received < 8L << 20, received + " bytes were sent to a client that did not read");
  }

  @Test
  void manyNonReadingSseStreamsOnOneH2cConnection() throws Exception {
    int streams = 300;
    // One connection, prior knowledge h2c, a tiny window: each stream stops taking data at once.
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
            .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(child.port)
            .setHttp2MultiplexingLimit(1000).setInitialSettings(new Http2Settings().setInitialWindowSize(1024)),
        new PoolOptions().setHttp2MaxSize(1));
    long before = heapAfterGc();
    List<Future<HttpClientResponse>> opened = new ArrayList<>();
    AtomicInteger reset = new AtomicInteger();
    AtomicInteger toldSlow = new AtomicInteger();
    AtomicInteger ended = new AtomicInteger();
    for (int i = 0; i < streams; i++) {
      opened.add(Http.exchange(h2.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/v1/watch?prefix=big/")
              .putHeader("Accept", "text/event-stream").putHeader("Authorization", Http.ADMIN_AUTHORIZATION)),
          HttpClientRequest::send, resp -> {
            // A reset, or the connection closed by the client itself after 200 of them (Netty's
            // guard against a flood of RST_STREAM frames).
            AtomicBoolean failed = new AtomicBoolean();
            resp.exceptionHandler(e -> {
              if (failed.compareAndSet(false, true)) {
                reset.incrementAndGet();
              }
            });
            StringBuilder text = new StringBuilder();
            resp.handler(b -> text.append(b.toString(UTF_8)));
            resp.endHandler(v -> {
              ended.incrementAndGet();
              if (text.indexOf("event: error\ndata: {\"error\":\"slow-consumer\"") >= 0) {
                toldSlow.incrementAndGet();
              }
            });
            resp.pause();
            return Future.succeededFuture(resp);
          }));
    }
    for (Future<HttpClientResponse> f : opened) {
      assertEquals(200, f.await().statusCode());
    }
    writeLargeValues();
    assertBounded(before, streams);
    // A stream whose window could not even take the error event was reset, which freed what it
    // held; the others end with the error.
    assertTrue(reset.get() > 0, "no stream was reset");
    opened.forEach(f -> f.result().resume());
    for (int i = 0; i < 150 && reset.get() + toldSlow.get() < streams; i++) {
      Thread.sleep(200);
    }
    assertEquals(streams, reset.get() + toldSlow.get(), reset + " streams reset, " + toldSlow + " of " + ended + " ended told slow-consumer");
  }

  @Test
  void nonReadingWebSocketClients() throws Exception {
    int sockets = 60;
    long before = heapAfterGc();
    for (int i = 0; i < sockets; i++) {
      Socket s = stalledSocket();
      send(s, "GET /v1/watch HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: "
          + Http.ADMIN_AUTHORIZATION + "\r\n\r\n");
      readUntil(s.getInputStream(), "\r\n\r\n");
      s.getOutputStream().write(maskedTextFrame(
          new JsonObject().put("op", "watch").put("id", "w" + i).put("prefix", "big/").encode()));
      readUntil(s.getInputStream(), "\"created\":true");
    }
    // A client that pauses, then reads again soon after its watch was cancelled, is told so.
    try (WatchClients.Ws paused = new WatchClients.Ws(vertx, child.port)) {
      paused.send(new JsonObject().put("op", "watch").put("id", "p").put("prefix", "big/"));
      assertEquals(true, paused.next().getBoolean("created"));
      paused.socket.pause();
      writeLargeValues();
      assertHeapGrowth(before, sockets + 1, "while the watchers wait");
      awaitCancelled(sockets + 1);
      paused.socket.resume();
      JsonObject m = paused.next();
      long last = 0;
      while (m.containsKey("events")) {
        long revision = m.getJsonArray("events").getJsonObject(0).getLong("revision");
        assertTrue(revision > last, "in order");
        last = revision;
        m = paused.next();
      }
      assertEquals("slow-consumer", m.getString("error"), m::encode);
      assertEquals(last == 0 ? m.getLong("lastRevision") : last, m.getLong("lastRevision"));
      assertReleased(before, sockets + 1);
    }
  }

  // ---- the writes and what they leave behind --------------------------------------------------------

  private void writeLargeValues() {
    String value = "\"" + "v".repeat(VALUE_BYTES) + "\"";
    for (int i = 0; i < WRITES; i++) {
      Http.Response r = http.put("/v1/kv/big/k" + (i % 4), value);
      assertTrue(r.status() == 200 || r.status() == 201, () -> r + "\n" + child.tail());
    }
  }

  /** The server lives, its heap after GC is bounded, and all {@code watches} were cancelled. */
  private void assertBounded(long heapBefore, int watches) throws Exception {
    assertHeapGrowth(heapBefore, watches, "while the watchers wait");
    awaitCancelled(watches);
    assertReleased(heapBefore, watches);
  }

  private void awaitCancelled(int watches) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long cancelled = 0;
    while (System.nanoTime() < deadline && (cancelled = metric("ssot_watch_slow_consumers_total")) < watches) {
      Thread.sleep(100);
    }
    assertEquals(watches, cancelled, "every stalled watch was cancelled as a slow consumer");
  }

  /** Once the cancelled watches' last messages are written or dropped, nothing stays counted or held. */
  private void assertReleased(long heapBefore, int watches) throws Exception {
    assertTrue(child.process.isAlive(), child::tail);
    assertEquals(200, http.get("/health/live").status());
    long queued = Long.MAX_VALUE;
    for (int i = 0; i < 150 && (queued = metric("ssot_watch_queued_bytes")) > 0; i++) {
      Thread.sleep(200);
    }
    assertEquals(0, queued, "watch output bytes still counted");
    assertHeapGrowth(heapBefore, watches, "after the cancellations");
  }

  private void assertHeapGrowth(long heapBefore, int watches, String when) throws Exception {
    long growth = heapAfterGc() - heapBefore;
    long due = (long) WRITES * VALUE_BYTES * watches;
    System.out.printf("%d watches, %s: heap after GC grew by %d KiB (%d MiB of events were due, %d KiB counted)%n",
        watches, when, growth >> 10, due >> 20, queuedKiB());
    assertTrue(growth < MAX_HEAP_GROWTH, when + ", the heap after GC grew by " + (growth >> 20) + " MiB while "
        + (due >> 20) + " MiB of events were due");
  }

  /** The watch output counted now, for the record; -1 when the server has no such metric. */
  private long queuedKiB() {
    return http.get("/metrics").body().toString().lines().filter(l -> l.startsWith("ssot_watch_queued_bytes "))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) >> 10).findFirst().orElse(-1);
  }

  private long metric(String name) {
    for (String line : http.get("/metrics").body().toString().split("\n")) {
      if (line.startsWith(name + " ")) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no " + name + " metric");
  }

  private long heapAfterGc() throws Exception {
    return child.heapAfterGc();
  }

  // ---- clients that stop reading --------------------------------------------------------------------

  /** A loopback socket with a small receive buffer, to stop reading once set up. */
  private Socket stalledSocket() throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.setReceiveBufferSize(4096);
    s.setSoTimeout(10_000);
    s.connect(new InetSocketAddress("127.0.0.1", child.port));
    return s;
  }

  private static void send(Socket s, String ascii) throws IOException {
    s.getOutputStream().write(ascii.getBytes(ISO_8859_1));
  }

  private static void readUntil(InputStream in, String marker) throws IOException {
    readUntil(in, marker, false);
  }

  /** Reads up to {@code marker} (or the end, if {@code endWillDo}); returns the bytes read. */
  private static long readUntil(InputStream in, String marker, boolean endWillDo) throws IOException {
    byte[] want = marker.getBytes(ISO_8859_1);
    long read = 0;
    int matched = 0;
    while (matched < want.length) {
      int c = in.read();
      if (c < 0) {
        if (endWillDo) {
          return read;
        }
        throw new IOException("closed after " + read + " bytes, before " + marker);
      }
      read++;
      matched = c == want[matched] ? matched + 1 : (c == want[0] ? 1 : 0);
    }
    return read;
  }

  /** A client's text frame (masked, as RFC 6455 requires of clients); short payloads only. */
  static byte[] maskedTextFrame(String text) {
    byte[] payload = text.getBytes(UTF_8);
    assertTrue(payload.length < 126);
    byte[] mask = {1, 2, 3, 4};
    byte[] frame = new byte[6 + payload.length];
    frame[0] = (byte) 0x81;
    frame[1] = (byte) (0x80 | payload.length);
    System.arraycopy(mask, 0, frame, 2, 4);
    for (int i = 0; i < payload.length; i++) {
      frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    return frame;
  }
}
