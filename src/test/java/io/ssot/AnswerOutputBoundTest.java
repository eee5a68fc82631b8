package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain answers (not watches) cannot exhaust the server's heap, whatever the client asks or
 * leaves unread: a list or history page over large values, many HTTP/2 streams each GETting a
 * large key while the client reads nothing, many large GETs pipelined on an HTTP/1.1 connection
 * that is not read, many HTTP/2 streams each running a txn whose gets read 3.6 MB. The server
 * runs as a child JVM with a 256 MiB heap and 200 keys of 900 KB
 * (180 MB, off the heap in its store); after each attack it still answers {@code /health/live}
 * and a well-behaved client, and its heap after a full GC has grown far less than what was asked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AnswerOutputBoundTest {

  private static final int KEYS = 200;
  private static final int VERSIONS = 100;
  private static final int VALUE_BYTES = 900_000;
  /** Heap growth allowed after GC: the server-wide output budget (an eighth of 256 MiB) and as much again. */
  private static final long MAX_HEAP_GROWTH = 64L << 20;

  @TempDir
  static Path work;

  private Vertx vertx;
  private ChildServer child;
  private Http http;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    child = ChildServer.start(ChildServer.mainOnTestClasspath(), work, work.resolve("server.log"),
        LoopbackPorts.free(), Map.of("SSOT_DATA_DIR", work.resolve("data").toString(),
            "SSOT_HTTP_EVENT_LOOPS", "2", "SSOT_STORE_MAX_KEYS", "1000",
            "SSOT_STORE_AVERAGE_VALUE_BYTES", "393216"));
    child.awaitReady(vertx);
    http = new Http(vertx, child.port);
    String value = "\"" + "v".repeat(VALUE_BYTES - 2) + "\"";
    for (int i = 0; i < KEYS; i++) {
      Http.Response r = http.put("/v1/kv/" + key(i), value);
      assertEquals(201, r.status(), () -> r + "\n" + child.tail());
    }
    for (int i = 0; i < VERSIONS; i++) {
      Http.Response r = http.put("/v1/kv/hist/a", value);
      assertTrue(r.status() == 200 || r.status() == 201, () -> r + "\n" + child.tail());
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (http != null) {
      http.close();
    }
    if (child != null) {
      child.kill();
    }
    vertx.close().await();
  }

  private static String key(int i) {
    return String.format("big/%03d", i);
  }

  @Test
  @Order(1)
  void aListOrHistoryPageOverLargeValuesIsBoundedInBytes() throws Exception {
    long before = child.heapAfterGc();
    Http.Response list = http.get("/v1/kv?prefix=big/&limit=1000");
    assertEquals(200, list.status(), () -> list.status() + "\n" + child.tail());
    int listed = list.json().getJsonArray("items").size();
    System.out.printf("a list of limit=1000 over %d values of %d KB: %d items, %d KiB%n", KEYS, VALUE_BYTES / 1000,
        listed, list.body().length() >> 10);
    assertTrue(listed < KEYS && list.json().getString("next") != null, "the page is cut by bytes and leads on");
    assertTrue(list.body().length() <= (5 << 20), list.body().length() + " bytes in one page");

    Http.Response history = http.get("/v1/history/hist/a?limit=1000");
    assertEquals(200, history.status(), () -> history.status() + "\n" + child.tail());
    int versions = history.json().getJsonArray("items").size();
    System.out.printf("a history of limit=1000 over %d versions: %d items, %d KiB%n", VERSIONS, versions,
        history.body().length() >> 10);
    assertTrue(versions < VERSIONS && history.json().getValue("next") != null, "the page is cut by bytes and leads on");
    assertTrue(history.body().length() <= (5 << 20), history.body().length() + " bytes in one page");
    assertServes(before, "after the pages");
  }

  @Test
  @Order(2)
  void manyStreamsOfAnH2cClientThatDoesNotReadHoldLittle() throws Exception {
    long before = child.heapAfterGc();
    // One connection, prior knowledge h2c, a tiny window: each stream stops taking data at once.
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
            .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(child.port)
            .setHttp2MultiplexingLimit(1000).setInitialSettings(new Http2Settings().setInitialWindowSize(1024)),
        new PoolOptions().setHttp2MaxSize(1));
    AtomicInteger answered = new AtomicInteger();
    List<HttpClientResponse> paused = new ArrayList<>();
    boolean[] reading = {false};
    List<Future<Buffer>> bodies = new ArrayList<>();
    try {
      for (int i = 0; i < KEYS; i++) {
        bodies.add(Http.exchange(h2.request(new RequestOptions().setMethod(HttpMethod.GET)
                .setURI("/v1/kv/" + key(i) + "?raw=true").putHeader("Authorization", Http.ADMIN_AUTHORIZATION)),
            HttpClientRequest::send, resp -> {
              answered.incrementAndGet();
              Future<Buffer> body = resp.body();
              synchronized (paused) {
                if (!reading[0]) {
                  resp.pause();
                  paused.add(resp);
                }
              }
              return body;
            }));
      }
      Thread.sleep(3000); // what the server will do with these streams, it does now
      System.out.printf("%d streams asked for %d MB, %d answers begun%n", KEYS, KEYS * (long) VALUE_BYTES >> 20,
          answered.get());
      assertServes(before, "while " + KEYS + " h2 streams are not read");
      // Read now: every stream gets its whole answer.
      synchronized (paused) {
        reading[0] = true;
        paused.forEach(HttpClientResponse::resume);
      }
      for (Future<Buffer> body : bodies) {
        assertEquals(VALUE_BYTES, body.await(120, TimeUnit.SECONDS).length());
      }
    } finally {
      h2.close().await();
    }
    assertServes(before, "once the h2 client has gone");
  }

  @Test
  @Order(3)
  void pipelinedLargeGetsOnAnHttp11ConnectionThatIsNotReadHoldLittle() throws Exception {
    long before = child.heapAfterGc();
    try (RawHttp raw = new RawHttp(child.port, 120_000, 4096)) {
      StringBuilder requests = new StringBuilder();
      for (int i = 0; i < KEYS; i++) {
        requests.append("GET /v1/kv/").append(key(i)).append("?raw=true HTTP/1.1\r\nHost: x\r\nAuthorization: ")
            .append(Http.ADMIN_AUTHORIZATION).append("\r\n\r\n");
      }
      raw.write(requests.toString());
      Thread.sleep(3000);
      assertServes(before, "while " + KEYS + " pipelined GETs are not read");
      // Read now: every answer comes, in order.
      for (int i = 0; i < KEYS; i++) {
        Http.Response r = raw.readFinal();
        assertEquals(200, r.status());
        assertEquals(VALUE_BYTES, r.body().length());
      }
    }
    assertServes(before, "once the pipelining client has gone");
  }

  @Test
  @Order(4)
  void manyStreamsOfTxnsWithGetsThatAreNotReadHoldLittle() throws Exception {
    long before = child.heapAfterGc();
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
            .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(child.port)
            .setHttp2MultiplexingLimit(1000).setInitialSettings(new Http2Settings().setInitialWindowSize(1024)),
        new PoolOptions().setHttp2MaxSize(1));
    int streams = 100;
    int getsPerTxn = 4; // 3.6 MB, within limits.maxTxnReadBytes (4 MiB)
    List<HttpClientResponse> paused = new ArrayList<>();
    boolean[] reading = {false};
    List<Future<Buffer>> bodies = new ArrayList<>();
    try {
      for (int i = 0; i < streams; i++) {
        StringBuilder txn = new StringBuilder("{\"success\":[");
        for (int g = 0; g < getsPerTxn; g++) {
          txn.append(g == 0 ? "" : ",").append("{\"op\":\"get\",\"key\":\"").append(key((i + g) % KEYS)).append("\"}");
        }
        String body = txn.append("]}").toString();
        bodies.add(h2.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/txn")
                .putHeader("Authorization", Http.ADMIN_AUTHORIZATION).putHeader("Content-Type", "application/json"))
            .compose(req -> req.send(body)).compose(resp -> {
              Future<Buffer> answer = resp.body();
              synchronized (paused) {
                if (!reading[0]) {
                  resp.pause();
                  paused.add(resp);
                }
              }
              return answer;
            }));
      }
      Thread.sleep(3000);
      System.out.printf("%d txn streams asked for %d MB%n", streams, streams * getsPerTxn * (long) VALUE_BYTES >> 20);
      assertServes(before, "while " + streams + " h2 txn streams are not read");
      synchronized (paused) {
        reading[0] = true;
        paused.forEach(HttpClientResponse::resume);
      }
      for (Future<Buffer> body : bodies) {
        Buffer answer = body.await(120, TimeUnit.SECONDS);
        assertEquals(getsPerTxn, new JsonObject(answer).getJsonArray("results").size());
      }
    } finally {
      h2.close().await();
    }
    assertServes(before, "once the h2 txn client has gone");
  }

  /** The server lives, a normal client gets a large answer, and the heap after GC stays bounded. */
  private void assertServes(long heapBefore, String when) throws Exception {
    assertTrue(child.process.isAlive(), child::tail);
    assertEquals(200, http.get("/health/live").status(), child::tail);
    long growth = child.heapAfterGc() - heapBefore;
    System.out.printf("%s: heap after GC grew by %d KiB%n", when, growth >> 10);
    try (Http fresh = new Http(vertx, child.port)) {
      Http.Response r = fresh.get("/v1/kv/" + key(KEYS - 1));
      assertEquals(200, r.status(), () -> r.status() + " " + child.tail());
      JsonObject entry = r.json();
      assertNotNull(entry.getString("value"));
      assertEquals(VALUE_BYTES - 2, entry.getString("value").length());
    }
    assertTrue(growth < MAX_HEAP_GROWTH, when + ", the heap after GC grew by " + (growth >> 20) + " MiB");
  }
}
