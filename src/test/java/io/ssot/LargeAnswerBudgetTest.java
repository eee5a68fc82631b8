package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A large answer counts in the server-wide output budget until written: while a client that does
 * not read holds the budget, another connection's large answer is refused with 503 + Retry-After
 * (it holds nothing then), small answers are still served, and once the holder reads, large
 * answers are served again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LargeAnswerBudgetTest {

  private static final int VALUE_BYTES = 600_000;

  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  @Test
  void aLargeAnswerIsRefusedWhileTheServerBudgetIsHeldAndServedOnceItIsFree() throws Exception {
    try (TestServer server = TestServer.start(Map.of("watch.maxQueuedBytesTotal", "1MiB"));
         Http http = new Http(vertx, server.port())) {
      String value = "\"" + "v".repeat(VALUE_BYTES - 2) + "\"";
      assertEquals(201, http.put("/v1/kv/big/a", value).status());
      assertEquals(201, http.put("/v1/kv/big/b", value).status());
      assertEquals(201, http.put("/v1/kv/small", "1").status());

      // An h2c client with a tiny window that does not read: its answer stays unsent in the server.
      HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
              .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(server.port())
              .setInitialSettings(new Http2Settings().setInitialWindowSize(1024)),
          new PoolOptions().setHttp2MaxSize(1));
      try {
        CompletableFuture<HttpClientResponse> held = new CompletableFuture<>();
        Future<Buffer> heldBody = Http.exchange(h2.request(new RequestOptions().setMethod(HttpMethod.GET)
                .setURI("/v1/kv/big/a?raw=true").putHeader("Authorization", Http.ADMIN_AUTHORIZATION)),
            HttpClientRequest::send, resp -> {
              Future<Buffer> body = resp.body();
              resp.pause();
              held.complete(resp);
              return body;
            });
        HttpClientResponse stalled = held.get(30, TimeUnit.SECONDS);
        assertEquals(200, stalled.statusCode());

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (queuedBytes(http) < VALUE_BYTES) {
          assertTrue(System.nanoTime() < deadline, "the unsent answer is not counted");
          Thread.sleep(20);
        }
        Http.Response refused = http.get("/v1/kv/big/b");
        assertEquals(503, refused.status(), refused::toString);
        assertEquals("output-budget-exhausted", refused.json().getString("code"));
        assertEquals("1", refused.header("Retry-After"));
        assertEquals(503, http.get("/v1/kv?prefix=big/").status(), "a page too");
        assertEquals(200, http.get("/v1/kv/small").status(), "small answers are not held back");

        stalled.resume();
        assertEquals(VALUE_BYTES, heldBody.await(30, TimeUnit.SECONDS).length());
      } finally {
        h2.close().await();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (queuedBytes(http) > 0) {
        assertTrue(System.nanoTime() < deadline, "output still counted once written");
        Thread.sleep(20);
      }
      Http.Response served = http.get("/v1/kv/big/b?raw=true");
      assertEquals(200, served.status(), served::toString);
      assertEquals(VALUE_BYTES, served.body().length());
      assertEquals(2, http.get("/v1/kv?prefix=big/").json().getJsonArray("items").size());
    }
  }

  /** The unsent output the server counts now (the metric of watch output, which large answers share). */
  private static long queuedBytes(Http http) {
    return http.get("/metrics").body().toString().lines().filter(l -> l.startsWith("ssot_watch_queued_bytes "))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
        .orElseThrow(() -> new AssertionError("no ssot_watch_queued_bytes metric"));
  }
}
