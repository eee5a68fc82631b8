package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cluster mode with Redis (SPEC section 9): three nodes as child JVMs on one fresh PostgreSQL
 * database and the real Redis (127.0.0.1:6379), a fresh {@code cluster.name} per test so the
 * stream key is fresh. PostgreSQL is polled only every 30 s, so what followers apply within the
 * test came through the stream (or a catch-up the stream asked for), as their counts say.
 */
@ExtendWith(VertxExtension.class)
class ClusterRedisTest {

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  @RegisterExtension
  final ClusterNodes cluster = new ClusterNodes(pg);

  @Test
  void followersApplyTheLeadersWritesFromTheStream(Vertx vertx) throws Exception {
    List<ChildServer> nodes = List.of(node("n1"), node("n2"), node("n3"));
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = cluster.awaitOneLeader(nodes);
    Map<String, Long> acked = new LinkedHashMap<>();
    try (Http http = new Http(vertx, leader.port)) {
      for (int i = 0; i < 50; i++) {
        Http.Response r = http.put("/v1/kv/app/k" + i, "{\"n\":" + i + "}");
        assertEquals(201, r.status(), r.toString());
        acked.put("app/k" + i, r.json().getLong("revision"));
      }
    }
    long last = acked.get("app/k49");
    JsonObject onLeader = cluster.awaitCheck(leader, "cluster", c -> c.getLong("publishedRevision") >= last);
    assertEquals("up", onLeader.getString("redis"), onLeader.encode());
    for (ChildServer n : nodes) {
      if (n == leader) {
        continue;
      }
      cluster.awaitRevision(n, last);
      JsonObject check = cluster.awaitCheck(n, "cluster", c -> true);
      System.out.printf("follower %d: %s%n", n.port, check.encode());
      assertEquals("up", check.getString("redis"), check.encode());
      assertTrue(check.getLong("appliedFromStream") >= 45,
          "the stream, not the 30 s poll, delivered most of the 50 writes: " + check.encode());
      try (Http http = new Http(vertx, n.port)) {
        for (Map.Entry<String, Long> a : acked.entrySet()) {
          assertEquals(a.getValue(), http.get("/v1/kv/" + a.getKey()).json().getLong("revision"), a.getKey());
        }
        assertEquals("up", http.get("/health/ready").json().getJsonObject("checks").getJsonObject("redis")
            .getString("status"));
        String metrics = http.get("/metrics").body().toString();
        assertTrue(metrics.contains("ssot_cluster_stream_applied_total"), "stream metric");
      }
    }
  }

  @Test
  void afterAKilledLeaderTheNewOnePublishesAndFollowersMissNothing(Vertx vertx) throws Exception {
    List<ChildServer> nodes = List.of(node("n1"), node("n2"), node("n3"));
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = cluster.awaitOneLeader(nodes);
    List<ChildServer> survivors = nodes.stream().filter(n -> n != leader).toList();
    // A watcher on each follower, connected across the failover.
    List<WatchClients.Ws> watchers = new ArrayList<>();
    for (ChildServer s : survivors) {
      WatchClients.Ws ws = new WatchClients.Ws(vertx, s.port);
      watchers.add(ws);
      ws.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", "load/"));
      assertEquals(true, ws.next().getBoolean("created"));
    }
    Map<String, Long> acked = new LinkedHashMap<>();
    Thread writer = new Thread(() -> {
      try (Http http = new Http(vertx, leader.port)) {
        for (int i = 0; i < 2000; i++) {
          Http.Response r = http.put("/v1/kv/load/before" + i, "{\"n\":" + i + "}");
          if (r.status() != 201) {
            return;
          }
          synchronized (acked) {
            acked.put("load/before" + i, r.json().getLong("revision"));
          }
        }
      } catch (Exception connectionLost) {
        // the leader was killed
      }
    });
    writer.start();
    Thread.sleep(1500);
    leader.process.destroyForcibly();
    assertTrue(leader.process.waitFor(20, TimeUnit.SECONDS));
    writer.join(20_000);
    assertFalse(writer.isAlive());
    assertTrue(acked.size() > 10, "the load made progress: " + acked.size());

    ChildServer next = cluster.awaitOneLeader(survivors);
    ChildServer other = survivors.stream().filter(n -> n != next).findFirst().orElseThrow();
    long fromStreamBefore = cluster.awaitCheck(other, "cluster", c -> true).getLong("appliedFromStream");
    try (Http http = new Http(vertx, next.port)) {
      for (int i = 0; i < 50; i++) {
        Http.Response r = http.put("/v1/kv/load/after" + i, "{\"n\":" + i + "}");
        assertEquals(201, r.status(), r.toString());
        acked.put("load/after" + i, r.json().getLong("revision"));
      }
    }
    long last = acked.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    assertEquals(last, PgMirror.persistedRevision(pg.db()));
    cluster.awaitCheck(next, "cluster", c -> c.getLong("publishedRevision") >= last);
    for (ChildServer s : survivors) {
      cluster.awaitRevision(s, last);
    }
    JsonObject check = cluster.awaitCheck(other, "cluster", c -> true);
    System.out.printf("the follower after the failover: %s%n", check.encode());
    assertTrue(check.getLong("appliedFromStream") - fromStreamBefore >= 45,
        "the new leader's writes came through the stream: " + check.encode());

    // Every revision PostgreSQL holds: the acknowledged ones, and any the killed leader committed
    // without its answer reaching the writer.
    List<Long> expected = pg.db().rows("SELECT revision FROM ssot_history WHERE key LIKE 'load/%' ORDER BY revision")
        .stream().map(row -> ((Number) row.get(0)).longValue()).toList();
    assertTrue(expected.containsAll(acked.values()), "every acknowledged write is in PostgreSQL");
    for (int i = 0; i < survivors.size(); i++) {
      ChildServer s = survivors.get(i);
      try (Http http = new Http(vertx, s.port)) {
        for (Map.Entry<String, Long> a : acked.entrySet()) {
          JsonArray history = http.get("/v1/history/" + a.getKey()).json().getJsonArray("items");
          assertEquals(1, history.size(), a.getKey() + " once on " + s.port + ": " + history);
          assertEquals(a.getValue(), history.getJsonObject(0).getLong("revision"), a.getKey() + " on " + s.port);
        }
      }
      assertEquals(expected, watched(watchers.get(i), last),
          "the watcher on " + s.port + " saw every revision once, in order, without reconnecting");
    }
    for (WatchClients.Ws ws : watchers) {
      ws.close();
    }
  }

  /** The revisions of the events {@code ws} received, up to {@code last}. */
  private static List<Long> watched(WatchClients.Ws ws, long last) throws InterruptedException {
    List<Long> seen = new ArrayList<>();
    while (seen.isEmpty() || seen.get(seen.size() - 1) < last) {
      JsonObject m = ws.next();
      assertNotNull(m);
      JsonArray events = m.getJsonArray("events");
      if (events == null) {
        continue; // progress
      }
      seen.add(events.getJsonObject(0).getLong("revision"));
    }
    return seen;
  }

  private ChildServer node(String name) throws java.io.IOException {
    // Polling so slow that it cannot explain what followers apply within the test: the stream does.
    return cluster.node(name).redis().env("SSOT_CLUSTER_POLL_INTERVAL", "30s").start();
  }
}
