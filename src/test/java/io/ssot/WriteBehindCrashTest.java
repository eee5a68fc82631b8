package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ssot.store.DataDir;
import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a server writing behind to PostgreSQL, under concurrent puts, deletes and
 * transactions. After a restart on the same data directory and once the outbox has drained,
 * PostgreSQL holds every acknowledged write at its revision, with its value and principal, and
 * exactly what the local change log committed: nothing more, nothing twice, nothing missing.
 */
@ExtendWith(VertxExtension.class)
class WriteBehindCrashTest {

  /** The child's sizing, as CrashRecoveryTest's children are sized. */
  private static final DataDir.Options OPTIONS = new DataDir.Options(20_000, 512, 1 << 20);

  @TempDir
  Path work;

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  @Test
  void acknowledgedWritesReachPostgresAfterSigkill(Vertx vertx) throws Exception {
    long seed = Long.getLong("ssot.crash.seed", System.nanoTime());
    System.out.println("WriteBehindCrashTest seed " + seed + " (rerun with -Dssot.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    Path data = work.resolve("data");
    List<CrashRecoveryTest.Ack> acks = new ArrayList<>();

    ChildServer first = startChild(data, "child-1.log");
    CrashRecoveryTest.Load load = null;
    try {
      first.awaitReady(vertx);
      load = new CrashRecoveryTest.Load(vertx, first.port, 1, random.nextLong());
      load.start();
      long started = System.nanoTime();
      Thread.sleep(1000 + random.nextInt(2001));
      // However slowly a loaded machine writes, the load makes progress before the kill (checked
      // below), as in CrashRecoveryTest: go on until then, for at most 30 s more.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (load.acks.size() <= 50 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      long killAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      JsonObject before = ready(vertx, first.port);
      first.process.destroyForcibly();
      assertTrue(first.process.waitFor(20, TimeUnit.SECONDS), "the child died");
      assertTrue(load.awaitStopped(20_000), "every connection noticed the kill");
      System.out.printf("killed after %d ms; %d writes acknowledged; shortly before: %s%n", killAfter,
          load.acks.size(), before == null ? "?" : before.getJsonObject("postgres"));
      assertTrue(load.acks.size() > 50, "the load made progress: " + load.acks.size() + "\n" + first.tail());
      assertTrue(load.failures.isEmpty(), "no write was refused before the kill: " + load.failures);
      acks.addAll(load.acks);
    } finally {
      first.kill();
      if (load != null) {
        load.close();
      }
    }

    // PostgreSQL never holds a row its high-water mark does not cover: each batch commits with it.
    long mark = PgMirror.persistedRevision(pg.db());
    long highest = pg.db().scalar("SELECT coalesce(max(revision), 0) FROM ssot_history");
    assertTrue(highest <= mark, "ssot_history reaches " + highest + " beyond persisted_revision " + mark);

    ChildServer second = startChild(data, "child-2.log");
    try {
      second.awaitReady(vertx);
      JsonObject pg = awaitDrained(vertx, second);
      System.out.printf("restarted: PostgreSQL had %d, drained to %s%n", mark, pg);
      second.process.destroy(); // a clean stop, so that the directory can be opened here
      assertTrue(second.process.waitFor(30, TimeUnit.SECONDS), "the child stopped");
    } finally {
      second.kill();
    }

    try (DataDir dir = DataDir.open(data, OPTIONS)) {
      long maxAck = acks.stream().mapToLong(CrashRecoveryTest.Ack::revision).max().orElse(0);
      assertTrue(dir.store().revision() >= maxAck, "the store has every acknowledged revision");
      PgMirror.assertAcknowledged(acks, pg.db(), "after kill -9");
      PgMirror.assertMirrors(dir.store(), pg.db(), "after kill -9");
      System.out.printf("PostgreSQL mirrors the store at revision %d; %d acknowledged writes checked%n",
          dir.store().revision(), acks.size());
    }
  }

  private ChildServer startChild(Path data, String log) throws java.io.IOException {
    Map<String, String> env = new HashMap<>();
    env.put("SSOT_DATA_DIR", data.toString());
    env.put("SSOT_PG_URL", pg.db().url());
    env.put("SSOT_HTTP_EVENT_LOOPS", "2");
    env.put("SSOT_STORE_MAX_KEYS", "20000");
    env.put("SSOT_CHANGELOG_SEGMENT_BYTES", "1MiB");
    return ChildServer.start(ChildServer.mainOnTestClasspath(), work, work.resolve(log), LoopbackPorts.free(), env);
  }

  /** {@code checks} of /health/ready, or null if it cannot be had. */
  static JsonObject ready(Vertx vertx, int port) {
    try (Http http = new Http(vertx, port)) {
      return http.get("/health/ready").json().getJsonObject("checks");
    } catch (Exception e) { // not answering (yet), refused connections included
      return null;
    }
  }

  /** Polls /health/ready until the outbox is empty; returns the postgres check. */
  private static JsonObject awaitDrained(Vertx vertx, ChildServer child) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonObject checks = null;
    while (System.nanoTime() < deadline) {
      checks = ready(vertx, child.port);
      if (checks != null && checks.getJsonObject("postgres").getLong("outboxDepth") == 0) {
        assertEquals(checks.getJsonObject("store").getLong("revision"),
            checks.getJsonObject("postgres").getLong("persistedRevision"));
        return checks.getJsonObject("postgres");
      }
      Thread.sleep(100);
    }
    fail("the outbox did not drain within 30 s: " + checks + "\n" + child.tail());
    return null;
  }
}
