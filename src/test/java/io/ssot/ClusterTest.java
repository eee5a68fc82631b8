package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cluster mode (SPEC section 9), without Redis but for the fencing case, which runs with it too: nodes as child JVMs with their own ports and data
 * directories on one fresh PostgreSQL database. One leader; followers apply its writes from
 * PostgreSQL and forward writes to it; {@code kill -9} of the leader hands the lock
 * to a survivor that holds every acknowledged write; a leader cut off from PostgreSQL is fenced:
 * none of its later batches lands, and it stops taking writes.
 */
@ExtendWith(VertxExtension.class)
class ClusterTest {

  private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  @RegisterExtension
  final ClusterNodes cluster = new ClusterNodes(pg);

  @Test
  void oneLeaderFollowersApplyItsWritesAndForwardTheirOwn(Vertx vertx) throws Exception {
    // Leadership must stay put for this test's checks: a lease long enough that three JVMs starting
    // on a loaded machine do not let it lapse (the failover tests keep the default).
    Map<String, String> steady = Map.of("SSOT_CLUSTER_LEASE_TIMEOUT", "10s");
    List<ChildServer> nodes = List.of(cluster.node("n1").env(steady).start(), cluster.node("n2").env(steady).start(),
        cluster.node("n3").env(steady).start());
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = cluster.awaitOneLeader(nodes);
    Map<String, Long> acked = new LinkedHashMap<>();
    try (Http http = new Http(vertx, leader.port)) {
      for (int i = 0; i < 20; i++) {
        Http.Response r = http.put("/v1/kv/app/k" + i, "{\"n\":" + i + "}");
        assertEquals(201, r.status(), r.toString());
        acked.put("app/k" + i, r.json().getLong("revision"));
      }
    }
    long last = acked.get("app/k19");
    assertEquals(last, PgMirror.persistedRevision(pg.db()), "cluster mode writes are sync by default");
    for (ChildServer n : nodes) {
      cluster.awaitRevision(n, last);
      try (Http http = new Http(vertx, n.port)) {
        for (Map.Entry<String, Long> a : acked.entrySet()) {
          JsonObject got = http.get("/v1/kv/" + a.getKey()).json();
          assertEquals(a.getValue(), got.getLong("revision"), a.getKey() + " on " + n.port);
        }
        // The same history on every node: the change log applied revision by revision.
        assertEquals(acked.get("app/k5"), http.get("/v1/history/app/k5").json().getJsonArray("items")
            .getJsonObject(0).getLong("revision"));
      }
    }
    String leaderUrl = "http://127.0.0.1:" + leader.port;
    for (ChildServer n : nodes) {
      if (n == leader) {
        continue;
      }
      try (Http http = new Http(vertx, n.port)) {
        // A follower forwards a write to the leader (ClusterForwardTest has the details).
        Http.Response forwarded = http.put("/v1/kv/app/other" + n.port, "1");
        assertEquals(201, forwarded.status(), forwarded.toString());
        last = forwarded.json().getLong("revision");
        assertEquals(last, http.get("/v1/kv/app/other" + n.port).json().getLong("revision"), "read your write");

        JsonObject cluster = http.get("/v1/cluster").json();
        assertEquals(leaderUrl, cluster.getJsonObject("leader").getString("url"));
        assertEquals(1, cluster.getJsonObject("leader").getLong("term"));
        String leaderId = cluster.getJsonObject("leader").getString("id");
        assertEquals("follower", cluster.getJsonObject("self").getString("role"));
        assertEquals(last, cluster.getJsonObject("self").getLong("appliedRevision"));
        assertEquals(3, cluster.getJsonArray("members").size(), cluster.encode());
        for (int i = 0; i < 3; i++) {
          JsonObject m = cluster.getJsonArray("members").getJsonObject(i);
          assertEquals(m.getString("id").equals(leaderId) ? "leader" : "follower", m.getString("role"), m.encode());
          assertTrue(m.getString("url").startsWith("http://127.0.0.1:") && m.getString("lastSeen") != null,
              m.encode());
        }
        JsonObject check = http.get("/health/ready").json().getJsonObject("checks").getJsonObject("cluster");
        assertEquals("follower", check.getString("role"), check.encode());
        String metrics = http.get("/metrics").body().toString();
        assertTrue(metrics.contains("ssot_cluster_role 0.0"), "follower role metric");
        assertTrue(metrics.contains("ssot_cluster_applied_revision"), "applied revision metric");
      }
    }
    // A long-poll on a follower wakes up on the leader's write: applied commits reach watchers.
    ChildServer follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
    CompletableFuture<Http.Response> waited = CompletableFuture.supplyAsync(() -> {
      try (Http http = new Http(vertx, follower.port)) {
        return http.get("/v1/kv/app/k0?wait=20s", Map.of("If-None-Match", "\"" + acked.get("app/k0") + "\""));
      }
    });
    Thread.sleep(300);
    long changed;
    try (Http http = new Http(vertx, leader.port)) {
      changed = http.put("/v1/kv/app/k0", "\"changed\"").json().getLong("revision");
    }
    Http.Response woken = waited.get(30, TimeUnit.SECONDS);
    assertEquals(200, woken.status(), woken.toString());
    assertEquals(changed, woken.json().getLong("revision"));
    assertEquals(1, pg.db().scalar("SELECT term FROM ssot_cluster_term"), "one takeover, one term");
  }

  @Test
  void aKilledLeaderIsReplacedAndNoAcknowledgedWriteIsLost(Vertx vertx) throws Exception {
    List<ChildServer> nodes = List.of(cluster.start("n1"), cluster.start("n2"), cluster.start("n3"));
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = cluster.awaitOneLeader(nodes);
    Map<String, Long> acked = new LinkedHashMap<>();
    // Writes until the kill, from another thread: the kill lands mid-load.
    Thread writer = new Thread(() -> {
      try (Http http = new Http(vertx, leader.port)) {
        for (int i = 0; ; i++) {
          Http.Response r = http.put("/v1/kv/load/k" + i, "{\"n\":" + i + "}");
          if (r.status() != 201) {
            return;
          }
          synchronized (acked) {
            acked.put("load/k" + i, r.json().getLong("revision"));
          }
        }
      } catch (Exception connectionLost) {
        // the leader was killed
      }
    });
    writer.start();
    Thread.sleep(1500);
    leader.process.destroyForcibly();
    long killedAt = System.nanoTime();
    assertTrue(leader.process.waitFor(20, TimeUnit.SECONDS));
    writer.join(20_000);
    assertFalse(writer.isAlive());
    assertTrue(acked.size() > 10, "the load made progress: " + acked.size());

    List<ChildServer> survivors = nodes.stream().filter(n -> n != leader).toList();
    ChildServer next = null;
    long tookWriteMillis = -1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (next == null && System.nanoTime() < deadline) {
      for (ChildServer s : survivors) {
        try (Http http = new Http(vertx, s.port)) {
          if (http.put("/v1/kv/after/failover", "true").status() == 201) {
            next = s;
            tookWriteMillis = (System.nanoTime() - killedAt) / 1_000_000;
            break;
          }
        }
      }
      Thread.sleep(50);
    }
    assertNotNull(next, "a survivor took writes");
    System.out.printf("kill -9 of the leader to the first write acknowledged by a survivor: %d ms; %d writes "
        + "acknowledged before the kill%n", tookWriteMillis, acked.size());
    assertTrue(tookWriteMillis < 5_000, "a new leader took writes within 5 s of the kill: " + tookWriteMillis);

    long maxAck = acked.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    for (ChildServer s : survivors) {
      cluster.awaitRevision(s, maxAck + 1);
      try (Http http = new Http(vertx, s.port)) {
        for (Map.Entry<String, Long> a : acked.entrySet()) {
          Http.Response got = http.get("/v1/kv/" + a.getKey());
          assertEquals(200, got.status(), a.getKey() + " on " + s.port + ": " + got);
          assertEquals(a.getValue(), got.json().getLong("revision"), a.getKey() + " on " + s.port);
        }
      }
    }
    assertEquals(2, pg.db().scalar("SELECT term FROM ssot_cluster_term"), "one takeover after the first");
  }

  @Test
  void aLeaderStoppedWithSigtermHandsOverWithItsLocalWrites(Vertx vertx) throws Exception {
    List<ChildServer> nodes = List.of(cluster.start("n1"), cluster.start("n2"));
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = cluster.awaitOneLeader(nodes);
    ChildServer other = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
    long local;
    try (Http http = new Http(vertx, leader.port)) {
      Http.Response r = http.put("/v1/kv/app/local?durability=local", "1");
      assertEquals(201, r.status(), r.toString());
      local = r.json().getLong("revision");
    }
    leader.process.destroy();
    assertTrue(leader.process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, leader.process.exitValue(), leader.tail());
    cluster.awaitOneLeader(List.of(other));
    try (Http http = new Http(vertx, other.port)) {
      // The stopping leader drained its write-behind before it released the lock.
      assertEquals(local, http.get("/v1/kv/app/local").json().getLong("revision"));
      assertEquals(201, http.put("/v1/kv/app/next", "2").status());
      JsonObject stopped = cluster.awaitMember(other, leader == nodes.get(0) ? "n1" : "n2", "stopped");
      assertEquals(local, stopped.getLong("appliedRevision"), stopped.encode());
    }
  }

  /**
   * With Redis the deposed leader also reads the new leader's stream, which goes on beyond its own
   * unconfirmed revisions: it must not apply it on top of them, PostgreSQL decides.
   */
  @ParameterizedTest(name = "redis {0}")
  @ValueSource(booleans = {false, true})
  void aLeaderCutOffFromPostgresIsFencedAndStopsTakingWrites(boolean withRedis, Vertx vertx) throws Exception {
    ClusterNodes.Node first = cluster.node("a").pgProxy();
    ClusterNodes.Node second = cluster.node("b");
    if (withRedis) {
      first.redis();
      second.redis();
    }
    ChildServer a = first.start();
    TcpProxy proxy = cluster.pgProxy(a);
    a.awaitReady(vertx);
    cluster.awaitOneLeader(List.of(a));
    ChildServer b = second.start();
    b.awaitReady(vertx);
    Map<String, Long> acked = new LinkedHashMap<>();
    try (Http http = new Http(vertx, a.port)) {
      for (int i = 0; i < 5; i++) {
        Http.Response r = http.put("/v1/kv/before/k" + i, "1");
        assertEquals(201, r.status(), r.toString());
        acked.put("before/k" + i, r.json().getLong("revision"));
      }
      long persistedBeforeCut = PgMirror.persistedRevision(pg.db());

      // A watcher on the leader, of the keys it will take alone and of the new leader's.
      WatchClients.Ws watcher = new WatchClients.Ws(vertx, a.port);
      for (String prefix : List.of("fenced/", "after/")) {
        watcher.send(new JsonObject().put("op", "watch").put("id", prefix).put("prefix", prefix)
            .put("fromRevision", persistedBeforeCut + 1));
        assertEquals(Boolean.TRUE, watcher.next().getBoolean("created"));
      }

      // A partition between the leader and PostgreSQL: nothing moves, neither side sees a close.
      proxy.blackhole();
      long cutAt = System.nanoTime();
      // The cut-off leader accepts local writes until its lease runs out; none may ever land.
      List<String> acceptedAfterCut = new ArrayList<>();
      long refusedAfterMillis = -1;
      for (int i = 0; System.nanoTime() - cutAt < TimeUnit.SECONDS.toNanos(10); i++) {
        Http.Response r = http.put("/v1/kv/fenced/k" + i + "?durability=local", "1");
        if (r.status() == 503 && "not-leader".equals(r.json().getString("code"))) {
          refusedAfterMillis = (System.nanoTime() - cutAt) / 1_000_000;
          break;
        }
        if (r.status() == 201) {
          acceptedAfterCut.add("fenced/k" + i);
        }
        Thread.sleep(20);
      }
      System.out.printf("the cut-off leader accepted %d local writes and refused writes %d ms after the cut%n",
          acceptedAfterCut.size(), refusedAfterMillis);
      assertTrue(refusedAfterMillis >= 0, "the cut-off leader refuses writes");
      assertTrue(refusedAfterMillis <= 2_000 + 1_000, "within cluster.leaseTimeout (2 s) and a tick: "
          + refusedAfterMillis);
      assertFalse(acceptedAfterCut.isEmpty(), "the leader took writes until its lease ran out");
      // PostgreSQL notices the dead session (here at once, as its TCP keepalives would in seconds)
      // and releases the lock.
      pg.db().rows("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted");

      ChildServer newLeader = cluster.awaitOneLeader(List.of(b));
      long newLeaderWrite;
      try (Http onB = new Http(vertx, newLeader.port)) {
        Http.Response r = ClusterNodes.putAsClientsDo(onB, "/v1/kv/after/k", "2");
        assertEquals(201, r.status(), r.toString());
        newLeaderWrite = r.json().getLong("revision");
      }
      assertEquals(persistedBeforeCut + 1, newLeaderWrite, "the new leader continues from PostgreSQL's last");
      // The new leader goes on beyond the revisions the deposed one committed alone.
      long lastWrite = newLeaderWrite;
      String lastKey = "after/k";
      try (Http onB = new Http(vertx, newLeader.port)) {
        for (int i = 0; i <= acceptedAfterCut.size() + 2; i++) {
          Http.Response r = ClusterNodes.putAsClientsDo(onB, "/v1/kv/after/more" + i, "3");
          assertEquals(201, r.status(), r.toString());
          lastWrite = r.json().getLong("revision");
          lastKey = "after/more" + i;
        }
      }

      proxy.restore();
      // The old leader reaches PostgreSQL again: its write-behind is refused by the term, and its
      // catch-up finds revisions the cluster's history does not hold. It restarts by itself: saves
      // what only it holds to the orphaned file, rebuilds from PostgreSQL and follows the new leader.
      String restarted = awaitLog(a, "Restarting to rebuild the store from PostgreSQL");
      System.out.println("the old leader: " + restarted);
      cluster.awaitRevision(a, lastWrite);
      // Its watcher was never told of the revisions it took alone (PostgreSQL never held them);
      // its connection ended with the restart, and it resumes on the new leader missing nothing.
      watcher.closed.get(30, TimeUnit.SECONDS);
      for (JsonObject m : watcher.messages) {
        assertFalse(m.containsKey("events"), "told of a revision PostgreSQL does not hold: " + m.encode());
      }
      watcher.close();
      try (WatchClients.Ws resumed = new WatchClients.Ws(vertx, b.port)) {
        resumed.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", "after/")
            .put("fromRevision", persistedBeforeCut + 1));
        assertEquals(Boolean.TRUE, resumed.next().getBoolean("created"));
        JsonObject told = resumed.next();
        assertEquals(newLeaderWrite, told.getJsonArray("events").getJsonObject(0).getLong("revision"), told.encode());
      }
      for (String key : acceptedAfterCut) {
        assertEquals(0, pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key = ?", key),
            key + " (accepted by the deposed leader) never reached PostgreSQL");
      }
      assertEquals(lastWrite, PgMirror.persistedRevision(pg.db()));
      assertEquals(1, pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key = 'after/k' AND revision = ?",
          newLeaderWrite));
      Path dataDir = cluster.work().resolve("data-a");
      List<Path> orphaned;
      try (Stream<Path> files = Files.list(dataDir)) {
        orphaned = files.filter(f -> f.getFileName().toString().startsWith("orphaned-")).toList();
      }
      assertEquals(1, orphaned.size(), "one orphaned file in " + dataDir);
      String saved = Files.readString(orphaned.get(0));
      for (String key : acceptedAfterCut) {
        assertTrue(saved.contains("\"" + key + "\""), key + " saved in " + orphaned.get(0));
      }
      try (Http onA = new Http(vertx, a.port)) {
        assertEquals(200, onA.get("/v1/kv/" + lastKey).status(), "it follows the new leader");
        for (String key : acceptedAfterCut) {
          assertEquals(404, onA.get("/v1/kv/" + key).status(), key + " is not served");
        }
        JsonObject following = onA.get("/health/ready").json().getJsonObject("checks").getJsonObject("cluster");
        assertEquals("follower", following.getString("status"), following::encode);
        Http.Response refused = onA.put("/v1/kv/fenced/late", "1");
        assertEquals(201, refused.status(), "forwarded to the new leader: " + refused);
      }
      assertTrue(a.process.isAlive(), "the same process: " + a.tail());
    }
    for (Map.Entry<String, Long> e : acked.entrySet()) {
      assertEquals(1, pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key = ? AND revision = ?",
          e.getKey(), e.getValue()), e.getKey());
    }
  }

  /** Waits (30 s at most) until {@code n}'s log has a line containing {@code text}; returns that line. */
  private static String awaitLog(ChildServer n, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (String line : Files.readAllLines(n.log)) {
        if (line.contains(text)) {
          return line;
        }
      }
      Thread.sleep(100);
    }
    fail("no line with '" + text + "' in the log within 30 s:\n" + n.tail());
    return null;
  }

  @Test
  void clusterModeWithoutPostgresIsRefusedAtStartup() throws Exception {
    ChildServer.Exit exit = ChildServer.runToExit(ChildServer.mainOnTestClasspath(), cluster.work(),
        Map.of("SSOT_CLUSTER_ENABLED", "true", "SSOT_DATA_DIR", cluster.work().resolve("d").toString(),
            "SSOT_HTTP_PORT", Integer.toString(LoopbackPorts.free())));
    assertEquals(2, exit.code(), exit.stdout() + exit.stderr());
    assertTrue(exit.stderr().contains("SSOT_CLUSTER_ENABLED is true but SSOT_PG_URL is not set"), exit.stderr());
  }
}
