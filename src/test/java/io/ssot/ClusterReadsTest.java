package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reads at a revision on a follower (SPEC section 9): {@code ?minRevision=R} waits until the
 * follower has applied R, {@code ?consistency=leader} until it has applied what the leader had
 * when asked; two child JVMs on one fresh PostgreSQL database, followers polling it (no Redis),
 * so a follower is visibly behind the leader between polls.
 */
@ExtendWith(VertxExtension.class)
class ClusterReadsTest {

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  @RegisterExtension
  final ClusterNodes cluster = new ClusterNodes(pg);

  @Test
  void aFollowerAnswersAtTheRevisionAsked(Vertx vertx) throws Exception {
    List<ChildServer> nodes = List.of(node("r1"), node("r2"));
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = cluster.awaitOneLeader(nodes);
    ChildServer follower = nodes.get(0) == leader ? nodes.get(1) : nodes.get(0);
    cluster.awaitLeaderKnown(follower);
    try (Http onLeader = new Http(vertx, leader.port); Http onFollower = new Http(vertx, follower.port)) {
      long written = onLeader.put("/v1/kv/app/a", "1").json().getLong("revision");
      Http.Response read = onFollower.get("/v1/kv/app/a?minRevision=" + written);
      assertEquals(200, read.status(), read::toString);
      assertEquals(written, read.json().getLong("revision"));
      assertTrue(Long.parseLong(read.header("X-SSOT-Revision")) >= written, read::toString);

      // Linearizable: the follower learns the leader's revision, then waits until it has it.
      long second = onLeader.put("/v1/kv/app/b", "2").json().getLong("revision");
      Http.Response latest = onFollower.get("/v1/kv/app/b?consistency=leader");
      assertEquals(200, latest.status(), latest::toString);
      assertEquals(second, latest.json().getLong("revision"));
      long third = onLeader.put("/v1/kv/app/c", "3").json().getLong("revision");
      Http.Response listed = onFollower.get("/v1/kv?prefix=app/&consistency=leader");
      assertEquals(200, listed.status(), listed::toString);
      assertTrue(listed.json().getLong("revision") >= third, listed::toString);
      assertEquals(3, listed.json().getJsonArray("items").size(), listed::toString);

      Http.Response onItself = onLeader.get("/v1/kv/app/c?consistency=leader");
      assertEquals(200, onItself.status(), "the leader answers at once: " + onItself);
      LimitsTest.assertProblem(onFollower.get("/v1/kv/app/c?consistency=eventual"), 400, "invalid-parameter");

      Http.Response tooFar = onFollower.get("/v1/kv/app/a?minRevision=" + (third + 1000));
      LimitsTest.assertProblem(tooFar, 504, "revision-not-applied");
      assertTrue(tooFar.json().getLong("appliedRevision") >= third, tooFar::toString);
    }
  }

  @Test
  void aSecondNodeWithALiveNodesIdIsRefusedButARestartAfterKillIsNot(Vertx vertx) throws Exception {
    ChildServer first = node("same");
    first.awaitReady(vertx);
    cluster.awaitOneLeader(List.of(first));
    Map<String, String> env = env("same");
    env.put("SSOT_DATA_DIR", cluster.work().resolve("data-same-2").toString());
    env.put("SSOT_HTTP_PORT", Integer.toString(LoopbackPorts.free()));
    env.put("SSOT_ADMIN_TOKEN", TestServer.ADMIN_TOKEN);
    ChildServer.Exit exit = ChildServer.runToExit(ChildServer.mainOnTestClasspath(), cluster.work(), env);
    assertEquals(2, exit.code(), exit.stdout() + exit.stderr());
    assertTrue(exit.stderr().contains("Cannot start: cluster.nodeId (SSOT_CLUSTER_NODE_ID) 'same' is in use"),
        exit.stderr());

    // kill -9 leaves a recent heartbeat behind; the node coming back with its id is no duplicate.
    first.kill();
    ChildServer again = node("same");
    again.awaitReady(vertx);
    cluster.awaitOneLeader(List.of(again));
  }

  private ChildServer node(String name) throws java.io.IOException {
    return cluster.node(name).env(env(name)).start();
  }

  /** Polling every second, so a follower is visibly behind between polls. */
  private Map<String, String> env(String name) {
    Map<String, String> env = cluster.env(name);
    env.put("SSOT_CLUSTER_POLL_INTERVAL", "1s");
    env.put("SSOT_LIMITS_MAX_WAIT", "3s");
    return env;
  }
}
