package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ?minRevision=R} on a single node: answered at once when the store has R, after the
 * commit that makes R when it has not, 504 {@code revision-not-applied} after {@code limits.maxWait}.
 */
@Timeout(60)
class MinRevisionTest {

  private static Vertx vertx;
  private static TestServer server;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    server = TestServer.start(Map.of("limits.maxWait", "2s"));
    http = new Http(vertx, server.port());
  }

  @AfterAll
  static void stop() {
    http.close();
    server.close();
    vertx.close().await();
  }

  private static long revision() {
    return server.server().store().revision();
  }

  @Test
  void aRevisionTheStoreHasIsAnsweredAtOnceOnEveryRead() {
    long rev = http.put("/v1/kv/mr/met", "1").json().getLong("revision");
    for (String uri : new String[] {"/v1/kv/mr/met?minRevision=" + rev, "/v1/kv/mr/met?minRevision=0",
        "/v1/kv?prefix=mr/&minRevision=" + rev, "/v1/history/mr/met?minRevision=" + rev,
        "/v1/kv/mr/met?raw=true&minRevision=" + rev}) {
      Http.Response r = http.get(uri);
      assertEquals(200, r.status(), uri + " " + r);
      assertTrue(Long.parseLong(r.header("X-SSOT-Revision")) >= rev, r::toString);
    }
    assertEquals(404, http.get("/v1/kv/mr/absent?minRevision=" + rev).status(), "then the read itself answers");
    // Alone, the node is its own leader: consistency=leader is its own revision, at once.
    assertEquals(200, http.get("/v1/kv/mr/met?consistency=leader").status());
    LimitsTest.assertProblem(http.get("/v1/kv/mr/met?consistency=any"), 400, "invalid-parameter");
  }

  @Test
  void aLaterRevisionIsAnsweredOnceAnotherClientsWriteMakesIt() throws Exception {
    long target = revision() + 1;
    CompletableFuture<Http.Response> read = waitingRead(http -> http.get("/v1/kv/mr/later?minRevision=" + target));
    try (Http writer = new Http(vertx, server.port())) {
      long written = writer.put("/v1/kv/mr/later", "\"v\"").json().getLong("revision");
      assertEquals(target, written);
    }
    Http.Response r = read.get(10, TimeUnit.SECONDS);
    assertEquals(200, r.status(), r::toString);
    assertEquals("v", r.json().getString("value"));
    assertEquals(target, r.json().getLong("revision"));
    assertEquals(0, server.server().revisionWaits().waiting());
  }

  @Test
  void anHttp2ReadWaitsTheSameWay() throws Exception {
    long target = revision() + 1;
    int before = server.server().revisionWaits().waiting();
    CompletableFuture<Http.Response> read = CompletableFuture.supplyAsync(() -> {
      try (Http h2 = Http.h2c(vertx, server.port())) {
        return h2.get("/v1/history/mr/h2?minRevision=" + target);
      }
    });
    awaitWaiters(before + 1);
    http.put("/v1/kv/mr/h2", "1");
    Http.Response r = read.get(10, TimeUnit.SECONDS);
    assertEquals(HttpVersion.HTTP_2, r.version());
    assertEquals(200, r.status(), r::toString);
    assertEquals(target, r.json().getJsonArray("items").getJsonObject(0).getLong("revision"));
  }

  @Test
  void aRevisionNeverReachedIs504AfterMaxWait() {
    long applied = revision();
    long start = System.nanoTime();
    Http.Response r = http.get("/v1/kv?prefix=mr/&minRevision=" + (applied + 1000));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    LimitsTest.assertProblem(r, 504, "revision-not-applied");
    JsonObject problem = r.json();
    assertEquals(applied + 1000, problem.getLong("minRevision"));
    assertTrue(problem.getLong("appliedRevision") >= applied, r::toString);
    assertTrue(millis >= 1_900, "answered after limits.maxWait (2 s), not before: " + millis + " ms");
    assertEquals(0, server.server().revisionWaits().waiting(), "the waiter is gone");
  }

  @Test
  void aRevisionThatIsNotAWholeNumberAtLeastZeroIs400() {
    for (String bad : new String[] {"-1", "x", "1.5", "", "99999999999999999999"}) {
      Http.Response r = http.get("/v1/kv/mr/met?minRevision=" + bad);
      LimitsTest.assertProblem(r, 400, "invalid-parameter");
    }
    LimitsTest.assertProblem(http.get("/v1/history/mr/met?minRevision=-3"), 400, "invalid-parameter");
  }

  @Test
  void aClosedConnectionTakesItsWaiterAway() throws Exception {
    try (RawHttp c = new RawHttp(server.port(), 5_000)) {
      c.write("GET /v1/kv/mr/gone?minRevision=" + (revision() + 1000) + " HTTP/1.1\r\nHost: x\r\n"
          + "Authorization: Bearer " + TestServer.ADMIN_TOKEN + "\r\n\r\n");
      awaitWaiters(1);
    }
    awaitWaiters(0);
  }

  @Test
  void aLongPollAndAWatchWaitForTheirMinRevision() throws Exception {
    http.put("/v1/kv/mr/lp", "1");
    long target = revision() + 1;
    CompletableFuture<Http.Response> poll = waitingRead(h -> h.get("/v1/kv/mr/lp?wait=5s&minRevision=" + target,
        Map.of("If-None-Match", "\"" + (target - 1) + "\"")));
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(server.port()).setProtocolVersion(HttpVersion.HTTP_1_1));
    CompletableFuture<WatchClients.Sse> watch = CompletableFuture.supplyAsync(() -> new WatchClients.Sse(client,
        "/v1/watch?prefix=mr/&minRevision=" + target, Map.of()));
    awaitWaiters(2);
    assertTrue(!watch.isDone(), "the watch is not open before its revision is applied");
    http.put("/v1/kv/mr/lp", "2");
    Http.Response r = poll.get(10, TimeUnit.SECONDS);
    assertEquals(200, r.status(), r::toString);
    assertEquals(target, r.json().getLong("revision"));
    try (WatchClients.Sse sse = watch.get(10, TimeUnit.SECONDS)) {
      assertEquals(200, sse.status);
    }
    client.close().await();
  }

  @Test
  void aWebSocketUpgradeWaitsForItsMinRevision() throws Exception {
    long target = revision() + 1;
    WebSocketClient client = vertx.createWebSocketClient();
    CompletableFuture<WebSocket> socket = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(server.port()).setURI("/v1/watch?minRevision=" + target)
        .addHeader("Authorization", Http.ADMIN_AUTHORIZATION)).toCompletionStage().toCompletableFuture();
    awaitWaiters(1);
    assertTrue(!socket.isDone(), "the upgrade waits for its revision");
    http.put("/v1/kv/mr/ws", "1");
    WebSocket ws = socket.get(10, TimeUnit.SECONDS);
    BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
    ws.textMessageHandler(text -> messages.add(new JsonObject(text)));
    ws.writeTextMessage(new JsonObject().put("op", "watch").put("id", "w").put("prefix", "mr/ws")
        .put("fromRevision", target).encode()).await();
    assertEquals(true, messages.poll(10, TimeUnit.SECONDS).getBoolean("created"));
    JsonObject events = messages.poll(10, TimeUnit.SECONDS);
    assertEquals(target, events.getJsonArray("events").getJsonObject(0).getLong("revision"), events::encode);
    ws.close().await();
    client.close().await();
  }

  @Test
  void aStoppingServerAnswersItsWaitersAtOnce() throws Exception {
    try (TestServer own = TestServer.start(Map.of("limits.maxWait", "30s"))) {
      CompletableFuture<Http.Response> read = CompletableFuture.supplyAsync(() -> {
        try (Http reader = new Http(vertx, own.port())) {
          return reader.get("/v1/kv/mr/x?minRevision=1000");
        }
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (own.server().revisionWaits().waiting() != 1) {
        assertTrue(System.nanoTime() < deadline, "the read waits");
        Thread.sleep(10);
      }
      own.stop();
      Http.Response r = read.get(10, TimeUnit.SECONDS); // well before limits.maxWait (30 s)
      LimitsTest.assertProblem(r, 503, "unavailable");
      assertEquals("1", r.header("Retry-After"));
    }
  }

  /** A read sent from another thread, returned once the server holds its waiter. */
  private static CompletableFuture<Http.Response> waitingRead(Function<Http, Http.Response> read)
      throws InterruptedException {
    int before = server.server().revisionWaits().waiting();
    CompletableFuture<Http.Response> answer = CompletableFuture.supplyAsync(() -> {
      try (Http reader = new Http(vertx, server.port())) {
        return read.apply(reader);
      }
    });
    awaitWaiters(before + 1);
    assertTrue(!answer.isDone(), "the read waits for its revision");
    return answer;
  }

  private static void awaitWaiters(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.server().revisionWaits().waiting() != n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(server.server().revisionWaits().waiting() + " waiters, expected " + n);
      }
      Thread.sleep(10);
    }
  }
}
