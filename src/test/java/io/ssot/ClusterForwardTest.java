package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes on any node (SPEC section 9): a follower forwards a write to the leader and answers the
 * leader's answer once it holds that revision itself; with no leader to reach it answers 503
 * {@code not-leader} at once and nothing is applied. Nodes are child JVMs, as in {@link ClusterTest}.
 */
@ExtendWith(VertxExtension.class)
class ClusterForwardTest {

  @TempDir
  Path work;

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  private final List<ChildServer> children = new ArrayList<>();

  @AfterEach
  void killChildren() throws InterruptedException {
    for (ChildServer c : children) {
      c.kill();
    }
  }

  @Test
  void aFollowerForwardsWritesAndReadsThemBackAtOnce(Vertx vertx) throws Exception {
    List<ChildServer> nodes = List.of(node("n1", null), node("n2", null), node("n3", null));
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = ClusterTest.awaitOneLeader(vertx, nodes);
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
    }
    // The same revisions on every node, the leader's: no node wrote one of its own.
    for (ChildServer n : nodes) {
      ClusterTest.awaitRevision(vertx, n, last);
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
    ChildServer leader = node("a", "http://127.0.0.1:" + ChildServer.freePort());
    leader.awaitReady(vertx);
    ClusterTest.awaitOneLeader(vertx, List.of(leader));
    ChildServer follower = node("b", null);
    follower.awaitReady(vertx);
    awaitLeaderKnown(vertx, follower);
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
    List<ChildServer> nodes = List.of(node("n1", null), node("n2", null));
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = ClusterTest.awaitOneLeader(vertx, nodes);
    ChildServer follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
    awaitLeaderKnown(vertx, follower);
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

  private static void awaitLeaderKnown(Vertx vertx, ChildServer n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      JsonObject cluster = ClusterTest.cluster(vertx, n);
      if (cluster != null && cluster.getValue("leader") instanceof JsonObject) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no leader known on " + n.port + "\n" + n.tail());
  }

  /** @param advertiseUrl null: the node's own address */
  private ChildServer node(String name, String advertiseUrl) throws java.io.IOException {
    Map<String, String> env = new HashMap<>();
    env.put("SSOT_CLUSTER_ENABLED", "true");
    env.put("SSOT_CLUSTER_NODE_ID", name);
    env.put("SSOT_DATA_DIR", work.resolve("data-" + name).toString());
    env.put("SSOT_PG_URL", pg.db().url());
    env.put("SSOT_HTTP_EVENT_LOOPS", "1");
    env.put("SSOT_STORE_MAX_KEYS", "20000");
    env.put("SSOT_CHANGELOG_SEGMENT_BYTES", "1MiB");
    env.put("SSOT_CLUSTER_POLL_INTERVAL", "200ms");
    if (advertiseUrl != null) {
      env.put("SSOT_CLUSTER_ADVERTISE_URL", advertiseUrl);
    }
    ChildServer child = ChildServer.start(ChildServer.mainOnTestClasspath(), work, work.resolve(name + ".log"),
        ChildServer.freePort(), env);
    children.add(child);
    return child;
  }
}
