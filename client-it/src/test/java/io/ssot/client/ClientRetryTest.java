package io.ssot.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.testsupport.LoopbackPorts;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the client retries: 503 with Retry-After, and a watch the server ended as a slow consumer. */
class ClientRetryTest {

  @TempDir
  Path dir;

  @Test
  void a503IsRetriedAfterItsRetryAfter() throws Exception {
    try (ServerProcess server = ServerProcess.start(dir.resolve("data"), LoopbackPorts.free(),
        Map.of("SSOT_LIMITS_MAX_CONNECTIONS", "1"))) {
      // The one connection the server takes is held elsewhere: the client's gets 503 + Retry-After: 1.
      Socket held = holdConnection(server);
      try (SsotClient client = server.client().retryBudget(Duration.ofSeconds(10)).build()) {
        Thread release = new Thread(() -> {
          try {
            Thread.sleep(1500);
            held.close();
          } catch (Exception ignored) {
            // the test fails on its own if the socket stays
          }
        });
        release.start();
        long start = System.nanoTime();
        assertTrue(client.get("r/k").isEmpty()); // a 404 once the server took the connection
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(1400), "waited for the release");
        release.join();

        // The first client's connection stays open in its pool and holds the slot now; this one
        // holds it in case that connection was let go.
        Socket again = holdConnection(server);
        try (SsotClient impatient = server.client().retryBudget(Duration.ofMillis(500)).build()) {
          // Retry-After (1 s) is beyond the budget: the 503 itself is thrown, typed. (A write would
          // not be retried anyway if the server closed the connection while the body was on its way.)
          SsotException.UnavailableException e = assertThrows(SsotException.UnavailableException.class,
              () -> impatient.get("r/k"));
          assertEquals(503, e.status(), e.toString());
          assertEquals("too-many-connections", e.code());
        } finally {
          again.close();
        }
      }
    }
  }

  @Test
  void aWatchEndedAsSlowConsumerResumesWithoutGap() throws Exception {
    try (ServerProcess server = ServerProcess.start(dir.resolve("data"), LoopbackPorts.free(),
        Map.of("SSOT_WATCH_MAX_QUEUE_BYTES", "64KiB", "SSOT_WATCH_SLOW_CONSUMER_GRACE", "500ms"));
         SsotClient client = server.client().build()) {
      List<Long> seen = new CopyOnWriteArrayList<>();
      CountDownLatch stalled = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      String value = "x".repeat(64 << 10);
      List<Long> written = new ArrayList<>();
      written.add(client.put("slow/k0", value).revision());
      Watch watch = client.watchPrefix("slow/", written.get(0), (revision, events) -> {
        seen.add(revision);
        stalled.countDown();
        try {
          release.await(); // the one watch thread stalls: the socket is not read
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      assertTrue(stalled.await(10, TimeUnit.SECONDS));
      for (int i = 1; i < 260; i++) {
        written.add(client.put("slow/k" + (i % 10), value).revision());
      }
      Recorder.await("the server to cancel the stalled watch", 20_000, () -> slowConsumers(server) > 0);
      release.countDown();
      long last = written.get(written.size() - 1);
      Recorder.await("every revision after the resume", 30_000, () -> watch.nextRevision() > last);
      assertEquals(written, seen);
      watch.close();
    }
  }

  /** A keep-alive connection that has made one request, so that the server counts it, left open. */
  private static Socket holdConnection(ServerProcess server) throws java.io.IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port);
    s.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    s.setSoTimeout(5000);
    s.getInputStream().readNBytes(12); // "HTTP/1.1 200", or 503 when another connection has the slot
    return s;
  }

  private static long slowConsumers(ServerProcess server) {
    try {
      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      for (String line : metrics.split("\n")) {
        if (line.startsWith("ssot_watch_slow_consumers_total")) {
          return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      throw new AssertionError("no ssot_watch_slow_consumers_total metric");
    } catch (java.io.IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
