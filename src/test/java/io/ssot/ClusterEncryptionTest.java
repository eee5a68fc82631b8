package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.security.ValueCipher;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Encryption at rest in a cluster: the encryption marker is recorded once, by the first leader, and
 * reaches the other nodes as any revision. Nodes started together on an empty database share it; a
 * follower given the key while behind the leader catches up instead of recording a marker of its
 * own at a revision the leader used for something else (it would diverge); a node with another key
 * is refused.
 */
@ExtendWith(VertxExtension.class)
class ClusterEncryptionTest {

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  @RegisterExtension
  final ClusterNodes cluster = new ClusterNodes(pg);

  @Test
  void nodesStartedTogetherShareOneMarkerAndAnotherKeyIsRefused(Vertx vertx) throws Exception {
    Path key = keyFile("key");
    List<ChildServer> nodes = List.of(encrypted("c1", key).start(), encrypted("c2", key).start());
    cluster.awaitReady(nodes);
    ChildServer leader = cluster.awaitOneLeader(nodes);
    ChildServer follower = nodes.get(0) == leader ? nodes.get(1) : nodes.get(0);
    cluster.awaitLeaderKnown(follower);

    long written;
    try (Http onLeader = new Http(vertx, leader.port)) {
      Http.Response put = onLeader.put("/v1/kv/secret/db", "{\"password\":\"s3cret\"}");
      assertEquals(201, put.status(), put::toString);
      written = put.json().getLong("revision");
    }
    try (Http onFollower = new Http(vertx, follower.port)) {
      Http.Response read = onFollower.get("/v1/kv/secret/db?minRevision=" + written);
      assertEquals(200, read.status(), read::toString);
      assertEquals("s3cret", read.json().getJsonObject("value").getString("password"));
      // A few polls later the follower still follows: its store holds the leader's revisions only.
      Thread.sleep(1000);
      JsonObject checks = onFollower.get("/health/ready").json().getJsonObject("checks");
      assertEquals("follower", checks.getJsonObject("cluster").getString("status"), checks::encodePrettily);
    }
    assertEquals(1, pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key = ?", ValueCipher.MARKER_KEY),
        "one marker for the cluster");
    assertNotEquals(0, pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key = 'secret/db'"));

    Map<String, String> otherKey = cluster.env("c3");
    otherKey.put("SSOT_ENCRYPTION_KEY_FILE", keyFile("other").toString());
    otherKey.put("SSOT_ENCRYPTION_PREFIXES", "secret/");
    ChildServer.Exit refused = ChildServer.runToExit(ChildServer.mainOnTestClasspath(), cluster.work(), otherKey);
    assertNotEquals(0, refused.code(), refused::toString);
    assertTrue(refused.stderr().contains("does not hold the key the store's values were encrypted with"),
        refused::toString);
  }

  private ClusterNodes.Node encrypted(String id, Path key) {
    return cluster.node(id).env(Map.of("SSOT_ENCRYPTION_KEY_FILE", key.toString(), "SSOT_ENCRYPTION_PREFIXES", "secret/"));
  }

  private Path keyFile(String name) throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path file = cluster.work().resolve(name + ".b64");
    Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
    return file;
  }

  @Test
  void aFollowerGivenTheKeyWhileBehindCatchesUpInsteadOfRecordingItsOwnMarker(Vertx vertx) throws Exception {
    List<ChildServer> nodes = List.of(cluster.start("p1"), cluster.start("p2"));
    cluster.awaitReady(nodes);
    ChildServer leader = cluster.awaitOneLeader(nodes);
    ChildServer follower = nodes.get(0) == leader ? nodes.get(1) : nodes.get(0);
    String followerId = cluster.id(follower);
    try (Http onLeader = new Http(vertx, leader.port)) {
      long before = 0;
      for (int i = 0; i < 3; i++) {
        before = onLeader.put("/v1/kv/plain/" + i, "" + i).json().getLong("revision");
      }
      cluster.awaitRevision(follower, before);
      follower.kill();
      long last = 0;
      for (int i = 3; i < 6; i++) {
        last = onLeader.put("/v1/kv/plain/" + i, "" + i).json().getLong("revision");
      }
      ChildServer keyed = encrypted(followerId, keyFile("key")).start();
      keyed.awaitReady(vertx);
      cluster.awaitRevision(keyed, last);
      try (Http onKeyed = new Http(vertx, keyed.port)) {
        Thread.sleep(1000); // a few polls
        JsonObject checks = onKeyed.get("/health/ready").json().getJsonObject("checks");
        assertEquals("follower", checks.getJsonObject("cluster").getString("status"), checks::encodePrettily);
        assertEquals(last, checks.getJsonObject("store").getLong("revision"), "nothing of its own");
        for (int i = 0; i < 6; i++) {
          Http.Response read = onKeyed.get("/v1/kv/plain/" + i);
          assertEquals(200, read.status(), "plain/" + i + " (revision " + (last - 5 + i) + "): " + read);
        }
      }
    }
    assertEquals(0, pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key = ?", ValueCipher.MARKER_KEY),
        "a follower records no marker; the leader, which has no key, neither");
  }
}
