package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Writes on any node (SPEC section 9): a follower forwards a write to the leader and answers the
 * leader's answer once it holds that revision itself; with no leader to reach it answers 503
 * {@code not-leader} at once and nothing is applied. Nodes are child JVMs, as in {@link ClusterTest}.
 */
@ExtendWith(VertxExtension.class)
class ClusterForwardTest {

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  @RegisterExtension
  final ClusterNodes cluster = new ClusterNodes(pg);

  @Test
  void aFollowerForwardsWritesAndReadsThemBackAtOnce(Vertx vertx) throws Exception {
    List<ChildServer> nodes = List.of(cluster.start("n1"), cluster.start("n2"), cluster.start("n3"));
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = cluster.awaitOneLeader(nodes);
    ChildServer follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
    long txnRevision;
    long last;
    try (Http http = new Http(vertx, follower.port)) {
      Http.Response put = http.put("/v1/kv/fw/a", "{\"v\":1}");
      assertEquals(201, put.status(), put.toString());
      long putRevision = put.json().getLong("revision");
      assertEquals("\"" + putRevision + "\"", put.header("ETag"), "the leader's ETag");
      assertEquals(String.valueOf(putRevision), put.header("X-SSOT-Revision"));
      Http.Response read = http.get("/v1/kv/fw/a");
      assertEquals(200, read.status(), "read your write on the follower: " + read);
      assertEquals(putRevision, read.json().getLong("revision"));

      Http.Response stale = http.put("/v1/kv/fw/a", "{\"v\":2}", Map.of("If-Match", "\"" + (putRevision - 1) + "\""));
      assertEquals(412, stale.status(), stale.toString());
      assertEquals("precondition-failed", stale.json().getString("code"));
      assertEquals(1, http.get("/v1/kv/fw/a").json().getJsonObject("value").getInteger("v"), "nothing changed");

      Http.Response put2 = http.put("/v1/kv/fw/b", "2", Map.of("If-None-Match", "*"));
      assertEquals(201, put2.status(), put2.toString());
      Http.Response delete = http.delete("/v1/kv/fw/a");
      assertEquals(200, delete.status(), delete.toString());
      assertEquals(404, http.get("/v1/kv/fw/a").status(), "the delete is read back at once");

      Http.Response txn = http.post("/v1/txn", "{\"compare\":[{\"key\":\"fw/c\",\"exists\":false}],"
          + "\"success\":[{\"op\":\"put\",\"key\":\"fw/c\",\"value\":3},{\"op\":\"delete\",\"key\":\"fw/b\"}]}");
      assertEquals(200, txn.status(), txn.toString());
      txnRevision = txn.json().getLong("revision");
      Http.Response c = http.get("/v1/kv/fw/c");
      assertEquals(txnRevision, c.json().getLong("revision"), c.toString());
      assertEquals(404, http.get("/v1/kv/fw/b").status());

      // A rollback and a token, forwarded too; the new token is known on this follower at once.
      Http.Response rollback = http.post("/v1/rollback/fw/c", "{\"toRevision\":" + txnRevision + "}");
      assertEquals(200, rollback.status(), rollback.toString());
      long cRevision = rollback.json().getLong("revision");
      assertEquals(cRevision, http.get("/v1/kv/fw/c").json().getLong("revision"));
      Http.Response token = http.post("/v1/tokens",
          "{\"name\":\"reader\",\"roles\":[{\"role\":\"read\",\"prefix\":\"fw/\"}]}");
      assertEquals(201, token.status(), token.toString());
      last = Long.parseLong(token.header("X-SSOT-Revision"));
      try (Http reader = http.as(token.json().getString("token"))) {
        assertEquals(200, reader.get("/v1/kv/fw/c").status(), "the token authenticates on this follower");
      }

      String metrics = http.get("/metrics").body().toString();
      assertTrue(metrics.contains("ssot_cluster_forwarded_writes_total 7.0"), metrics);

      // A web console session lives on the node it was opened on: it reads there, and its writes
      // are refused with the leader's address (the leader would not know its cookie), not forwarded.
      Http.Response login = http.anonymous().post("/ui/session",
          new JsonObject().put("token", TestServer.ADMIN_TOKEN).encode());
      assertEquals(200, login.status(), login.toString());
      String cookie = login.header("Set-Cookie").substring(0, login.header("Set-Cookie").indexOf(';'));
      Map<String, String> browser = Map.of("Cookie", cookie, "X-CSRF-Token", login.json().getString("csrfToken"),
          "Content-Type", "application/json");
      assertEquals(200, http.anonymous().send(HttpMethod.GET, "/v1/kv/fw/c", browser, null).status());
      Http.Response consoleWrite = http.anonymous().send(HttpMethod.PUT, "/v1/kv/fw/console", browser, "1");
      assertEquals(503, consoleWrite.status(), consoleWrite.toString());
      assertEquals("not-leader", consoleWrite.json().getString("code"));
      assertEquals(leader.port, Integer.parseInt(consoleWrite.json().getJsonObject("leader").getString("url")
          .replaceAll(".*:", "")), consoleWrite.toString());
      assertEquals(404, http.get("/v1/kv/fw/console").status(), "nothing applied");
    }
    // The same revisions on every node, the leader's: no node wrote one of its own.
    for (ChildServer n : nodes) {
      cluster.awaitRevision(n, last);
      try (Http http = new Http(vertx, n.port)) {
        assertEquals(txnRevision + 1, http.get("/v1/kv/fw/c").json().getLong("revision"), "on " + n.port);
        assertEquals(txnRevision, http.get("/v1/history/fw/c").json().getJsonArray("items").getJsonObject(1)
            .getLong("revision"), "the same history on " + n.port);
        assertEquals(404, http.get("/v1/kv/fw/a").status());
      }
    }
    assertEquals(last, PgMirror.persistedRevision(pg.db()));
    assertEquals(1, pg.db().scalar("SELECT term FROM ssot_cluster_term"));
  }

  @Test
  void aFollowerThatCannotReachTheLeaderAnswers503AndAppliesNothing(Vertx vertx) throws Exception {
    // The leader advertises an address where nothing listens: every forward fails to connect.
    ChildServer leader = cluster.node("a")
        .env("SSOT_CLUSTER_ADVERTISE_URL", "http://127.0.0.1:" + LoopbackPorts.free()).start();
    leader.awaitReady(vertx);
    cluster.awaitOneLeader(List.of(leader));
    ChildServer follower = cluster.start("b");
    follower.awaitReady(vertx);
    cluster.awaitLeaderKnown(follower);
    try (Http http = new Http(vertx, follower.port)) {
      long started = System.nanoTime();
      Http.Response refused = http.put("/v1/kv/lost/k", "1");
      long tookMillis = (System.nanoTime() - started) / 1_000_000;
      assertEquals(503, refused.status(), refused.toString());
      assertEquals("not-leader", refused.json().getString("code"));
      assertEquals("1", refused.header("Retry-After"));
      assertEquals("a", refused.json().getJsonObject("leader").getString("id"));
      assertTrue(tookMillis < 3_000, "answered within the connect timeout: " + tookMillis + " ms");
      Http.Response txn = http.send(HttpMethod.POST, "/v1/txn", Map.of("Content-Type", "application/json"),
          "{\"success\":[{\"op\":\"put\",\"key\":\"lost/t\",\"value\":1}]}");
      assertEquals(503, txn.status(), txn.toString());
      assertEquals(404, http.get("/v1/kv/lost/k").status());
    }
    try (Http http = new Http(vertx, leader.port)) {
      assertEquals(404, http.get("/v1/kv/lost/k").status(), "the leader got nothing");
      assertEquals(404, http.get("/v1/kv/lost/t").status());
    }
    assertEquals(0, pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key LIKE 'lost/%'"));
  }

  @Test
  void aFollowerWhoseLeaderWasKilledAnswers503QuicklyAndAppliesNothing(Vertx vertx) throws Exception {
    List<ChildServer> nodes = List.of(cluster.start("n1"), cluster.start("n2"));
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = cluster.awaitOneLeader(nodes);
    ChildServer follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
    cluster.awaitLeaderKnown(follower);
    leader.process.destroyForcibly();
    assertTrue(leader.process.waitFor(20, TimeUnit.SECONDS));
    // Until the follower takes over, it either forwards to a dead address or knows no leader:
    // either way 503 at once. Once it leads, it takes the write itself.
    List<String> refused = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    boolean tookOver = false;
    try (Http http = new Http(vertx, follower.port)) {
      for (int i = 0; !tookOver && System.nanoTime() < deadline; i++) {
        long started = System.nanoTime();
        Http.Response r = http.put("/v1/kv/gone/k" + i, "1");
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        if (r.status() == 201) {
          tookOver = true;
        } else {
          assertEquals(503, r.status(), r.toString());
          assertEquals("not-leader", r.json().getString("code"), r.toString());
          assertTrue(tookMillis < 3_000, "a 503 comes quickly: " + tookMillis + " ms");
          refused.add("gone/k" + i);
        }
        Thread.sleep(20);
      }
      assertTrue(tookOver, "the follower took over");
      for (String key : refused) {
        assertEquals(404, http.get("/v1/kv/" + key).status(), key + " was refused and is not applied");
        assertEquals(0, pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key = ?", key), key);
      }
    }
    System.out.printf("refused %d writes with 503 between the leader's kill and the takeover%n", refused.size());
  }

  /**
   * No node can reach PostgreSQL, so none leads: a write on any node answers 503 problem+json
   * with Retry-After. Those refused as {@code not-leader} are never applied once PostgreSQL is
   * back. Cut (connections closed), the leader finds out at once; partitioned (nothing moves), it
   * may commit a write locally before its lease runs out and answer {@code not-durable}: that one
   * may land once PostgreSQL answers again (no other leader took over meanwhile), at one revision,
   * the same on every node.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cut", "partition"})
  void withPostgresCutOffFromEveryNodeAWriteOnAnyNodeAnswers503AndNothingIsApplied(String outage, Vertx vertx)
      throws Exception {
    List<ChildServer> nodes = List.of(cluster.node("n1").pgProxy().start(), cluster.node("n2").pgProxy().start(),
        cluster.node("n3").pgProxy().start());
    cluster.awaitReady(nodes);
    ChildServer leader = cluster.awaitOneLeader(nodes);
    for (ChildServer n : nodes) {
      cluster.awaitLeaderKnown(n);
    }
    long before;
    try (Http http = new Http(vertx, leader.port)) {
      Http.Response r = http.put("/v1/kv/kept/k", "1");
      assertEquals(201, r.status(), r.toString());
      before = r.json().getLong("revision");
    }
    for (ChildServer n : nodes) {
      cluster.awaitRevision(n, before);
    }

    for (ChildServer n : nodes) {
      if (outage.equals("cut")) {
        cluster.pgProxy(n).cut();
      } else {
        cluster.pgProxy(n).blackhole();
      }
    }
    List<String> notLeader = new ArrayList<>();
    List<String> notDurable = new ArrayList<>(); // and the other 503s for a write committed locally
    // At once, the leader first (it may not have found out yet), and after the lease (nobody leads).
    List<ChildServer> leaderFirst = new ArrayList<>(List.of(leader));
    nodes.stream().filter(n -> n != leader).forEach(leaderFirst::add);
    for (int round = 0; round < 2; round++) {
      for (ChildServer n : leaderFirst) {
        try (Http http = new Http(vertx, n.port)) {
          String key = "outage/" + n.port + "-" + round;
          long started = System.nanoTime();
          Http.Response r = http.put("/v1/kv/" + key, "1");
          long tookMillis = (System.nanoTime() - started) / 1_000_000;
          System.out.printf("%s, round %d, %s: %d %s in %d ms%n", outage, round, n == leader ? "leader" : "follower",
              r.status(), r.body(), tookMillis);
          assertEquals(503, r.status(), r.toString());
          assertTrue(r.header("Content-Type").startsWith("application/problem+json"), r.header("Content-Type"));
          assertEquals("1", r.header("Retry-After"), r.toString());
          if (!r.json().getString("code").equals("not-leader")) {
            // Committed locally by the leader before it found out (partitioned, it finds out when its
            // lease runs out), then not-durable after pg.syncTimeout (10 s), or unavailable at once
            // once its write-behind failed.
            assertTrue(round == 0 && n == leader, r.toString());
            assertTrue(List.of("not-durable", "unavailable").contains(r.json().getString("code")), r.toString());
            assertTrue(tookMillis < 15_000, "answered by the sync timeout: " + tookMillis);
            notDurable.add(key);
          } else {
            assertEquals("not-leader", r.json().getString("code"), r.toString());
            assertTrue(tookMillis < 3_000, "answered at once: " + tookMillis);
            notLeader.add(key);
          }
        }
      }
      Thread.sleep(3000);
    }
    for (ChildServer n : nodes) {
      cluster.pgProxy(n).restore();
    }
    ChildServer next = cluster.awaitOneLeader(nodes);
    long after;
    try (Http http = new Http(vertx, next.port)) {
      Http.Response r = ClusterNodes.putAsClientsDo(http, "/v1/kv/kept/later", "2");
      assertEquals(201, r.status(), r.toString());
      after = r.json().getLong("revision");
    }
    assertEquals(after, PgMirror.persistedRevision(pg.db()));
    List<Object> landedKeys = pg.db().rows("SELECT key FROM ssot_history WHERE key LIKE 'outage/%'").stream()
        .map(row -> row.get(0)).toList();
    assertTrue(notDurable.containsAll(landedKeys), "no write refused as not-leader reached PostgreSQL: " + landedKeys);
    long landed = landedKeys.size();
    System.out.printf("%s: %d writes refused as not-leader, %d as not-durable of which %d landed%n", outage,
        notLeader.size(), notDurable.size(), landed);
    assertEquals(before + 1 + landed, after, "the refused writes took no revision");
    for (ChildServer n : nodes) {
      cluster.awaitRevision(n, after);
      try (Http http = new Http(vertx, n.port)) {
        for (String key : notLeader) {
          assertEquals(404, http.get("/v1/kv/" + key).status(), key + " on " + n.port);
        }
        for (String key : notDurable) {
          Http.Response got = http.get("/v1/history/" + key);
          List<Object> inPg = pg.db().rows("SELECT revision FROM ssot_history WHERE key = ?", key).stream()
              .map(row -> (Object) ((Number) row.get(0)).longValue()).toList();
          assertEquals(inPg, got.json().getJsonArray("items").stream()
              .map(item -> (Object) ((JsonObject) item).getLong("revision")).toList(),
              key + " on " + n.port + " as in PostgreSQL, at one revision at most");
        }
        assertEquals(after, http.get("/v1/kv/kept/later").json().getLong("revision"), "on " + n.port);
      }
    }
  }
}
