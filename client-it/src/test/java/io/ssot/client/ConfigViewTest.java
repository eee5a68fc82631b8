package io.ssot.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A view against the real server: listeners under concurrent writers, the fallback file, layered properties. */
class ConfigViewTest {

  @TempDir
  Path dir;

  @Test
  void listenersSeeEveryRevisionOnceInOrderUnderConcurrentWriters() throws Exception {
    try (ServerProcess server = ServerProcess.start(dir.resolve("data"));
         SsotClient client = server.client().build()) {
      client.put("cc/seed", 0);
      ConfigView view = client.view("cc/");
      assertTrue(view.awaitReady(Duration.ofSeconds(10)));
      Recorder all = new Recorder();
      Recorder one = new Recorder();
      view.onPrefix("", all);
      view.onKey("cc/k1", one);

      ConcurrentLinkedQueue<Long> written = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Long> writtenK1 = new ConcurrentLinkedQueue<>();
      ExecutorService writers = Executors.newFixedThreadPool(4);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int writer = w;
        done.add(writers.submit(() -> {
          for (int i = 0; i < 60; i++) {
            String key = "cc/k" + ((writer + i) % 5);
            if (i % 10 == 9) { // two keys in one revision
              long r = client.txn(Txn.create().put(key, i).put("cc/t" + writer, i)).revision();
              written.add(r);
              if (key.equals("cc/k1")) {
                writtenK1.add(r);
              }
            } else if (i % 15 == 14) {
              long r = client.delete(key).revision();
              written.add(r);
              if (key.equals("cc/k1")) {
                writtenK1.add(r);
              }
              client.put(key, -1); // so that the next delete finds it; counted below
            } else {
              long r = client.put(key, Map.of("writer", writer, "i", i)).revision();
              written.add(r);
              if (key.equals("cc/k1")) {
                writtenK1.add(r);
              }
            }
            client.put("outside/" + writer, i); // never seen by the view
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      writers.shutdown();
      // The re-puts after deletes: every revision under cc/ is in the listing's history.
      long last = client.put("cc/end", true).revision();
      Recorder.await("the view to reach " + last, 20_000, () -> view.revision() >= last && !all.revisions().isEmpty()
          && all.revisions().get(all.revisions().size() - 1) == last);

      all.assertOrderedOnce();
      one.assertOrderedOnce();
      List<Long> seen = all.liveRevisions();
      assertTrue(seen.containsAll(written), "every write's revision was told");
      // Exactly the revisions under cc/: compare with the history of every key.
      List<Long> expected = new ArrayList<>();
      for (Entry e : client.list("cc/").entries()) {
        for (HistoryItem h : client.history(e.key(), 0)) {
          if (h.revision() > seen.get(0) - 1 && !expected.contains(h.revision())) {
            expected.add(h.revision());
          }
        }
      }
      expected.sort(null);
      assertEquals(expected, seen);
      assertTrue(one.liveRevisions().containsAll(writtenK1));
      for (Change c : one.changes) {
        c.changes().forEach(k -> assertEquals("cc/k1", k.key()));
      }
      // The view holds what the server holds.
      Map<String, JsonNode> server2 = new TreeMap<>();
      client.list("cc/").entries().forEach(e -> server2.put(e.key(), e.value()));
      assertEquals(server2, view.snapshot().values());
      assertNull(view.get("outside/0"));
    }
  }

  @Test
  void fallbackFileServesAStaleSnapshotWhileNoServerAnswers() throws Exception {
    Path fallback = dir.resolve("cache/payments.json");
    ServerProcess server = ServerProcess.start(dir.resolve("data"));
    try {
      long last;
      try (SsotClient client = server.client().build()) {
        client.put("fb/db", Map.of("pool", Map.of("max", 32)));
        client.put("fb/flag", true);
        ConfigView view = client.newView("fb/").fallbackFile(fallback).start();
        assertTrue(view.awaitReady(Duration.ofSeconds(10)));
        last = client.put("fb/timeout", "5s").revision();
        Recorder.await("the fallback file at " + last, 10_000, () -> {
          ViewSnapshot s = FallbackFile.read(fallback, "fb/");
          return s != null && s.revision() >= last;
        });
        assertFalse(Files.list(fallback.getParent()).anyMatch(p -> p.toString().endsWith(".tmp")));
        assertNull(FallbackFile.read(fallback, "other/"), "a file of another prefix is not taken");
      }
      server.stop();

      try (SsotClient down = server.client().startupTimeout(Duration.ofMillis(500)).build()) {
        ConfigView noFile = down.view("fb/");
        assertFalse(noFile.awaitReady(Duration.ofSeconds(1)), "nothing to serve without a server or a file");

        ConfigView view = down.newView("fb/").fallbackFile(fallback).start();
        Recorder rec = new Recorder();
        view.onPrefix("fb/", rec);
        assertTrue(view.awaitReady(Duration.ofSeconds(5)));
        assertTrue(view.stale());
        assertEquals(last, view.revision());
        assertEquals(32, view.getInt("fb/db", "/pool/max", 0));
        assertEquals(Duration.ofSeconds(5), view.getDuration("fb/timeout", "", Duration.ZERO));

        server.restart();
        Recorder.await("the view to reach the server", 20_000, () -> !view.stale());
        try (SsotClient up = server.client().build()) {
          long r = up.put("fb/flag", false).revision();
          Recorder.await("the change after the restart", 10_000, () -> view.revision() >= r);
          assertFalse(view.getBoolean("fb/flag", "", true));
          assertTrue(noFile.awaitReady(Duration.ofSeconds(10)), "the view without a file starts once a server answers");
          assertFalse(noFile.stale());
          assertFalse(noFile.getBoolean("fb/flag", "", true));
        }
        // The view's state is published before its listeners are called, on the listener thread,
        // which may still be busy with earlier work (another view's ack): wait for the call.
        Recorder.await("the listener to be told of the change", 10_000, () -> !rec.changes.isEmpty());
        rec.assertOrderedOnce();
        assertEquals(List.of(false), rec.changes.stream().map(Change::resync).toList(),
            "the listing after the stale start differed in nothing, so only the live change was told");
      }
    } finally {
      server.close();
    }
  }

  @Test
  void layeredPropertiesFollowSpringPrecedence() throws Exception {
    try (ServerProcess server = ServerProcess.start(dir.resolve("data"));
         SsotClient client = server.client().build()) {
      client.put("config/application/default/db", Map.of("pool", Map.of("max", 8, "min", 1), "url", "jdbc:default"));
      client.put("config/application/default/log/level", "info");
      client.put("config/payments/default/db", Map.of("pool", Map.of("max", 16)));
      client.put("config/application/prod/db", Map.of("url", "jdbc:prod"));
      client.put("config/payments/prod/db", Map.of("pool", Map.of("max", 32), "hosts", List.of("a", "b")));
      client.put("config/payments/dev/db", Map.of("pool", Map.of("max", 99)));
      client.put("config/billing/prod/db", Map.of("pool", Map.of("max", 77)));
      try (LayeredConfig config = client.layered("payments", "prod")) {
        assertTrue(config.awaitReady(Duration.ofSeconds(10)));
        assertEquals(32, config.getInt("db.pool.max", 0));
        assertEquals(1, config.getInt("db.pool.min", 0));
        assertEquals("jdbc:prod", config.getString("db.url", null));
        assertEquals("info", config.getString("log.level", null));
        assertEquals("b", config.getString("db.hosts[1]", null));
        assertEquals(Map.of("db.hosts[0]", "a", "db.hosts[1]", "b", "db.pool.max", "32", "db.pool.min", "1",
            "db.url", "jdbc:prod", "log.level", "info"), texts(config.properties()));

        long r = client.delete("config/payments/prod/db").revision();
        Recorder.await("the delete", 10_000, () -> config.revision() >= r);
        assertEquals(16, config.getInt("db.pool.max", 0));
        assertNull(config.get("db.hosts[0]"));
      }
    }
  }

  private static Map<String, String> texts(Map<String, JsonNode> props) {
    Map<String, String> out = new TreeMap<>();
    props.forEach((k, v) -> out.put(k, v.asText()));
    return out;
  }

  @Test
  void readsOfAbsentKeysGiveDefaultsAndABadBindingIsAnError() throws Exception {
    try (ServerProcess server = ServerProcess.start(dir.resolve("data"));
         SsotClient client = server.client().build()) {
      ConfigView view = client.view("empty/");
      assertTrue(view.awaitReady(Duration.ofSeconds(10)));
      assertNull(view.get("empty/x"));
      assertEquals(3, view.getInt("empty/x", "/a", 3));
      assertThrows(IllegalArgumentException.class, () -> {
        client.put("empty/x", "text");
        Recorder.await("x", 5000, () -> view.get("empty/x") != null);
        view.as("empty/x", Map.class);
      });
    }
  }
}
