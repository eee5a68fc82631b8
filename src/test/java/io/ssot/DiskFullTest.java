package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full disk: the data directory of a child server on a 20 MiB tmpfs, concurrent writers
 * until writes are refused. Every request is answered (no hang) with 2xx or 507, never a 500;
 * the server stays live and reads go on. Then: killed with SIGKILL and restarted while the disk
 * is still full (it starts, writes get 507), stopped cleanly, the file system enlarged and the
 * server started again. Every time, every acknowledged write is there at its revision, no
 * revision is visible that was not acknowledged (every request got an answer, so none is in
 * doubt), and new writes take revisions after the last acknowledged one. A live watch, and a
 * watch replaying the change log after the restarts, see exactly the acknowledged revisions.
 */
@ExtendWith(VertxExtension.class)
class DiskFullTest {

  private static final int WRITERS = 6;
  private static final int KEYS = 300;
  private static final long ANSWER_TIMEOUT_MILLIS = 30_000;

  @TempDir
  Path work;

  record Ack(String key, long revision, String value) {
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void fullDiskRefusesWritesAndLosesNothingAcknowledged(Vertx vertx) throws Exception {
    try (Tmpfs disk = Tmpfs.mount(work.resolve("disk"), 20)) {
      Map<String, String> env = Map.of(
          "SSOT_DATA_DIR", disk.dir.resolve("data").toString(),
          "SSOT_STORE_MAX_KEYS", "2000",
          "SSOT_CHANGELOG_SEGMENT_BYTES", "1MiB",
          // No reserve: the writes run into the allocation of a change-log segment itself.
          "SSOT_STORE_MIN_FREE_DISK_BYTES", "0");
      List<Ack> acks = new ArrayList<>();
      ChildServer child = ChildServer.start(ChildServer.mainOnTestClasspath(), work, work.resolve("child-1.log"),
          LoopbackPorts.free(), env);
      Client first = Client.of(child.port);
      HttpClient watchClient = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(child.port));
      try {
        child.awaitReady(vertx);
        WatchClients.Sse watcher = new WatchClients.Sse(watchClient, "/v1/watch?prefix=fill/", Map.of());
        assertEquals(200, watcher.status);
        Queue<String> refusals = new ConcurrentLinkedQueue<>();
        Queue<Ack> acked = new ConcurrentLinkedQueue<>();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
          int writer = w;
          Thread t = new Thread(() -> write(first, writer, acked, refusals), "writer-" + writer);
          t.start();
          writers.add(t);
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        for (Thread t : writers) {
          t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
          assertFalse(t.isAlive(), "a writer is stuck after " + acked.size() + " acknowledged writes and "
              + refusals.size() + " refusals");
        }
        acks.addAll(acked);
        List<String> unexpected = refusals.stream().filter(r -> !r.startsWith("507 ")).toList();
        assertTrue(unexpected.isEmpty(), "every refusal is a 507, every request answered: "
            + unexpected.stream().limit(5).toList() + "\n" + child.tail());
        assertTrue(refusals.size() >= WRITERS, "the disk filled: " + refusals.size() + " refusals");
        assertTrue(acks.size() > 1000, "writes were acknowledged before: " + acks.size());
        System.out.printf("DiskFullTest: %d writes acknowledged, %d refused%n", acks.size(), refusals.size());
        JsonObject problem = new JsonObject(refusals.peek().substring(4));
        assertEquals("insufficient-storage", problem.getString("code"));
        assertEquals(507, problem.getInteger("status"));
        // The server is alive and reads go on.
        assertEquals(200, send(first, "GET", "/health/live", null).status);
        long last = verify(first, acks, child);
        // Watchers saw exactly the acknowledged writes, each once, in order.
        assertEquals(revisions(acks), watched(watcher, last), "the live watch");
        watcher.close();
      } finally {
        watchClient.close().await();
        child.kill();
      }

      // Restart while the disk is still full: it starts (no SIGBUS), with writes refused.
      ChildServer full = ChildServer.start(ChildServer.mainOnTestClasspath(), work, work.resolve("child-2.log"),
          LoopbackPorts.free(), withReserve(env));
      Client client = Client.of(full.port);
      try {
        full.awaitReady(vertx);
        verify(client, acks, full);
        Answer refused = send(client, "PUT", "/v1/kv/fill/k0", "\"more\"");
        assertEquals(507, refused.status, refused.body);
        JsonObject diskState = new JsonObject(send(client, "GET", "/health/ready", null).body)
            .getJsonObject("checks").getJsonObject("disk");
        assertEquals(false, diskState.getBoolean("writable"), diskState.encode());
        assertEquals(1 << 20, diskState.getLong("reserveBytes"));
        assertTrue(diskState.getLong("freeBytes") < 1 << 20, diskState.encode());
        full.process.destroy(); // SIGTERM: a clean stop
        assertTrue(full.process.waitFor(60, TimeUnit.SECONDS), "the child stopped");
      } finally {
        full.kill();
      }

      disk.resize(40);
      ChildServer bigger = ChildServer.start(ChildServer.mainOnTestClasspath(), work, work.resolve("child-3.log"),
          LoopbackPorts.free(), withReserve(env));
      client = Client.of(bigger.port);
      try {
        bigger.awaitReady(vertx);
        long last = verify(client, acks, bigger);
        HttpClient replayClient = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
            .setDefaultPort(bigger.port));
        try (WatchClients.Sse replay = new WatchClients.Sse(replayClient, "/v1/watch?prefix=fill/&fromRevision=1",
            Map.of())) {
          assertEquals(revisions(acks), watched(replay, last), "a watch replaying the change log");
        } finally {
          replayClient.close().await();
        }
        for (int i = 1; i <= 3; i++) {
          Answer put = send(client, "PUT", "/v1/kv/fill/k" + i, "\"after " + i + "\"");
          assertEquals(200, put.status, put.body);
          assertEquals(last + i, new JsonObject(put.body).getLong("revision"), "no revision is reused");
        }
      } finally {
        bigger.kill();
      }
    }
  }

  private static List<Long> revisions(List<Ack> acks) {
    return acks.stream().map(Ack::revision).sorted().toList();
  }

  /** The revisions of the change events a watch delivers, up to {@code last}. */
  private static List<Long> watched(WatchClients.Sse watch, long last) throws InterruptedException {
    List<Long> revisions = new ArrayList<>();
    while (revisions.isEmpty() || revisions.get(revisions.size() - 1) < last) {
      WatchClients.Event e = watch.next();
      if (e.event().equals("change")) {
        revisions.add(new JsonObject(e.data()).getLong("revision"));
      }
    }
    return revisions;
  }

  private static Map<String, String> withReserve(Map<String, String> env) {
    Map<String, String> copy = new HashMap<>(env);
    copy.put("SSOT_STORE_MIN_FREE_DISK_BYTES", "1MiB");
    return copy;
  }

  /** Writes until three refusals in a row (or 20,000 writes), recording every answer. */
  private static void write(Client client, int writer, Queue<Ack> acked, Queue<String> refusals) {
    // About 4 KB a write: some 4,000 writes fill the disk.
    String pad = "x".repeat(4000);
    int refusedInARow = 0;
    for (int n = 0; n < 20_000 && refusedInARow < 3; n++) {
      String key = "fill/k" + ((n * WRITERS + writer) % KEYS);
      String value = "{\"w\":" + writer + ",\"n\":" + n + ",\"pad\":\"" + pad + "\"}";
      Answer answer = send(client, "PUT", "/v1/kv/" + key, value);
      if (answer.status == 200 || answer.status == 201) {
        acked.add(new Ack(key, new JsonObject(answer.body).getLong("revision"), value));
        refusedInARow = 0;
      } else {
        refusals.add(answer.status + " " + answer.body);
        refusedInARow++;
      }
    }
  }

  record Answer(int status, String body) {
  }

  /** Sends a request; a request unanswered within the timeout or a broken connection is status -1. */
  private static Answer send(Client client, String method, String uri, String body) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + client.port + uri))
        .timeout(Duration.ofMillis(ANSWER_TIMEOUT_MILLIS))
        .header("Authorization", Http.ADMIN_AUTHORIZATION)
        .header("Content-Type", "application/json")
        .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body))
        .build();
    try {
      HttpResponse<String> response = client.http.send(request, BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      return new Answer(-1, "no answer: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(-1, "interrupted");
    }
  }

  /** A JDK HTTP client (blocking, with a per-request timeout) for one child's port. */
  record Client(java.net.http.HttpClient http, int port) {
    static Client of(int port) {
      return new Client(java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10)).build(), port);
    }
  }

  /**
   * Every acknowledged write is in its key's history at its revision with its value; every
   * revision in a history was acknowledged; the current entry of each key is its last
   * acknowledged write; the store revision is the highest acknowledged one.
   *
   * @return the store revision
   */
  private static long verify(Client client, List<Ack> acks, ChildServer child) {
    Map<String, Map<Long, String>> byKey = new HashMap<>();
    long highest = 0;
    for (Ack ack : acks) {
      byKey.computeIfAbsent(ack.key(), k -> new HashMap<>()).put(ack.revision(), ack.value());
      highest = Math.max(highest, ack.revision());
    }
    for (Map.Entry<String, Map<Long, String>> e : byKey.entrySet()) {
      String key = e.getKey();
      Answer history = send(client, "GET", "/v1/history/" + key + "?limit=1000", null);
      assertEquals(200, history.status, key + ": " + history.body + "\n" + child.tail());
      JsonArray items = new JsonObject(history.body).getJsonArray("items");
      Set<Long> seen = new HashSet<>();
      for (int i = 0; i < items.size(); i++) {
        JsonObject item = items.getJsonObject(i);
        long revision = item.getLong("revision");
        seen.add(revision);
        String acked = e.getValue().get(revision);
        assertNotNull(acked, key + "@" + revision + " is visible but was never acknowledged");
        assertEquals(new JsonObject(acked), item.getJsonObject("value"), key + "@" + revision);
      }
      for (Long revision : e.getValue().keySet()) {
        assertTrue(seen.contains(revision), key + "@" + revision + " was acknowledged but is missing");
      }
      long latest = e.getValue().keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
      Answer current = send(client, "GET", "/v1/kv/" + key, null);
      assertEquals(200, current.status, key + ": " + current.body);
      assertEquals(latest, new JsonObject(current.body).getLong("revision"), key);
    }
    long revision = new JsonObject(send(client, "GET", "/health/ready", null).body)
        .getJsonObject("checks").getJsonObject("store").getLong("revision");
    assertEquals(highest, revision, "the store revision is the highest acknowledged one");
    return revision;
  }
}
