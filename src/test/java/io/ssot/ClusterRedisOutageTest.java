package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Redis only speeds delivery (SPEC section 9): three nodes under a steady write load, Redis
 * reached through a proxy per node. With the followers' Redis cut (or every node's) they follow
 * PostgreSQL, within 2 s of the leader, and go back to the stream once it is restored; a follower paused until the
 * stream is trimmed past it catches up from PostgreSQL. A WebSocket and an SSE watcher on each
 * follower see every revision once, in order, on one connection.
 */
@ExtendWith(VertxExtension.class)
class ClusterRedisOutageTest {

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  @RegisterExtension
  final ClusterNodes cluster = new ClusterNodes(pg);

  /** One follower's /health/ready, sampled: it held {@code revision} by {@code atNanos}. */
  private record Sample(long atNanos, long revision, String redis, long appliedFromStream) {
  }

  /** @param cut whose Redis is cut: the followers', or every node's (the leader cannot publish either) */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"followers", "all"})
  void followersCutOffFromRedisFollowPostgresAndReturnToTheStream(String cut, Vertx vertx) throws Exception {
    // The default poll interval: what a follower cut off from Redis falls back to.
    List<ChildServer> nodes = new ArrayList<>();
    for (String id : List.of("n1", "n2", "n3")) {
      nodes.add(cluster.node(id).redisProxy().env("SSOT_CLUSTER_POLL_INTERVAL", "1s").start());
    }
    cluster.awaitReady(nodes);
    ChildServer leader = cluster.awaitOneLeader(nodes);
    List<ChildServer> followers = nodes.stream().filter(n -> n != leader).toList();
    List<ChildServer> cutOff = cut.equals("all") ? nodes : followers;
    List<PrefixWatch> watchers = new ArrayList<>();
    for (ChildServer f : followers) {
      watchers.add(new PrefixWatch(vertx, f.port, "steady/", 1));
    }
    try (WriteLoad load = new WriteLoad(vertx, "steady/", List.of(leader.port), 20).start()) {
      long streamedBeforeCut = 0;
      for (ChildServer f : followers) {
        JsonObject check = cluster.awaitCheck(f, "cluster", c -> c.getLong("appliedFromStream") >= 10);
        streamedBeforeCut += check.getLong("appliedFromStream");
      }

      for (ChildServer n : cutOff) {
        cluster.redisProxy(n).cut();
      }
      long cutAt = System.nanoTime();
      long sampledUntil = cutAt + TimeUnit.SECONDS.toNanos(6);
      List<List<Sample>> samples = sampleFollowers(followers, sampledUntil);
      long maxLagMillis = 0;
      List<Long> streamedWhileDown = new ArrayList<>();
      for (List<Sample> follower : samples) {
        // Redis is down for the follower from its first sample that says so; from then on nothing
        // comes through the stream.
        List<Sample> down = follower.stream().dropWhile(x -> !"down".equals(x.redis())).toList();
        assertTrue(down.size() > 0 && down.get(0).atNanos() < cutAt + TimeUnit.SECONDS.toNanos(2),
            "the follower says Redis is down: " + follower);
        for (Sample x : down) {
          assertEquals("down", x.redis(), "the proxy stays cut: " + follower);
          assertEquals(down.get(0).appliedFromStream(), x.appliedFromStream(), "nothing came through the stream");
        }
        streamedWhileDown.add(down.get(0).appliedFromStream());
        // Every write acknowledged after the cut that the sampling could see applied within 2 s.
        for (WriteLoad.Ack a : load.acked) {
          if (a.ackedNanos() < cutAt || a.ackedNanos() > sampledUntil - TimeUnit.SECONDS.toNanos(2)) {
            continue;
          }
          Sample held = follower.stream().filter(x -> x.revision() >= a.revision()).findFirst().orElse(null);
          assertTrue(held != null, "a follower never applied revision " + a.revision() + ": " + follower);
          maxLagMillis = Math.max(maxLagMillis, (held.atNanos() - a.ackedNanos()) / 1_000_000);
        }
      }
      System.out.printf("Redis cut off from %s: followers at most %d ms behind the leader's acknowledgement "
          + "(%d commits streamed before the cut)%n", cut, maxLagMillis, streamedBeforeCut);
      assertTrue(maxLagMillis < 2_000, "a follower cut off from Redis stays within 2 s: " + maxLagMillis);

      if (cut.equals("all")) {
        JsonObject publishing = cluster.awaitCheck(leader, "cluster", c -> true);
        assertEquals("down", publishing.getString("redis"), "the leader cannot publish: " + publishing.encode());
      }
      for (ChildServer n : cutOff) {
        cluster.redisProxy(n).restore();
      }
      long ackedAtRestore = load.lastAcked();
      cluster.awaitCheck(leader, "cluster", c -> "up".equals(c.getString("redis"))
          && c.getLong("publishedRevision") >= ackedAtRestore);
      for (int i = 0; i < followers.size(); i++) {
        long before = streamedWhileDown.get(i);
        JsonObject back = cluster.awaitCheck(followers.get(i), "cluster",
            c -> "up".equals(c.getString("redis")) && c.getLong("appliedFromStream") >= before + 10);
        System.out.println("a follower back on the stream: " + back.encode());
      }
      load.stop();
      assertTrue(load.failed.isEmpty(), "the leader took every write: " + load.failed);
      assertHeldOnceAndWatchedByAll(vertx, load, followers, watchers);
    }
  }

  @Test
  void aFollowerPausedUntilTheStreamIsTrimmedPastItCatchesUpFromPostgres(Vertx vertx) throws Exception {
    // Polling every 30 s: the catch-up comes from the follower noticing the trim, not the poll.
    List<ChildServer> nodes = new ArrayList<>();
    for (String id : List.of("n1", "n2", "n3")) {
      nodes.add(cluster.node(id).redis().env("SSOT_CLUSTER_REDIS_STREAM_LENGTH", "10")
          .env("SSOT_CLUSTER_POLL_INTERVAL", "30s").start());
    }
    cluster.awaitReady(nodes);
    ChildServer leader = cluster.awaitOneLeader(nodes);
    List<ChildServer> followers = nodes.stream().filter(n -> n != leader).toList();
    ChildServer paused = followers.get(0);
    List<PrefixWatch> watchers = new ArrayList<>();
    for (ChildServer f : followers) {
      watchers.add(new PrefixWatch(vertx, f.port, "trim/", 1));
    }
    Redis redis = Redis.createClient(vertx, ClusterNodes.REDIS);
    try (WriteLoad load = new WriteLoad(vertx, "trim/", List.of(leader.port, leader.port), 0).start()) {
      cluster.awaitCheck(paused, "cluster", c -> c.getLong("appliedFromStream") >= 5);
      long catchUpsBefore = cluster.awaitCheck(paused, "cluster", c -> true).getLong("streamCatchUps");
      signal("STOP", paused);
      long pausedAt;
      long frozen;
      try {
        frozen = load.lastAcked();
        pausedAt = System.nanoTime();
        // MAXLEN ~ trims whole stream nodes (100 entries): writes go on until the stream's first
        // entry is beyond what the paused follower can have applied.
        long deadline = pausedAt + TimeUnit.SECONDS.toNanos(40);
        long first = 0;
        while (first <= frozen + 10 && System.nanoTime() < deadline) {
          Thread.sleep(200);
          Response oldest = redis.send(Request.cmd(Command.XRANGE).arg(cluster.streamKey()).arg("-").arg("+")
              .arg("COUNT").arg(1)).await();
          first = oldest.size() == 0 ? 0 : Long.parseLong(oldest.get(0).get(0).toString().split("-")[0]);
        }
        // The follower may hold the writes in flight at the pause, a few beyond the last acknowledged.
        assertTrue(first > frozen + 10, "the stream was trimmed past the paused follower: it starts at " + first
            + ", the follower had at most " + frozen);
      } finally {
        signal("CONT", paused);
      }
      System.out.printf("paused a follower for %d ms at revision <= %d; the stream now starts beyond it%n",
          (System.nanoTime() - pausedAt) / 1_000_000, frozen);
      long target = load.lastAcked();
      long resumed = System.nanoTime();
      cluster.awaitRevision(paused, target);
      long caughtUpMillis = (System.nanoTime() - resumed) / 1_000_000;
      JsonObject check = cluster.awaitCheck(paused, "cluster", c -> true);
      System.out.printf("the resumed follower had revision %d after %d ms: %s%n", target, caughtUpMillis,
          check.encode());
      assertTrue(check.getLong("streamCatchUps") > catchUpsBefore, "it caught up from PostgreSQL: " + check.encode());
      assertTrue(caughtUpMillis < 10_000, "well before the 30 s poll: " + caughtUpMillis);
      load.stop();
      assertTrue(load.failed.isEmpty(), "the leader took every write: " + load.failed);
      assertHeldOnceAndWatchedByAll(vertx, load, followers, watchers);
    } finally {
      redis.close();
    }
  }

  /** Samples each follower's /health/ready every 100 ms until {@code untilNanos}. */
  private List<List<Sample>> sampleFollowers(List<ChildServer> followers, long untilNanos)
      throws InterruptedException {
    List<List<Sample>> samples = new ArrayList<>();
    followers.forEach(f -> samples.add(new ArrayList<>()));
    while (System.nanoTime() < untilNanos) {
      for (int i = 0; i < followers.size(); i++) {
        JsonObject checks = WriteBehindCrashTest.ready(cluster.vertx(), followers.get(i).port);
        if (checks != null) {
          JsonObject c = checks.getJsonObject("cluster");
          samples.get(i).add(new Sample(System.nanoTime(), checks.getJsonObject("store").getLong("revision"),
              c.getString("redis"), c.getLong("appliedFromStream")));
        }
      }
      Thread.sleep(100);
    }
    return samples;
  }

  /**
   * Every acknowledged write is on each follower once, at its revision, and each follower's
   * watchers saw every revision PostgreSQL holds under the load's prefix once, in order.
   */
  private void assertHeldOnceAndWatchedByAll(Vertx vertx, WriteLoad load, List<ChildServer> followers,
                                             List<PrefixWatch> watchers) throws InterruptedException {
    long last = load.lastAcked();
    assertEquals(last, PgMirror.persistedRevision(pg.db()));
    String prefix = load.acked.get(0).key().substring(0, load.acked.get(0).key().indexOf('/') + 1);
    List<Long> expected = pg.db().rows("SELECT revision FROM ssot_history WHERE key LIKE ? ORDER BY revision",
        prefix + "%").stream().map(row -> ((Number) row.get(0)).longValue()).toList();
    assertEquals(load.acked.stream().map(WriteLoad.Ack::revision).sorted().toList(), expected,
        "PostgreSQL holds the acknowledged writes");
    for (int i = 0; i < followers.size(); i++) {
      cluster.awaitRevision(followers.get(i), last);
      load.assertHeldBy(vertx, followers.get(i));
      watchers.get(i).assertSawExactly(expected);
      watchers.get(i).close();
    }
  }

  /** {@code kill -<signal>} of the node's process (STOP pauses it as a long GC or a frozen VM would, CONT resumes it). */
  private static void signal(String signal, ChildServer node) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.process.pid())).inheritIO().start();
    assertEquals(0, kill.waitFor(), "kill -" + signal);
  }
}
