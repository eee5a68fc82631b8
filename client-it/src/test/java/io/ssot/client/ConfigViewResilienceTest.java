package io.ssot.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.testsupport.LoopbackPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A view through what happens to servers: a graceful restart, a kill -9 (the data directory kept,
 * the same port), a move to another endpoint, and a compaction while the view was away. Each
 * time the view resumes with no gap and no duplicate, or re-lists and says so once.
 */
class ConfigViewResilienceTest {

  private static final Map<String, String> QUICK_STOP = Map.of("SSOT_SHUTDOWN_TIMEOUT", "2s");

  @TempDir
  Path dir;

  @Test
  void viewResumesThroughRestartAndKill9() throws Exception {
    ServerProcess server = ServerProcess.start(dir.resolve("data"), LoopbackPorts.free(), QUICK_STOP);
    try (SsotClient client = server.client().retryBudget(Duration.ofSeconds(30)).build()) {
      ConfigView view = client.view("app/");
      assertTrue(view.awaitReady(Duration.ofSeconds(10)));
      Recorder rec = new Recorder();
      view.onPrefix("app/", rec);
      List<Long> written = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        written.add(client.put("app/k" + (i % 3), i).revision());
      }

      server.stop();
      server.restart();
      // Written before the view is back: the resume must replay them.
      for (int i = 10; i < 20; i++) {
        written.add(client.put("app/k" + (i % 3), i).revision());
      }
      written.add(client.delete("app/k0").revision());
      long afterRestart = written.get(written.size() - 1);
      Recorder.await("the view after the restart", 20_000, () -> view.revision() >= afterRestart);

      server.kill9();
      server.restart();
      for (int i = 20; i < 30; i++) {
        written.add(client.put("app/k" + (i % 3), i).revision());
      }
      long afterKill = written.get(written.size() - 1);
      Recorder.await("the view after the kill", 20_000, () -> view.revision() >= afterKill
          && !rec.revisions().isEmpty() && rec.revisions().get(rec.revisions().size() - 1) == afterKill);

      rec.assertOrderedOnce();
      rec.assertSawExactly(written);
      assertEquals(List.of(), rec.resyncs());
      assertEquals(serverState(client, "app/"), view.snapshot().values());
    } finally {
      server.close();
    }
  }

  @Test
  void aSilentConnectionIsTakenForLostAndReplaced() throws Exception {
    try (ServerProcess server = ServerProcess.start(dir.resolve("data"), LoopbackPorts.free(), QUICK_STOP);
         FreezingProxy proxy = new FreezingProxy(server.port);
         SsotClient direct = server.client().build();
         SsotClient client = SsotClient.builder().endpoints("http://127.0.0.1:" + proxy.port())
             .token(ServerProcess.TOKEN).watchIdleTimeout(Duration.ofSeconds(1)).build()) {
      ConfigView view = client.view("cut/");
      assertTrue(view.awaitReady(Duration.ofSeconds(10)));
      Recorder rec = new Recorder();
      view.onPrefix("", rec);
      List<Long> written = new ArrayList<>();
      written.add(direct.put("cut/a", 1).revision());
      Recorder.await("the first change", 10_000, () -> view.revision() >= written.get(0));

      // The watch socket stays open but carries nothing: only the silence tells.
      proxy.freezeOpenConnections();
      for (int i = 2; i < 6; i++) {
        written.add(direct.put("cut/a", i).revision());
      }
      long last = written.get(written.size() - 1);
      Recorder.await("the view over a new connection", 15_000, () -> view.revision() >= last);
      rec.awaitTold(last, 10_000);
      rec.assertOrderedOnce();
      rec.assertSawExactly(written);
      assertEquals(5, view.getInt("cut/a", "", 0));
    }
  }

  @Test
  void clientAndViewFailOverToAnotherEndpoint() throws Exception {
    int portA = LoopbackPorts.free();
    int portB = LoopbackPorts.free();
    ServerProcess a = ServerProcess.start(dir.resolve("data"), portA, QUICK_STOP);
    ServerProcess b = null;
    try (SsotClient client = SsotClient.builder().endpoints("http://127.0.0.1:" + portA, "http://127.0.0.1:" + portB)
        .token(ServerProcess.TOKEN).retryBudget(Duration.ofSeconds(30)).build()) {
      ConfigView view = client.view("fo/");
      assertTrue(view.awaitReady(Duration.ofSeconds(10)));
      Recorder rec = new Recorder();
      view.onPrefix("", rec);
      List<Long> written = new ArrayList<>();
      written.add(client.put("fo/x", 1).revision());
      Recorder.await("the first change", 10_000, () -> view.revision() >= written.get(0));

      a.stop();
      b = a.moveTo(portB);
      // The client finds B on its own: A refuses connections.
      for (int i = 2; i < 12; i++) {
        written.add(client.put("fo/x", i).revision());
      }
      assertEquals(11, client.get("fo/x").orElseThrow().value().asInt());
      long last = written.get(written.size() - 1);
      Recorder.await("the view on B", 20_000, () -> view.revision() >= last);
      rec.awaitTold(last, 10_000);
      rec.assertOrderedOnce();
      rec.assertSawExactly(written);
      assertEquals(11, view.getInt("fo/x", "", 0));
    } finally {
      a.close();
      if (b != null) {
        b.close();
      }
    }
  }

  @Test
  void compactionWhileAwayMakesTheViewListAgainAndSayItOnce() throws Exception {
    Map<String, String> compacting = Map.of("SSOT_CHANGELOG_SEGMENT_BYTES", "64KiB",
        "SSOT_CHANGELOG_RETENTION_REVISIONS", "1", "SSOT_CHANGELOG_RETENTION_AGE", "0ms",
        "SSOT_CHANGELOG_COMPACT_INTERVAL", "100ms", "SSOT_SHUTDOWN_TIMEOUT", "2s");
    int port = LoopbackPorts.free();
    ServerProcess server = ServerProcess.start(dir.resolve("data"), port, compacting);
    ServerProcess away = null;
    try (SsotClient client = server.client().build()) {
      client.put("cp/gone", 1);
      client.put("cp/kept", 1);
      ConfigView view = client.view("cp/");
      assertTrue(view.awaitReady(Duration.ofSeconds(10)));
      Recorder rec = new Recorder();
      view.onPrefix("cp/", rec);
      long seen = client.put("cp/kept", 2).revision();
      Recorder.await("the view at " + seen, 10_000, () -> view.revision() >= seen);

      // The view's server goes away; the same data is served elsewhere, written and compacted.
      server.stop();
      away = server.moveTo(LoopbackPorts.free());
      try (SsotClient other = away.client().build()) {
        other.delete("cp/gone");
        String big = "x".repeat(16 << 10);
        for (int i = 0; i < 24; i++) {
          other.put("cp/big", big + i);
        }
        other.put("cp/new", "n");
        awaitCompactedPast(other, seen + 1);
      }
      away.stop();
      away = null;
      server.restart();

      Recorder.await("the re-listing", 20_000, () -> !rec.resyncs().isEmpty());
      Change resync = rec.resyncs().get(0);
      Map<String, JsonNode> diff = new TreeMap<>();
      resync.changes().forEach(c -> diff.put(c.key(), c.newValue()));
      assertEquals(List.of("cp/big", "cp/gone", "cp/new"), new ArrayList<>(diff.keySet()));
      assertNull(diff.get("cp/gone"));
      assertNull(view.get("cp/gone"));
      assertEquals("n", view.getString("cp/new", "", null));

      long after = client.put("cp/kept", 3).revision();
      Recorder.await("the watch after the re-listing", 10_000, () -> view.revision() >= after);
      assertEquals(3, view.getInt("cp/kept", "", 0));
      assertEquals(1, rec.resyncs().size(), "told once");
      rec.assertOrderedOnce();
      assertEquals(serverState(client, "cp/"), view.snapshot().values());
    } finally {
      server.close();
      if (away != null) {
        away.close();
      }
    }
  }

  /** Waits until a watch from {@code revision} is refused as compacted: what the view will meet. */
  private static void awaitCompactedPast(SsotClient client, long revision) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      CountDownLatch answered = new CountDownLatch(1);
      AtomicLong compactRevision = new AtomicLong(-1);
      Watch w = client.watchPrefix("cp/", revision, new WatchListener() {
        @Override
        public void onEvents(long r, List<WatchEvent> events) {
          answered.countDown();
        }

        @Override
        public void onCompacted(long c) {
          compactRevision.set(c);
          answered.countDown();
        }
      });
      answered.await(5, TimeUnit.SECONDS);
      w.close();
      if (compactRevision.get() > revision) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the change log was not compacted past " + revision);
  }

  private static Map<String, JsonNode> serverState(SsotClient client, String prefix) {
    Map<String, JsonNode> m = new TreeMap<>();
    client.list(prefix).entries().forEach(e -> m.put(e.key(), e.value()));
    return m;
  }
}
