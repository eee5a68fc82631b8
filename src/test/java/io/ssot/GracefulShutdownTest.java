package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (SPEC section 7): the server stops accepting, answers what is in flight, flushes, closes
 * the map and exits 0. The server runs as a child JVM; long-polls, an SSE watch and writes are in
 * flight when it is told to stop.
 */
@ExtendWith(VertxExtension.class)
class GracefulShutdownTest {

  /** Short, so that a request held to the end of it would show in the timings below. */
  /**
   * Long, so that the bounds below leave a loaded machine room and still tell a server that stops
   * at once from one held to its shutdown timeout (or to the 60 s long-poll).
   */
  private static final long SHUTDOWN_TIMEOUT_MS = 20_000;
  private static final int WRITERS = 4;

  @TempDir
  Path work;

  private final Queue<Ack> acks = new ConcurrentLinkedQueue<>();
  private final Queue<String> refusals = new ConcurrentLinkedQueue<>();

  /** A complete response, or the failure in its place. */
  record Answer(int status, String etag, String body, Throwable failure, long atNanos) {
  }

  /** An acknowledged write. */
  record Ack(String key, String value, long revision) {
  }

  /** A write answered with an error status. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  @Test
  void sigtermAnswersInFlightRequestsFlushesAndExitsZero(Vertx vertx) throws Exception {
    Path data = work.resolve("data");
    ChildServer child = start(data, "first.log");
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(child.port), new PoolOptions().setHttp1MaxSize(16));
    WatchClients.Ws ws = null;
    try {
      child.awaitReady(vertx);
      Ack held = put(client, "held/key", "{\"v\":0}");
      acks.add(held);
      long revision = held.revision();
      String etag = "\"" + revision + "\"";
      // One long-poll fits in the shutdown timeout, one does not: neither may hold the server.
      Future<Answer> shortPoll = send(client, "/v1/kv/held/key?wait=3s", etag);
      Future<Answer> longPoll = send(client, "/v1/kv/held/key?wait=60s", etag);
      WatchClients.Sse sse = new WatchClients.Sse(client, "/v1/watch?prefix=w/", Map.of());
      ws = new WatchClients.Ws(vertx, child.port);
      ws.send(new JsonObject().put("op", "watch").put("id", "ws").put("prefix", "w/"));
      assertTrue(ws.next().getBoolean("created"));
      awaitOpenWatches(client, 4);
      AtomicBoolean stopWriting = new AtomicBoolean();
      List<Future<Void>> writers = IntStream.range(0, WRITERS)
          .mapToObj(w -> writeUntilFailure(client, "w/" + w + "/", stopWriting)).toList();
      for (int i = 0; i < 1000 && acks.size() < 50; i++) {
        Thread.sleep(10);
      }
      assertTrue(acks.size() >= 50, "the writers are under way: " + acks.size() + " acknowledged, refused "
          + refusals + "\n" + child.tail());

      int acksBefore = acks.size();
      long sigterm = System.nanoTime();
      child.process.destroy(); // SIGTERM
      assertTrue(child.process.waitFor(SHUTDOWN_TIMEOUT_MS + 5000, TimeUnit.MILLISECONDS),
          "the server exited within the shutdown timeout:\n" + child.tail());
      long exitedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
      stopWriting.set(true);
      Future.join(writers).await();
      System.out.printf("exited %d ms after SIGTERM; %d writes acknowledged, %d of them after the SIGTERM%n",
          exitedAfterMs, acks.size(), acks.size() - acksBefore);
      assertEquals(0, child.process.exitValue(), child::tail);
      assertEquals(List.of(), List.copyOf(refusals), "no write in flight was answered with an error");

      for (Future<Answer> poll : List.of(shortPoll, longPoll)) {
        Answer a = poll.await();
        assertNull(a.failure(), "the held long-poll got a complete response, not a reset");
        assertEquals(304, a.status(), a::toString);
        assertEquals(etag, a.etag());
      }
      long answeredAfterMs = TimeUnit.NANOSECONDS.toMillis(longPoll.await().atNanos() - sigterm);
      assertTrue(answeredAfterMs < SHUTDOWN_TIMEOUT_MS / 2, "the 60 s long-poll was answered at once, not cut at the "
          + "shutdown timeout: " + answeredAfterMs + " ms");
      assertTrue(exitedAfterMs < SHUTDOWN_TIMEOUT_MS, "nothing held the server to its shutdown timeout: "
          + exitedAfterMs + " ms");

      // Each watch ends with the revision to resume from, and the WebSocket closes as "going away".
      WatchClients.Event sseEnd = sse.next();
      while (!sseEnd.event().equals("error")) {
        sseEnd = sse.next();
      }
      assertEquals("shutting-down", sseEnd.json().getString("error"), sseEnd::toString);
      assertTrue(sseEnd.json().getLong("lastRevision") >= revision, sseEnd::toString);
      JsonObject wsEnd = ws.next();
      while (!wsEnd.containsKey("error")) {
        wsEnd = ws.next();
      }
      assertEquals("ws", wsEnd.getString("id"));
      assertEquals("shutting-down", wsEnd.getString("error"), wsEnd::encode);
      assertTrue(wsEnd.getLong("lastRevision") >= revision, wsEnd::encode);
      for (int i = 0; i < 100 && !ws.socket.isClosed(); i++) {
        Thread.sleep(20);
      }
      assertEquals((short) 1001, ws.socket.closeStatusCode());

      String log = child.output();
      assertTrue(Files.exists(data.resolve("clean-shutdown")), "the store was closed cleanly:\n" + child.tail());
      assertFalse(log.contains("ERROR"), log);
      assertFalse(log.contains("did not close cleanly"), log);
    } finally {
      if (ws != null) {
        ws.close();
      }
      client.close().await(); // and the SSE stream with it
      child.kill();
    }

    ChildServer restarted = start(data, "second.log");
    HttpClient again = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(restarted.port), new PoolOptions().setHttp1MaxSize(8));
    try {
      restarted.awaitReady(vertx);
      assertTrue(restarted.output().contains("Opened the store"), restarted::tail);
      assertFalse(restarted.output().contains("recovered after an unclean stop"),
          "opened without recovery:\n" + restarted.tail());
      List<Future<String>> checks = acks.stream().map(a -> again.request(HttpMethod.GET, "/v1/kv/" + a.key())
          .compose(req -> req.putHeader("Authorization", Http.ADMIN_AUTHORIZATION).send().compose(resp -> resp.body().map(b -> {
            JsonObject entry = resp.statusCode() == 200 ? new JsonObject(b) : null;
            boolean same = entry != null && entry.getLong("revision") == a.revision()
                && new JsonObject(a.value()).equals(entry.getJsonObject("value"));
            return same ? null : a + " is served as " + resp.statusCode() + " " + b;
          })))).toList();
      Future.all(checks).await();
      assertEquals(List.of(), checks.stream().map(Future::result).filter(p -> p != null).toList(),
          "every acknowledged write is there after the restart");
    } finally {
      again.close().await();
      restarted.kill();
    }
  }

  // ---- the child ----------------------------------------------------------------------------------

  private ChildServer start(Path data, String logName) throws Exception {
    return ChildServer.start(ChildServer.mainOnTestClasspath(), work, work.resolve(logName), LoopbackPorts.free(),
        Map.of("SSOT_DATA_DIR", data.toString(), "SSOT_HTTP_EVENT_LOOPS", "2", "SSOT_STORE_MAX_KEYS", "20000",
            "SSOT_CHANGELOG_SEGMENT_BYTES", "1MiB", "SSOT_SHUTDOWN_TIMEOUT", SHUTDOWN_TIMEOUT_MS + "ms"));
  }

  // ---- requests -----------------------------------------------------------------------------------

  private static Future<Answer> send(HttpClient client, String uri, String ifNoneMatch) {
    return client.request(new RequestOptions().putHeader("Authorization", Http.ADMIN_AUTHORIZATION).setMethod(HttpMethod.GET).setURI(uri)
            .putHeader("If-None-Match", ifNoneMatch))
        .compose(req -> req.send().compose(resp -> resp.body().map(b ->
            new Answer(resp.statusCode(), resp.getHeader("ETag"), b.toString(), null, System.nanoTime()))))
        .recover(e -> Future.succeededFuture(new Answer(0, null, null, e, System.nanoTime())));
  }

  private static Ack put(HttpClient client, String key, String value) {
    return putAsync(client, key, value).await();
  }

  private static Future<Ack> putAsync(HttpClient client, String key, String value) {
    return client.request(HttpMethod.PUT, "/v1/kv/" + key)
        .compose(req -> req.putHeader("Authorization", Http.ADMIN_AUTHORIZATION).send(value).compose(resp -> resp.body().map(b -> {
          if (resp.statusCode() != 200 && resp.statusCode() != 201) {
            throw new Refused(key + " answered " + resp.statusCode() + " " + b);
          }
          return new Ack(key, value, new JsonObject(b).getLong("revision"));
        })));
  }

  /**
   * Writes new keys one after another until a write fails, as every write does once the server
   * stops: a complete error response is recorded as a refusal, a closed connection is expected.
   */
  private Future<Void> writeUntilFailure(HttpClient client, String prefix, AtomicBoolean stop) {
    Promise<Void> done = Promise.promise();
    writeNext(client, prefix, 0, stop, done);
    return done.future();
  }

  private void writeNext(HttpClient client, String prefix, int i, AtomicBoolean stop, Promise<Void> done) {
    if (stop.get()) {
      done.complete();
      return;
    }
    putAsync(client, prefix + i, "{\"i\":" + i + "}").onComplete(ar -> {
      if (ar.succeeded()) {
        acks.add(ar.result());
        writeNext(client, prefix, i + 1, stop, done);
      } else {
        if (ar.cause() instanceof Refused) {
          refusals.add(ar.cause().getMessage());
        }
        done.complete();
      }
    });
  }

  /** Waits until the server holds {@code count} watches (long-polls and streams), as its metrics say. */
  private static void awaitOpenWatches(HttpClient client, int count) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      String metrics = client.request(HttpMethod.GET, "/metrics")
          .compose(req -> req.send().compose(resp -> resp.body())).await().toString();
      if (metrics.lines().anyMatch(l -> l.startsWith("ssot_watch_open") && Double.parseDouble(
          l.substring(l.lastIndexOf(' ') + 1)) >= count)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the server did not hold " + count + " watches within 5 s");
  }
}
