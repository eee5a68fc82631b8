package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PostgreSQL goes away mid-load (every connection to it cut, new ones refused) and comes back:
 * writes go on locally meanwhile, readiness shows it down with the outbox growing, sync writes
 * are refused with 503 and Retry-After, and once it is back the outbox drains by itself, with
 * every revision in PostgreSQL exactly once.
 */
@ExtendWith(VertxExtension.class)
class PostgresOutageTest {

  @RegisterExtension
  final ServerExtension server = ServerExtension.builder().postgresThroughProxy()
      .setting("pg.circuitResetTimeout", "500ms").setting("pg.syncTimeout", "2s").setting("shutdown.timeout", "2s")
      .build();

  @Test
  void writesGoOnWhilePostgresIsCutOffAndDrainAfter(Vertx vertx) throws Exception {
    outage(vertx, server.proxy()::cut);
  }

  /**
   * Stopping while PostgreSQL is partitioned away ends within the shutdown timeout and its grace
   * period, with a clean store whose outbox the next start drains.
   */
  @Test
  void aStopDuringAPartitionEndsAndTheNextStartDrains(Vertx vertx) throws Exception {
    Http http = new Http(vertx, server.port());
    assertEquals(201, http.put("/v1/kv/part/a", "1").status());
    server.proxy().blackhole();
    assertEquals(201, http.put("/v1/kv/part/b", "2").status());
    long revision = server.server().store().revision();
    http.close();
    long started = System.nanoTime();
    server.stop();
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    // The budget is shutdown.timeout (2 s) plus 2 s of grace; a stop that waited for the stalled
    // PostgreSQL connections would take minutes. The slack is for a loaded machine.
    assertTrue(tookMillis < 10_000, "stop took " + tookMillis + " ms");
    assertTrue(java.nio.file.Files.exists(server.dataDir().resolve("clean-shutdown")), "closed cleanly");

    server.proxy().restore();
    server.restart();
    for (int i = 0; i < 100 && server.server().store().revision() > persisted(); i++) {
      Thread.sleep(50);
    }
    assertEquals(revision, persisted(), "the outbox left at the stop drained after the restart");
  }

  /**
   * PostgreSQL stalls (connections accepted, nothing answered) while nothing is written, so the
   * write-behind has no batch to fail: readiness still shows it down within about
   * pg.healthTimeout (2 s; the bound is generous for a loaded machine), and up again once it answers.
   */
  @Test
  void readinessShowsAStalledPostgresWhileIdle(Vertx vertx) throws Exception {
    try (Http http = new Http(vertx, server.port())) {
      await(http, pg -> "up".equals(pg.getString("status")), 15, "PostgreSQL shows up");
      server.proxy().blackhole();
      long stalled = System.nanoTime();
      JsonObject down = await(http, pg -> "down".equals(pg.getString("status")), 10, "a stalled PostgreSQL shows down");
      System.out.printf("readiness showed the stall after %d ms: %s%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stalled), down.encode());
      assertEquals("closed", down.getString("circuit"), "nothing was written: the probe, not the circuit, told");
      server.proxy().restore();
      await(http, pg -> "up".equals(pg.getString("status")), 20, "PostgreSQL shows up again once it answers");
    }
  }

  private long persisted() {
    return ((Number) server.db().rows("SELECT persisted_revision FROM ssot_state").get(0).get(0)).longValue();
  }

  /** A partition rather than refused connections: nothing answers, nothing fails fast. */
  @Test
  void writesGoOnDuringAPartitionAndDrainAfter(Vertx vertx) throws Exception {
    outage(vertx, server.proxy()::blackhole);
  }

  private void outage(Vertx vertx, Runnable cut) throws Exception {
    Load load = new Load(vertx, server.port(), 4);
    try (Http http = new Http(vertx, server.port())) {
      Thread.sleep(700);
      cut.run();
      long cutAt = server.server().store().revision();
      int acksAtCut = load.acks.size();

      long cutNanos = System.nanoTime();
      // Readiness may say down first (the probe); the circuit opens once batches have failed.
      JsonObject down = await(http,
          pg -> "down".equals(pg.getString("status")) && "open".equals(pg.getString("circuit")), 20, "the circuit opens");
      System.out.printf("the circuit opened %d ms after the cut%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutNanos));
      assertEquals("open", down.getString("circuit"), down::encode);
      assertNotNull(down.getString("lastError"), down::encode);

      Http.Response sync = http.put("/v1/kv/outage/sync?durability=sync", "{\"sync\":true}");
      assertEquals(503, sync.status(), sync::toString);
      assertNotNull(sync.header("Retry-After"), "Retry-After on " + sync);
      assertTrue(sync.header("Content-Type").startsWith("application/problem+json"), sync::toString);

      long depth = down.getLong("outboxDepth");
      JsonObject growing = await(http, pg -> pg.getLong("outboxDepth") > depth + 50, 10, "the outbox grows");
      assertEquals("down", growing.getString("status"), growing::encode);
      assertTrue(load.acks.size() > acksAtCut + 50, "writes are acknowledged during the outage");
      assertTrue(load.failures.isEmpty(), "no local write is refused during the outage: " + load.failures);
      System.out.printf("outage: cut at revision %d, outbox %d -> %d; sync write answered %s%n", cutAt, depth,
          growing.getLong("outboxDepth"), sync);

      server.proxy().restore();
      Thread.sleep(300);
      load.stop();
      long revision = server.server().store().revision();
      long started = System.nanoTime();
      JsonObject drained = await(http, pg -> pg.getLong("persistedRevision") >= revision
          && pg.getLong("outboxDepth") == 0 && "up".equals(pg.getString("status")), 15,
          "the outbox drains and readiness shows PostgreSQL up once it is back");
      System.out.printf("drained %d revisions in %d ms after the load stopped; %d writes acknowledged%n", revision,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), load.acks.size());
      assertTrue(load.failures.isEmpty(), "no write refused: " + load.failures);

      PgMirror.assertAcknowledged(new ArrayList<>(load.acks), server.db(), "after the outage");
      PgMirror.assertMirrors(server.server().store(), server.db(), "after the outage");

      Http.Response after = http.put("/v1/kv/outage/after?durability=sync", "{\"after\":true}");
      assertEquals(201, after.status(), after::toString);
      assertEquals(1, server.db().scalar("SELECT count(*) FROM ssot_history WHERE revision = ? AND key = 'outage/after'",
          after.json().getLong("revision")), "a sync write is in PostgreSQL when answered");
    } finally {
      load.stop();
    }
  }

  /** Polls the postgres check of /health/ready until {@code done}; returns it. */
  static JsonObject await(Http http, Predicate<JsonObject> done, int seconds, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    JsonObject pg = null;
    while (System.nanoTime() < deadline) {
      pg = http.get("/health/ready").json().getJsonObject("checks").getJsonObject("postgres");
      if (done.test(pg)) {
        return pg;
      }
      Thread.sleep(50);
    }
    fail(what + " within " + seconds + " s: " + pg);
    return null;
  }

  /** Threads, one connection each, writing local puts, deletes and transactions until stopped. */
  static final class Load {
    final Queue<CrashRecoveryTest.Ack> acks = new ConcurrentLinkedQueue<>();
    final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    Load(Vertx vertx, int port, int connections) {
      for (int t = 0; t < connections; t++) {
        int id = t;
        Thread thread = new Thread(() -> {
          try (Http http = new Http(vertx, port)) {
            Random random = new Random(id);
            for (int i = 0; !stopped.get(); i++) {
              write(http, random, id, i);
            }
          } catch (RuntimeException e) {
            failures.add(e.toString());
          }
        }, "load-" + t);
        threads.add(thread);
        thread.start();
      }
    }

    private void write(Http http, Random random, int t, int i) {
      String value = new JsonObject().put("t", t).put("i", i).encode();
      int dice = random.nextInt(100);
      String hot = "hot/" + random.nextInt(8);
      if (dice < 75) {
        String key = dice < 50 ? "load/t" + t + "/k" + i : hot;
        Http.Response r = http.put("/v1/kv/" + key, value);
        if (check(r, "put " + key, 200, 201)) {
          acks.add(new CrashRecoveryTest.Ack(key, r.json().getLong("revision"), value));
        }
      } else if (dice < 85) {
        Http.Response r = http.delete("/v1/kv/" + hot);
        if (check(r, "delete " + hot, 200, 404) && r.status() == 200) {
          acks.add(new CrashRecoveryTest.Ack(hot, r.json().getLong("revision"), null));
        }
      } else {
        String a = "txn/t" + t + "/a";
        String b = "txn/t" + t + "/b";
        boolean deleteB = i % 2 == 1;
        String body = new JsonObject().put("compare", new JsonArray())
            .put("success", new JsonArray()
                .add(new JsonObject().put("op", "put").put("key", a).put("value", new JsonObject(value)))
                .add(deleteB ? new JsonObject().put("op", "delete").put("key", b)
                    : new JsonObject().put("op", "put").put("key", b).put("value", new JsonObject(value))))
            .put("failure", new JsonArray()).encode();
        Http.Response r = http.post("/v1/txn", body);
        if (check(r, "txn", 200)) {
          long rev = r.json().getLong("revision");
          acks.add(new CrashRecoveryTest.Ack(a, rev, value));
          if (!deleteB) {
            acks.add(new CrashRecoveryTest.Ack(b, rev, value));
          } else if (r.json().getJsonArray("results").getJsonObject(1).getBoolean("deleted", false)) {
            acks.add(new CrashRecoveryTest.Ack(b, rev, null));
          }
        }
      }
    }

    private boolean check(Http.Response r, String what, int... accepted) {
      for (int status : accepted) {
        if (r.status() == status) {
          return true;
        }
      }
      failures.add(what + " answered " + r);
      return false;
    }

    void stop() throws InterruptedException {
      stopped.set(true);
      for (Thread t : threads) {
        t.join(10_000);
      }
    }
  }
}
