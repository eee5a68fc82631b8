package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A watcher that stops reading must not make the server buffer without bound: its watch is held
 * while the connection is full and then cancelled with {@code slow-consumer} and the last
 * revision it was sent (a client that does not take even that is disconnected); it resumes from
 * the last revision it saw without a gap.
 */
@ExtendWith(VertxExtension.class)
class SlowConsumerTest {

  private static final int WRITES = 600;
  private static final int VALUE_BYTES = 64 << 10;

  @Test
  void aStalledWebSocketIsCancelledAndMemoryStaysBounded() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(Map.of("watch.maxQueueBytes", "64KiB",
        "watch.slowConsumerGrace", "1s", "store.maxKeys", "2000"));
         Http http = new Http(vertx, server.port());
         WatchClients.Ws ws = new WatchClients.Ws(vertx, server.port())) {
      ws.send(new JsonObject().put("op", "watch").put("id", "slow").put("prefix", "slow/"));
      assertEquals(true, ws.next().getBoolean("created"));
      ws.socket.pause();

      long heapBefore = usedHeapAfterGc();
      String value = "\"" + "x".repeat(VALUE_BYTES) + "\"";
      List<Long> written = new ArrayList<>();
      for (int i = 0; i < WRITES; i++) {
        written.add(http.put("/v1/kv/slow/k" + (i % 10), value).json().getLong("revision"));
      }
      long heapGrowth = usedHeapAfterGc() - heapBefore;
      long writtenBytes = (long) WRITES * VALUE_BYTES;
      assertTrue(heapGrowth < writtenBytes / 3,
          "heap grew " + heapGrowth + " bytes while " + writtenBytes + " bytes of events were due");
      for (int i = 0; i < 100 && slowConsumers(http) == 0; i++) {
        Thread.sleep(50);
      }
      assertEquals(1, slowConsumers(http), "the stalled watch was cancelled as a slow consumer");

      // Reading again, the client gets what was queued in order, then the slow-consumer error;
      // or, if it stayed away so long that the server closed the connection, the end of it.
      ws.socket.resume();
      List<Long> received = new ArrayList<>();
      Long lastRevision = null;
      while (lastRevision == null && !(ws.closed.isDone() && ws.messages.isEmpty())) {
        JsonObject m = ws.messages.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (m == null) {
          continue;
        }
        if (m.containsKey("events")) {
          received.add(m.getJsonArray("events").getJsonObject(0).getLong("revision"));
        } else {
          assertEquals("slow-consumer", m.getString("error"), m::encode);
          assertEquals("slow", m.getString("id"));
          lastRevision = m.getLong("lastRevision");
        }
      }
      assertEquals(written.subList(0, received.size()), received, "what was sent came in order, without gaps");
      assertTrue(received.size() < WRITES, "cancelled before everything was queued");
      if (lastRevision != null) {
        assertEquals(received.isEmpty() ? lastRevision : received.get(received.size() - 1), lastRevision);
      }
      long resumeFrom = received.isEmpty() ? written.get(0) : received.get(received.size() - 1) + 1;

      // Resuming from the last revision seen + 1 delivers the rest, nothing lost and nothing repeated.
      try (WatchClients.Ws again = new WatchClients.Ws(vertx, server.port())) {
        again.send(new JsonObject().put("op", "watch").put("id", "again").put("prefix", "slow/")
            .put("fromRevision", resumeFrom));
        assertEquals(true, again.next().getBoolean("created"));
        while (received.size() < WRITES) {
          JsonObject next = again.next();
          if (next.containsKey("events")) {
            received.add(next.getJsonArray("events").getJsonObject(0).getLong("revision"));
          }
        }
      }
      assertEquals(written, received);
    } finally {
      vertx.close().await();
    }
  }

  private static long slowConsumers(Http http) {
    for (String line : http.get("/metrics").body().toString().split("\n")) {
      if (line.startsWith("ssot_watch_slow_consumers_total")) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no ssot_watch_slow_consumers_total metric");
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
