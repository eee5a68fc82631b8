package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Writers for cluster tests: one thread per target port, each putting new keys
 * {@code <prefix><thread>-<n>} one after another (at most {@code perSecond} each, 0: as fast as
 * answered) until {@link #stop()}. A write that fails (503, connection lost) is recorded and
 * never retried under the same key, so a key is written at most once by the load: a key at two
 * revisions is a write applied twice.
 */
final class WriteLoad implements AutoCloseable {

  /** An acknowledged write: when it was sent and answered. */
  record Ack(String key, String value, long revision, long sentNanos, long ackedNanos) {
  }

  final List<Ack> acked = new CopyOnWriteArrayList<>();
  /** Keys whose write failed: absent, or present once. */
  final List<String> failed = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopped;

  WriteLoad(Vertx vertx, String prefix, List<Integer> ports, int perSecond) {
    for (int t = 0; t < ports.size(); t++) {
      int port = ports.get(t);
      String keys = prefix + "t" + t + "-";
      Thread thread = new Thread(() -> write(vertx, port, keys, perSecond), "load-" + t);
      thread.setDaemon(true);
      threads.add(thread);
    }
  }

  WriteLoad start() {
    threads.forEach(Thread::start);
    return this;
  }

  private void write(Vertx vertx, int port, String keys, int perSecond) {
    long pauseNanos = perSecond == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / perSecond;
    Http http = new Http(vertx, port);
    try {
      for (int n = 0; !stopped; n++) {
        String key = keys + n;
        String value = "{\"n\":" + n + "}";
        long sent = System.nanoTime();
        Http.Response r;
        try {
          r = http.put("/v1/kv/" + key, value);
        } catch (RuntimeException connectionLost) {
          failed.add(key);
          http.close();
          http = new Http(vertx, port);
          pause(50);
          continue;
        }
        if (r.status() == 201 || r.status() == 200) {
          acked.add(new Ack(key, value, r.json().getLong("revision"), sent, System.nanoTime()));
        } else {
          failed.add(key);
          pause(50);
        }
        long wait = pauseNanos - (System.nanoTime() - sent);
        if (wait > 0) {
          pause(wait / 1_000_000);
        }
      }
    } finally {
      http.close();
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The highest acknowledged revision so far, or 0. */
  long lastAcked() {
    return acked.stream().mapToLong(Ack::revision).max().orElse(0);
  }

  /** Every acknowledged write is on {@code n} at its revision with its value, once. */
  void assertHeldBy(Vertx vertx, ChildServer n) {
    try (Http http = new Http(vertx, n.port)) {
      for (Ack a : acked) {
        JsonArray history = http.get("/v1/history/" + a.key()).json().getJsonArray("items");
        assertEquals(1, history.size(), a.key() + " once on " + n.port + ": " + history);
        JsonObject got = history.getJsonObject(0);
        assertEquals(a.revision(), got.getLong("revision"), a.key() + " on " + n.port);
        assertEquals(new JsonObject(a.value()), got.getJsonObject("value"), a.key() + " on " + n.port);
      }
    }
  }

  /** Stops the writers and waits for their last write. */
  void stop() throws InterruptedException {
    stopped = true;
    for (Thread t : threads) {
      t.join(60_000);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
