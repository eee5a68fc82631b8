package io.ssot.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.Http;
import io.ssot.TempFiles;
import io.ssot.TestServer;
import io.ssot.store.DataDir;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.ssot.store.SystemKeys;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A snapshot taken over HTTP while writers change, delete and create keys is the store at the
 * snapshot's revision exactly, reserved records included; restored offline, a server starts on
 * it at that revision and knows its tokens.
 */
@ExtendWith(VertxExtension.class)
class SnapshotRoundTripTest {

  private static final int KEYS = 100_000;

  /** One write a writer made: its revision, and the value it left (null: deleted). */
  private record Write(String key, long revision, byte[] value) {
  }

  @Test
  void restoreEqualsTheStoreAtTheSnapshotRevisionDespiteConcurrentWrites(Vertx vertx) throws Exception {
    Path restored = Files.createTempDirectory("ssot-restored");
    Files.delete(restored);
    Path file = Files.createTempFile("ssot", ".snapshot");
    try (TestServer server = TestServer.start(Map.of("store.maxKeys", "300000"))) {
      MvccStore store = server.server().store();
      Map<String, byte[]> loaded = new HashMap<>();
      for (int i = 0; i < KEYS; i++) {
        String key = String.format("k/%06d", i);
        byte[] value = ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
        store.put(key, value, Precondition.NONE, "loader");
        loaded.put(key, value);
      }
      JsonObject token;
      try (Http admin = new Http(vertx, server.port())) {
        Http.Response created = admin.post("/v1/tokens", new JsonObject().put("name", "reader")
            .put("roles", new JsonArray().add(new JsonObject().put("role", "read").put("prefix", "k/"))).encode());
        assertEquals(201, created.status(), created::toString);
        token = created.json();
        assertEquals(201, admin.put("/v1/schemas/k", "{\"type\":\"object\"}").status());
      }
      long before = store.revision();

      AtomicBoolean stop = new AtomicBoolean();
      ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        int writer = w;
        Thread t = new Thread(() -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          for (int n = 0; !stop.get(); n++) {
            String key = random.nextInt(4) == 0 ? "n/" + writer + "/" + n : String.format("k/%06d", random.nextInt(KEYS));
            if (random.nextInt(3) == 0) {
              Entry marker = store.delete(key, Precondition.NONE, "writer");
              if (marker != null) {
                writes.add(new Write(key, marker.revision(), null));
              }
            } else {
              byte[] value = ("{\"w\":" + n + "}").getBytes(StandardCharsets.UTF_8);
              writes.add(new Write(key, store.put(key, value, Precondition.NONE, "writer").entry().revision(), value));
            }
          }
        });
        t.start();
        writers.add(t);
      }
      Http.Response snapshot;
      try (Http admin = new Http(vertx, server.port())) {
        Thread.sleep(200); // writes under way before the snapshot starts
        snapshot = admin.get("/v1/snapshot");
      } finally {
        stop.set(true);
        for (Thread t : writers) {
          t.join();
        }
      }
      assertEquals(200, snapshot.status(), snapshot::toString);
      Files.write(file, snapshot.body().getBytes());
      long revision = Long.parseLong(snapshot.header("X-SSOT-Revision"));
      long after = store.revision();
      assertTrue(revision > before && revision < after,
          "writes went on before (" + before + ") and after (" + after + ") the snapshot at " + revision);

      // The truth at the snapshot's revision, from what the loader and the writers were told.
      Map<String, byte[]> expected = new HashMap<>(loaded);
      List<Write> sorted = new ArrayList<>(writes);
      sorted.sort((a, b) -> Long.compare(a.revision(), b.revision()));
      for (Write write : sorted) {
        if (write.revision() <= revision) {
          if (write.value() == null) {
            expected.remove(write.key());
          } else {
            expected.put(write.key(), write.value());
          }
        }
      }
      Set<String> everyKey = new HashSet<>(loaded.keySet());
      sorted.forEach(w -> everyKey.add(w.key()));
      List<Entry> reserved = store.reserved(SystemKeys.PREFIX);
      assertEquals(2, reserved.size(), "the token and the schema");

      SnapshotFile.Summary summary = SnapshotFile.verify(file);
      assertEquals(revision, summary.revision());
      assertEquals(expected.size() + reserved.size(), summary.count());

      SnapshotRestore.intoDataDir(file, restored, b -> { });
      try (DataDir dir = DataDir.open(restored, new DataDir.Options(300_000, 512, 4 << 20))) {
        MvccStore copy = dir.store();
        assertEquals(revision, copy.revision());
        assertEquals(expected.size() + reserved.size(), copy.size());
        for (String key : everyKey) {
          Entry got = copy.get(key);
          byte[] want = expected.get(key);
          if (want == null) {
            assertNull(got, key);
            continue;
          }
          assertNotNull(got, key);
          assertArrayEquals(want, got.value(), key);
          // Every piece of metadata as the store had it at that revision.
          assertEquals(metadata(store.at(key, revision)), metadata(got), key);
        }
        for (Entry record : reserved) {
          assertEquals(metadata(record), metadata(copy.get(record.key())));
          assertArrayEquals(record.value(), copy.get(record.key()).value());
        }
      }
      // A server starts on it, at the revision, and takes the token the snapshot carried.
      try (TestServer again = TestServer.start(Map.of("data.dir", restored.toString(), "store.maxKeys", "300000"));
           Http http = new Http(vertx, again.port())) {
        assertEquals(revision, again.server().store().revision());
        String key = expected.keySet().stream().filter(k -> k.startsWith("k/")).findFirst().orElseThrow();
        Http.Response read = http.as(token.getString("token")).get("/v1/kv/" + key);
        assertEquals(200, read.status(), read::toString);
        assertEquals(new JsonObject(new String(expected.get(key), StandardCharsets.UTF_8)),
            read.json().getJsonObject("value"));
        assertEquals(422, http.put("/v1/kv/k/not-an-object", "1").status(), "the schema on k came back too");
      }
    } finally {
      Files.deleteIfExists(file);
      TempFiles.delete(restored);
    }
  }

  /** An entry's fields but its value (records compare arrays by identity). */
  private static List<Object> metadata(Entry e) {
    return List.of(e.key(), e.revision(), e.createRevision(), e.version(), e.prevRevision(), e.updatedAt(),
        e.updatedBy());
  }

  /**
   * An upload that asks whether to go on ({@code Expect: 100-continue}, as curl's does) is told
   * to at once, once the restore is possible, rather than left waiting for its client's timeout.
   */
  @Test
  void anUploadThatExpectsToContinueIsToldTo(Vertx vertx) throws Exception {
    byte[] snapshot;
    try (TestServer source = TestServer.start(); Http admin = new Http(vertx, source.port())) {
      assertEquals(201, admin.put("/v1/kv/e/1", "{\"e\":1}").status());
      snapshot = admin.get("/v1/snapshot").body().getBytes();
    }
    try (TestServer empty = TestServer.start();
         java.net.Socket socket = new java.net.Socket("127.0.0.1", empty.port())) {
      socket.setSoTimeout(10_000);
      java.io.BufferedReader in = new java.io.BufferedReader(
          new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      socket.getOutputStream().write(("POST /v1/snapshot HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + TestServer.ADMIN_TOKEN + "\r\nExpect: 100-continue\r\nContent-Length: " + snapshot.length
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      assertEquals("HTTP/1.1 100 Continue", in.readLine());
      assertEquals("", in.readLine());
      socket.getOutputStream().write(snapshot);
      assertEquals("HTTP/1.1 200 OK", in.readLine());
      assertEquals(1, empty.server().store().revision());
    }
  }

  @Test
  void aReaderThatGoesAwayMidStreamLeavesNoCursorBehind() throws Exception {
    try (TestServer server = TestServer.start(Map.of("store.maxKeys", "100000"))) {
      MvccStore store = server.server().store();
      byte[] value = ("{\"pad\":\"" + "x".repeat(200) + "\"}").getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 50_000; i++) {
        store.put("g/" + i, value, Precondition.NONE, "loader");
      }
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
        socket.getOutputStream().write(("GET /v1/snapshot HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + TestServer.ADMIN_TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        byte[] some = socket.getInputStream().readNBytes(64 << 10);
        assertTrue(new String(some, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"));
        // The reader stops reading: the stream waits for room, holding its cursor.
        Thread.sleep(300);
        assertEquals(1, store.openSnapshots());
      }
      long deadline = System.currentTimeMillis() + 5_000;
      while (store.openSnapshots() != 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(0, store.openSnapshots(), "the cursor is closed with the connection");
    }
  }

  @Test
  void aCorruptOrTruncatedFileIsRefusedAndNothingIsRestored(Vertx vertx) throws Exception {
    Path dir = Files.createTempDirectory("ssot-snapshots");
    try (TestServer server = TestServer.start(); Http admin = new Http(vertx, server.port())) {
      for (int i = 0; i < 500; i++) {
        assertEquals(201, admin.put("/v1/kv/c/" + i, "{\"i\":" + i + "}").status());
      }
      Http.Response snapshot = admin.get("/v1/snapshot");
      assertEquals(200, snapshot.status());
      byte[] good = snapshot.body().getBytes();
      Files.write(dir.resolve("good"), good);
      assertEquals(500, SnapshotFile.verify(dir.resolve("good")).count());

      byte[] flipped = good.clone();
      flipped[good.length / 2] ^= 0x01;
      Files.write(dir.resolve("flipped"), flipped);
      InvalidSnapshot e = assertThrows(InvalidSnapshot.class, () -> SnapshotFile.verify(dir.resolve("flipped")));
      assertTrue(e.getMessage().contains("checksum mismatch") || e.getMessage().contains("not"), e::getMessage);

      Files.write(dir.resolve("truncated"), java.util.Arrays.copyOf(good, good.length - 20));
      e = assertThrows(InvalidSnapshot.class, () -> SnapshotFile.verify(dir.resolve("truncated")));
      assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("trailer"), e::getMessage);

      Files.write(dir.resolve("cut"), java.util.Arrays.copyOf(good, good.length / 3));
      e = assertThrows(InvalidSnapshot.class, () -> SnapshotFile.verify(dir.resolve("cut")));

      Path target = dir.resolve("restored");
      assertThrows(InvalidSnapshot.class, () -> SnapshotRestore.intoDataDir(dir.resolve("flipped"), target, b -> { }));
      assertTrue(!Files.exists(target), "nothing restored from a corrupt file");

      // Only into an empty directory.
      Files.createDirectories(target);
      Files.writeString(target.resolve("something"), "x");
      java.io.IOException refused = assertThrows(java.io.IOException.class,
          () -> SnapshotRestore.intoDataDir(dir.resolve("good"), target, b -> { }));
      assertTrue(refused.getMessage().contains("is not empty"), refused::getMessage);

      // Admin only.
      Http.Response created = admin.post("/v1/tokens", new JsonObject().put("name", "w")
          .put("roles", new JsonArray().add(new JsonObject().put("role", "write").put("prefix", ""))).encode());
      assertEquals(403, admin.as(created.json().getString("token")).get("/v1/snapshot").status());
    } finally {
      TempFiles.delete(dir);
    }
  }
}
