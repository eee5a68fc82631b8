package io.ssot;

import static io.ssot.LimitsTest.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.limit.RateLimiter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Per-client rate limits: separate read and write buckets per identity, 429 + Retry-After, bounded memory. */
@Timeout(60)
class RateLimitTest {

  /** Two clients: each its own token, so each its own buckets. Set by {@link #clients}. */
  private Map<String, String> A;
  private Map<String, String> B;

  private Vertx vertx;

  @BeforeEach
  void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void aWriteFloodFromOneClientNeitherStarvesAnotherClientsReadsNorItsOwn() throws Exception {
    try (TestServer server = TestServer.start(Map.of("rateLimit.writesPerSecond", "50", "rateLimit.writeBurst", "50",
        "rateLimit.readsPerSecond", "2000", "rateLimit.readBurst", "2000"));
         Http http = new Http(vertx, server.port())) {
      clients(http);
      assertEquals(201, http.put("/v1/kv/cfg/b", "{\"v\":1}", B).status());
      HttpClient flooder = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(server.port()), new PoolOptions().setHttp1MaxSize(16));
      Map<Integer, AtomicInteger> floodStatuses = new ConcurrentHashMap<>();
      AtomicBoolean flooding = new AtomicBoolean(true);
      List<String> retryAfter = Collections.synchronizedList(new ArrayList<>());
      // 16 writes in flight at all times for the length of B's reads: thousands a second, against 50/s.
      long floodStarted = System.nanoTime();
      for (int i = 0; i < 16; i++) {
        floodLoop(flooder, i, flooding, floodStatuses, retryAfter);
      }
      Thread.sleep(300);
      // B's reads are never refused nor starved: every one is answered while A floods.
      for (int i = 0; i < 300; i++) {
        Http.Response r = http.get("/v1/kv/cfg/b?raw=true", B);
        assertEquals(200, r.status(), r::toString);
      }
      // A's own reads take no tokens from its empty write bucket.
      for (int i = 0; i < 20; i++) {
        assertEquals(200, http.get("/v1/kv/cfg/b", A).status());
      }
      // B's writes have their own bucket too.
      assertEquals(200, http.put("/v1/kv/cfg/b", "{\"v\":2}", B).status());
      flooding.set(false);
      flooder.close().await();
      double floodSeconds = (System.nanoTime() - floodStarted) / 1e9;
      int accepted = floodStatuses.getOrDefault(201, new AtomicInteger()).get()
          + floodStatuses.getOrDefault(200, new AtomicInteger()).get();
      int limited = floodStatuses.getOrDefault(429, new AtomicInteger()).get();
      System.out.printf("write flood: %d accepted, %d answered 429 in %.1f s%n", accepted, limited, floodSeconds);
      assertEquals(Map.of(), Map.copyOf(floodStatuses).entrySet().stream()
          .filter(e -> e.getKey() != 200 && e.getKey() != 201 && e.getKey() != 429)
          .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())));
      // However fast or slow the machine: no more than the burst plus the rate over the time it took.
      assertTrue(accepted <= 50 + 50 * floodSeconds + 1, accepted + " writes accepted in " + floodSeconds + " s");
      assertTrue(limited > 0, "the flood was refused past the bucket");
      assertTrue(!retryAfter.isEmpty() && retryAfter.stream().allMatch(v -> v.matches("[1-9][0-9]*")), retryAfter::toString);
    }
  }

  private void floodLoop(HttpClient client, int i, AtomicBoolean flooding, Map<Integer, AtomicInteger> statuses,
                                List<String> retryAfter) {
    if (!flooding.get()) {
      return;
    }
    Http.exchange(client.request(new RequestOptions().setMethod(HttpMethod.PUT).setURI("/v1/kv/flood/" + i).setHeaders(
            io.vertx.core.MultiMap.caseInsensitiveMultiMap().addAll(A))),
        req -> req.send("{\"n\":" + i + "}"),
        resp -> {
          if (resp.statusCode() == 429 && retryAfter.size() < 100) {
            retryAfter.add(resp.getHeader("Retry-After"));
          }
          statuses.computeIfAbsent(resp.statusCode(), s -> new AtomicInteger()).incrementAndGet();
          return resp.body();
        })
        .onComplete(ar -> floodLoop(client, i, flooding, statuses, retryAfter));
  }

  @Test
  void readsPastTheLimitGet429WithRetryAfterAndWatchesCountAsReads() throws Exception {
    try (TestServer server = TestServer.start(Map.of("rateLimit.readsPerSecond", "1", "rateLimit.readBurst", "5"));
         Http http = new Http(vertx, server.port())) {
      assertEquals(201, http.put("/v1/kv/r", "1").status());
      // A read token each: the WebSocket handshake, its first watch, then GETs until refused. The
      // bucket refills one token a second, so how many GETs pass depends on the machine's speed:
      // at least the rest of the burst, at most that plus a token per second taken.
      long started = System.nanoTime();
      try (WatchClients.Ws ws = new WatchClients.Ws(vertx, server.port())) {
        ws.send(new JsonObject().put("op", "watch").put("id", "w1").put("key", "r"));
        assertEquals(true, ws.next().getBoolean("created"));
        int passed = 0;
        Http.Response limited = http.get("/v1/kv/r");
        while (limited.status() == 200 && passed < 100) {
          passed++;
          limited = http.get("/v1/kv/r");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertProblem(limited, 429, "rate-limited");
        assertEquals("1", limited.header("Retry-After"));
        assertTrue(passed >= 3 && passed <= 3 + Math.ceil(seconds), passed + " GETs passed in " + seconds + " s");
        // Watches take from the same bucket: one is refused before the next token (a second away) is there.
        JsonObject refused = null;
        for (int i = 2; i < 10 && refused == null; i++) {
          ws.send(new JsonObject().put("op", "watch").put("id", "w" + i).put("key", "r"));
          JsonObject answer = ws.next();
          if (answer.containsKey("error")) {
            refused = answer;
          }
        }
        assertNotNull(refused, "a watch past the limit is refused");
        assertEquals("rate-limited", refused.getString("error"), refused::encode);
        assertEquals(200, http.put("/v1/kv/r", "2").status(), "writes have their own bucket");
        assertEquals(200, http.get("/health/live").status(), "health is never limited");
      }
      Thread.sleep(1_100);
      assertEquals(200, http.get("/v1/kv/r").status(), "a token is back after Retry-After");
    }
  }

  @Test
  void randomIdentitiesNeverGrowTheBucketsPastTheBound() throws Exception {
    // Buckets are charged before authentication: random credentials (refused with 401) are the
    // worst case for the identity map. The failed-auth limiter is off so they all get that far.
    try (TestServer server = TestServer.start(Map.of("rateLimit.maxIdentities", "100", "auth.maxFailuresPerMinute", "0"));
         Http http = new Http(vertx, server.port())) {
      for (int i = 0; i < 2_000; i++) {
        assertEquals(401, http.get("/v1/kv/none", Map.of("Authorization", "Bearer " + UUID.randomUUID())).status());
      }
      String metrics = http.get("/metrics").body().toString();
      double identities = metrics.lines().filter(l -> l.startsWith("ssot_ratelimit_identities "))
          .mapToDouble(l -> Double.parseDouble(l.split(" ")[1])).findFirst().orElseThrow();
      assertTrue(identities > 0 && identities <= 100, "identities held: " + identities);
    }
  }

  /** A clock a test moves by hand: the limiter's arithmetic without the machine's speed in it. */
  private static final class ManualClock implements LongSupplier {
    private long nanos = 1_000_000_000L;

    @Override
    public long getAsLong() {
      return nanos;
    }

    void advanceMillis(long millis) {
      nanos += millis * 1_000_000L;
    }
  }

  @Test
  void theLimiterAloneStaysBoundedAndForgetsIdleIdentities() {
    ManualClock clock = new ManualClock();
    RateLimiter limiter = new RateLimiter(1000, 1000, 1000, 1000, 1000, clock);
    for (int i = 0; i < 200_000; i++) {
      assertEquals(0, limiter.acquire("id-" + i, i % 2 == 0 ? RateLimiter.Kind.READ : RateLimiter.Kind.WRITE));
    }
    assertTrue(limiter.identities() <= 1000, "identities: " + limiter.identities());
    clock.advanceMillis(900);
    assertTrue(limiter.identities() > 0, "a bucket not yet full again is kept");
    // A bucket idle long enough to be full again (1000 at 1000/s: one second) is dropped.
    clock.advanceMillis(200);
    assertEquals(0, limiter.identities());
  }

  @Test
  void aBucketRefillsAtItsRateUpToItsBurst() {
    ManualClock clock = new ManualClock();
    RateLimiter limiter = new RateLimiter(0, 1, 10, 3, 100, clock);
    for (int i = 0; i < 3; i++) {
      assertEquals(0, limiter.acquire("c", RateLimiter.Kind.WRITE));
    }
    assertEquals(100, limiter.acquire("c", RateLimiter.Kind.WRITE), "one token at 10/s comes in 100 ms");
    clock.advanceMillis(60);
    assertEquals(40, limiter.acquire("c", RateLimiter.Kind.WRITE), "the wait shrinks as time passes");
    clock.advanceMillis(41);
    assertEquals(0, limiter.acquire("c", RateLimiter.Kind.WRITE), "the token is there");
    clock.advanceMillis(60_000);
    for (int i = 0; i < 3; i++) {
      assertEquals(0, limiter.acquire("c", RateLimiter.Kind.WRITE), "a minute idle refills up to the burst");
    }
    assertTrue(limiter.acquire("c", RateLimiter.Kind.WRITE) > 0, "and no further");
    for (int i = 0; i < 1_000; i++) {
      assertEquals(0, limiter.acquire("c", RateLimiter.Kind.READ), "reads at 0/s are unlimited");
    }
  }

  @Test
  void theBucketsAThreadRemembersAreTheIdentitysOwnAndSharedWithOtherThreads() throws Exception {
    RateLimiter limiter = new RateLimiter(1, 2, 0, 1, 100, new ManualClock());
    assertEquals(0, limiter.acquire("a", RateLimiter.Kind.READ));
    assertEquals(0, limiter.acquire("a", RateLimiter.Kind.READ));
    assertTrue(limiter.acquire("a", RateLimiter.Kind.READ) > 0, "a's burst of 2 is spent");
    assertEquals(0, limiter.acquire("b", RateLimiter.Kind.READ), "b has a bucket of its own");
    assertTrue(limiter.acquire("a", RateLimiter.Kind.READ) > 0, "back to a: still spent");
    java.util.concurrent.FutureTask<Long> other = new java.util.concurrent.FutureTask<>(
        () -> limiter.acquire("a", RateLimiter.Kind.READ));
    new Thread(other).start();
    assertTrue(other.get() > 0, "another thread takes from the same bucket");
  }

  private void clients(Http admin) {
    A = client(admin, "client-a");
    B = client(admin, "client-b");
  }

  private static Map<String, String> client(Http admin, String name) {
    String token = admin.post("/v1/tokens", "{\"name\":\"" + name + "\",\"roles\":[{\"role\":\"write\",\"prefix\":\"\"}]}")
        .json().getString("token");
    return Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json");
  }
}
