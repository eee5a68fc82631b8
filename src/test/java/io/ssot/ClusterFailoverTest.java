package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole failover (SPEC section 9) under load: three nodes (with Redis, and without), {@code sync} writes
 * through every node from a thread each (followers forward to the leader), a WebSocket and an SSE
 * watcher on each follower, and {@code kill -9} of the leader mid-load. A survivor takes writes
 * within 5 s; every acknowledged write is on both survivors at the revision it was acknowledged
 * with; the watchers saw each revision once, in order, on the connection they opened; the killed
 * node, restarted on its data directory, converges to the same state.
 */
@ExtendWith(VertxExtension.class)
class ClusterFailoverTest {

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  @RegisterExtension
  final ClusterNodes cluster = new ClusterNodes(pg);

  /** @param redis whether followers get commits through Redis, or from PostgreSQL alone (every 200 ms) */
  @ParameterizedTest(name = "redis {0}")
  @ValueSource(booleans = {true, false})
  void killingTheLeaderUnderLoadLosesNoAcknowledgedWriteAndWatchersMissNothing(boolean redis, Vertx vertx)
      throws Exception {
    List<ChildServer> nodes = new ArrayList<>();
    for (String id : List.of("n1", "n2", "n3")) {
      ClusterNodes.Node node = cluster.node(id);
      nodes.add(redis ? node.redis().start() : node.start());
    }
    cluster.awaitReady(nodes);
    ChildServer leader = cluster.awaitOneLeader(nodes);
    List<ChildServer> survivors = nodes.stream().filter(n -> n != leader).toList();
    List<PrefixWatch> watchers = new ArrayList<>();
    for (ChildServer s : survivors) {
      cluster.awaitLeaderKnown(s);
      watchers.add(new PrefixWatch(vertx, s.port, "load/", 1));
    }

    WriteLoad load = new WriteLoad(vertx, "load/", nodes.stream().map(n -> n.port).toList(), 0).start();
    try {
      Thread.sleep(2000);
      int ackedBeforeKill = load.acked.size();
      leader.process.destroyForcibly();
      long killedAt = System.nanoTime();
      assertTrue(leader.process.waitFor(20, TimeUnit.SECONDS));
      // The writers on the survivors go on through the failover, until they have taken writes for 2 s.
      long deadline = killedAt + TimeUnit.SECONDS.toNanos(30);
      long firstAfterKill = -1;
      while (System.nanoTime() < deadline) {
        firstAfterKill = load.acked.stream().filter(a -> a.sentNanos() > killedAt)
            .mapToLong(WriteLoad.Ack::ackedNanos).min().orElse(-1);
        if (firstAfterKill > 0 && System.nanoTime() - firstAfterKill > TimeUnit.SECONDS.toNanos(2)) {
          break;
        }
        Thread.sleep(100);
      }
      load.stop();
      assertTrue(firstAfterKill > 0, "a survivor acknowledged a write after the kill");
      long tookMillis = (firstAfterKill - killedAt) / 1_000_000;
      System.out.printf("kill -9 of the leader under load (redis %s) to the first write a survivor acknowledged: "
          + "%d ms; %d writes acknowledged before the kill, %d in all, %d failed%n", redis, tookMillis, ackedBeforeKill,
          load.acked.size(), load.failed.size());
      assertTrue(ackedBeforeKill > 10, "the load made progress before the kill: " + ackedBeforeKill);
      assertTrue(tookMillis < 5_000, "a survivor acknowledged a write within 5 s of the kill: " + tookMillis);
    } finally {
      load.stop();
    }

    long last = load.lastAcked();
    assertEquals(last, PgMirror.persistedRevision(pg.db()), "sync: the last acknowledged write is PostgreSQL's last");
    for (ChildServer s : survivors) {
      cluster.awaitRevision(s, last);
      load.assertHeldBy(vertx, s);
    }
    // Every revision PostgreSQL holds under load/: the acknowledged ones and any write whose answer
    // was lost in the kill but that was committed.
    List<Long> expected = pg.db().rows("SELECT revision FROM ssot_history WHERE key LIKE 'load/%' ORDER BY revision")
        .stream().map(row -> ((Number) row.get(0)).longValue()).toList();
    assertTrue(expected.containsAll(load.acked.stream().map(WriteLoad.Ack::revision).toList()));
    for (PrefixWatch w : watchers) {
      w.assertSawExactly(expected);
      w.close();
    }
    for (String key : load.failed) {
      assertTrue(pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key = ?", key) <= 1,
          key + " (a failed write) is at one revision at most");
    }

    // The killed leader comes back on its data directory and follows to the same state.
    ChildServer back = cluster.restart(leader);
    back.awaitReady(vertx);
    cluster.awaitRevision(back, last);
    load.assertHeldBy(vertx, back);
    try (Http a = new Http(vertx, survivors.get(0).port); Http b = new Http(vertx, survivors.get(1).port);
         Http c = new Http(vertx, back.port)) {
      for (String key : load.failed) {
        JsonArray onA = a.get("/v1/history/" + key).json().getJsonArray("items");
        assertTrue(onA.size() <= 1, key + " at one revision at most: " + onA);
        assertEquals(onA, b.get("/v1/history/" + key).json().getJsonArray("items"), key);
        assertEquals(onA, c.get("/v1/history/" + key).json().getJsonArray("items"), key);
      }
      assertEquals(last, a.get("/v1/cluster").json().getJsonObject("self").getLong("appliedRevision"));
      assertEquals(last, c.get("/v1/cluster").json().getJsonObject("self").getLong("appliedRevision"),
          "the restarted node is at the cluster's revision");
    }
    assertEquals(2, pg.db().scalar("SELECT term FROM ssot_cluster_term"), "one takeover after the first");
  }
}
