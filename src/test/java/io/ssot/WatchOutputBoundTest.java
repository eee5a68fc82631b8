package io.ssot;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  /** Heap growth allowed after GC: the queues' budget plus a margin, far below what is due. */
  private static final long MAX_HEAP_GROWTH = 96L << 20;
  private static final Pattern GENERATION_USED = Pattern.compile("generation\\s+total \\d+K, used (\\d+)K");

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
        ChildServer.freePort(), Map.of("SSOT_DATA_DIR", work.resolve("data").toString(),
            "SSOT_HTTP_EVENT_LOOPS", "2", "SSOT_STORE_MAX_KEYS", "1000",
            "SSOT_STORE_AVERAGE_VALUE_BYTES", "65536", "SSOT_WATCH_SLOW_CONSUMER_GRACE", "1s"));
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
    for (int i = 0; i < streams; i++) {
      opened.add(h2.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/v1/watch?prefix=big/")
              .putHeader("Accept", "text/event-stream").putHeader("Authorization", Http.ADMIN_AUTHORIZATION))
          .compose(req -> req.send()).map(resp -> {
            resp.pause();
            return resp;
          }));
    }
    for (Future<HttpClientResponse> f : opened) {
      assertEquals(200, f.await().statusCode());
    }
    writeLargeValues();
    assertBounded(before, streams);
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
      assertBounded(before, sockets + 1);
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
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long cancelled = 0;
    while (System.nanoTime() < deadline && (cancelled = slowConsumers()) < watches) {
      Thread.sleep(200);
    }
    assertEquals(watches, cancelled, "every stalled watch was cancelled as a slow consumer");
    assertTrue(child.process.isAlive(), child::tail);
    assertEquals(200, http.get("/health/live").status());
    long growth = heapAfterGc() - heapBefore;
    long due = (long) WRITES * VALUE_BYTES * watches;
    System.out.printf("%d watches: heap after GC grew by %d KiB (%d MiB of events were due)%n", watches,
        growth >> 10, due >> 20);
    assertTrue(growth < MAX_HEAP_GROWTH, "heap after GC grew by " + (growth >> 20) + " MiB while "
        + (due >> 20) + " MiB of events were due");
  }

  private long slowConsumers() {
    for (String line : http.get("/metrics").body().toString().split("\n")) {
      if (line.startsWith("ssot_watch_slow_consumers_total")) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no ssot_watch_slow_consumers_total metric");
  }

  /** The child's used heap right after a full collection, as the JVM reports it. */
  private long heapAfterGc() throws Exception {
    jcmd("GC.run");
    Matcher m = GENERATION_USED.matcher(jcmd("GC.heap_info"));
    long usedKiB = 0;
    while (m.find()) {
      usedKiB += Long.parseLong(m.group(1));
    }
    assertTrue(usedKiB > 0, "no heap figures from jcmd");
    return usedKiB << 10;
  }

  private String jcmd(String command) throws Exception {
    Process p = new ProcessBuilder("jcmd", Long.toString(child.process.pid()), command).redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "jcmd " + command + ": " + out);
    return out;
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
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    while (!seen.toString(ISO_8859_1).contains(marker)) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed before " + marker + ": " + seen.toString(ISO_8859_1));
      }
      seen.write(c);
    }
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
