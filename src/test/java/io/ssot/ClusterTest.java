package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
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

  @TempDir
  Path work;

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  private final List<ChildServer> children = new ArrayList<>();
  private final List<TcpProxy> proxies = new ArrayList<>();
  private final String clusterName = "test-" + java.util.UUID.randomUUID();

  @AfterEach
  void killChildren(Vertx vertx) throws Exception {
    for (ChildServer c : children) {
      c.kill();
    }
    for (TcpProxy p : proxies) {
      p.close();
    }
    Redis redis = Redis.createClient(vertx, "redis://127.0.0.1:6379");
    try {
      redis.send(Request.cmd(Command.DEL).arg("ssot:" + clusterName + ":commits")).await();
    } catch (RuntimeException noRedisNoStream) {
      // the tests without Redis made none
    } finally {
      redis.close();
    }
  }

  @Test
  void oneLeaderFollowersApplyItsWritesAndForwardTheirOwn(Vertx vertx) throws Exception {
    // Leadership must stay put for this test's checks: a lease long enough that three JVMs starting
    // on a loaded machine do not let it lapse (the failover tests keep the default).
    Map<String, String> steady = Map.of("SSOT_CLUSTER_LEASE_TIMEOUT", "10s");
    List<ChildServer> nodes = List.of(node("n1", pg.db().url(), null, steady), node("n2", pg.db().url(), null, steady),
        node("n3", pg.db().url(), null, steady));
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = awaitOneLeader(vertx, nodes);
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
      awaitRevision(vertx, n, last);
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
    List<ChildServer> nodes = List.of(node("n1", pg.db().url()), node("n2", pg.db().url()), node("n3", pg.db().url()));
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = awaitOneLeader(vertx, nodes);
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
      awaitRevision(vertx, s, maxAck + 1);
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
    List<ChildServer> nodes = List.of(node("n1", pg.db().url()), node("n2", pg.db().url()));
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = awaitOneLeader(vertx, nodes);
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
    awaitOneLeader(vertx, List.of(other));
    try (Http http = new Http(vertx, other.port)) {
      // The stopping leader drained its write-behind before it released the lock.
      assertEquals(local, http.get("/v1/kv/app/local").json().getLong("revision"));
      assertEquals(201, http.put("/v1/kv/app/next", "2").status());
      JsonObject stopped = awaitMember(vertx, other, leader == nodes.get(0) ? "n1" : "n2", "stopped");
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
    TcpProxy proxy = new TcpProxy(PgTestDatabase.PORT);
    proxies.add(proxy);
    String redis = withRedis ? "redis://127.0.0.1:6379" : null;
    ChildServer a = node("a", pg.db().url(proxy.port()), redis);
    a.awaitReady(vertx);
    awaitOneLeader(vertx, List.of(a));
    ChildServer b = node("b", pg.db().url(), redis);
    b.awaitReady(vertx);
    Map<String, Long> acked = new LinkedHashMap<>();
    try (Http http = new Http(vertx, a.port)) {
      for (int i = 0; i < 5; i++) {
        Http.Response r = http.put("/v1/kv/before/k" + i, "1");
        assertEquals(201, r.status(), r.toString());
        acked.put("before/k" + i, r.json().getLong("revision"));
      }
      long persistedBeforeCut = PgMirror.persistedRevision(pg.db());

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

      ChildServer newLeader = awaitOneLeader(vertx, List.of(b));
      long newLeaderWrite;
      try (Http onB = new Http(vertx, newLeader.port)) {
        Http.Response r = putAsClientsDo(onB, "/v1/kv/after/k", "2");
        assertEquals(201, r.status(), r.toString());
        newLeaderWrite = r.json().getLong("revision");
      }
      assertEquals(persistedBeforeCut + 1, newLeaderWrite, "the new leader continues from PostgreSQL's last");
      // The new leader goes on beyond the revisions the deposed one committed alone.
      long lastWrite = newLeaderWrite;
      String lastKey = "after/k";
      try (Http onB = new Http(vertx, newLeader.port)) {
        for (int i = 0; i <= acceptedAfterCut.size() + 2; i++) {
          Http.Response r = putAsClientsDo(onB, "/v1/kv/after/more" + i, "3");
          assertEquals(201, r.status(), r.toString());
          lastWrite = r.json().getLong("revision");
          lastKey = "after/more" + i;
        }
      }

      proxy.restore();
      // The old leader's write-behind reaches PostgreSQL again and is refused by the term.
      JsonObject postgres = awaitCheck(vertx, a, "postgres", p -> p.getString("reason") != null
          && p.getString("reason").contains("refused by PostgreSQL"));
      System.out.println("the old leader's write-behind: " + postgres.getString("reason"));
      for (String key : acceptedAfterCut) {
        assertEquals(0, pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key = ?", key),
            key + " (accepted by the deposed leader) never reached PostgreSQL");
      }
      assertEquals(lastWrite, PgMirror.persistedRevision(pg.db()));
      assertEquals(1, pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key = 'after/k' AND revision = ?",
          newLeaderWrite));
      JsonObject cluster = awaitCheck(vertx, a, "cluster", c -> "diverged".equals(c.getString("status")));
      System.out.println("the old leader: " + cluster.getString("reason"));
      assertEquals(404, http.get("/v1/kv/" + lastKey).status(),
          "the deposed leader applied nothing of the new leader's on top of its own revisions");
      Http.Response refused = http.put("/v1/kv/fenced/late", "1");
      assertEquals(503, refused.status(), refused.toString());
      assertEquals("not-leader", refused.json().getString("code"));
    }
    for (Map.Entry<String, Long> e : acked.entrySet()) {
      assertEquals(1, pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key = ? AND revision = ?",
          e.getKey(), e.getValue()), e.getKey());
    }
  }

  @Test
  void clusterModeWithoutPostgresIsRefusedAtStartup() throws Exception {
    ChildServer.Exit exit = ChildServer.runToExit(ChildServer.mainOnTestClasspath(), work,
        Map.of("SSOT_CLUSTER_ENABLED", "true", "SSOT_DATA_DIR", work.resolve("d").toString(),
            "SSOT_HTTP_PORT", Integer.toString(ChildServer.freePort())));
    assertEquals(2, exit.code(), exit.stdout() + exit.stderr());
    assertTrue(exit.stderr().contains("SSOT_CLUSTER_ENABLED is true but SSOT_PG_URL is not set"), exit.stderr());
  }

  // ---- helpers --------------------------------------------------------------------------------

  private ChildServer node(String name, String pgUrl) throws java.io.IOException {
    return node(name, pgUrl, null);
  }

  /** @param redisUrl null: no Redis; else with a cluster name of the test's own, so the stream is fresh */
  private ChildServer node(String name, String pgUrl, String redisUrl) throws java.io.IOException {
    return node(name, pgUrl, redisUrl, Map.of());
  }

  /** @param more settings of this test's own */
  private ChildServer node(String name, String pgUrl, String redisUrl, Map<String, String> more)
      throws java.io.IOException {
    Map<String, String> env = new HashMap<>();
    env.put("SSOT_CLUSTER_ENABLED", "true");
    env.put("SSOT_CLUSTER_NODE_ID", name);
    env.put("SSOT_DATA_DIR", work.resolve("data-" + name).toString());
    env.put("SSOT_PG_URL", pgUrl);
    env.put("SSOT_HTTP_EVENT_LOOPS", "1");
    env.put("SSOT_STORE_MAX_KEYS", "20000");
    env.put("SSOT_CHANGELOG_SEGMENT_BYTES", "1MiB");
    env.put("SSOT_CLUSTER_POLL_INTERVAL", "200ms");
    if (redisUrl != null) {
      env.put("SSOT_REDIS_URL", redisUrl);
      env.put("SSOT_CLUSTER_NAME", clusterName);
    }
    env.putAll(more);
    ChildServer child = ChildServer.start(ChildServer.mainOnTestClasspath(), work, work.resolve(name + ".log"),
        ChildServer.freePort(), env);
    children.add(child);
    return child;
  }

  /**
   * A PUT retried, as a client does, while it gets 503 {@code not-leader} with Retry-After (for at
   * most 10 s): a new leader on a loaded machine may not yet have confirmed its lease.
   */
  static Http.Response putAsClientsDo(Http http, String path, String body) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Http.Response r = http.put(path, body);
    while (r.status() == 503 && "not-leader".equals(r.json().getString("code")) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      r = http.put(path, body);
    }
    return r;
  }

  /** Waits until exactly one of {@code nodes} says it leads and every other names it; returns it. */
  static ChildServer awaitOneLeader(Vertx vertx, List<ChildServer> nodes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String seen = "";
    while (System.nanoTime() < deadline) {
      List<ChildServer> leaders = new ArrayList<>();
      StringBuilder views = new StringBuilder();
      for (ChildServer n : nodes) {
        JsonObject cluster = cluster(vertx, n);
        views.append(n.port).append(": ").append(cluster).append('\n');
        if (cluster != null && "leader".equals(cluster.getJsonObject("self").getString("role"))) {
          leaders.add(n);
        }
      }
      seen = views.toString();
      if (leaders.size() == 1) {
        return leaders.get(0);
      }
      assertTrue(leaders.size() <= 1, "more than one leader:\n" + seen);
      Thread.sleep(100);
    }
    fail("no leader within 30 s:\n" + seen + nodes.get(0).tail());
    return null;
  }

  /** Waits until the row of {@code id} in {@code /v1/cluster} on {@code n} has {@code role}; returns it. */
  private static JsonObject awaitMember(Vertx vertx, ChildServer n, String id, String role)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    JsonObject cluster = null;
    while (System.nanoTime() < deadline) {
      cluster = cluster(vertx, n);
      for (int i = 0; cluster != null && i < cluster.getJsonArray("members").size(); i++) {
        JsonObject m = cluster.getJsonArray("members").getJsonObject(i);
        if (m.getString("id").equals(id) && m.getString("role").equals(role)) {
          return m;
        }
      }
      Thread.sleep(100);
    }
    fail(id + " is not a member with role " + role + ": " + cluster);
    return null;
  }

  static JsonObject cluster(Vertx vertx, ChildServer n) {
    try (Http http = new Http(vertx, n.port)) {
      Http.Response r = http.get("/v1/cluster");
      return r.status() == 200 ? r.json() : null;
    } catch (Exception e) {
      return null;
    }
  }

  static void awaitRevision(Vertx vertx, ChildServer n, long revision) throws InterruptedException {
    awaitCheck(vertx, n, "store", s -> s.getLong("revision") >= revision);
  }

  /** Polls /health/ready until {@code checks.<name>} satisfies {@code done}; returns it. */
  static JsonObject awaitCheck(Vertx vertx, ChildServer n, String name, Predicate<JsonObject> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonObject check = null;
    while (System.nanoTime() < deadline) {
      JsonObject checks = WriteBehindCrashTest.ready(vertx, n.port);
      check = checks == null ? null : checks.getJsonObject(name);
      if (check != null && done.test(check)) {
        return check;
      }
      Thread.sleep(100);
    }
    fail("checks." + name + " on " + n.port + " did not get there within 30 s: " + check + "\n" + n.tail());
    return null;
  }
}
