package io.ssot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.Http;
import io.ssot.PgExtension;
import io.ssot.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code ssot cluster} against a node in cluster mode: the leader, this node and the members. */
@ExtendWith(VertxExtension.class)
class CliClusterTest {

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  @TempDir
  Path dir;

  @Test
  void clusterShowsTheLeaderThisNodeAndTheMembers(Vertx vertx) throws Exception {
    Map<String, String> settings = Map.of("pg.url", pg.db().url(), "cluster.enabled", "true",
        "cluster.nodeId", "n1", "cluster.name", "cli-" + UUID.randomUUID(), "cluster.pollInterval", "200ms");
    try (TestServer node = TestServer.start(settings); Http http = new Http(vertx, node.port())) {
      long deadline = System.currentTimeMillis() + 20_000;
      while (http.get("/v1/cluster").json().getValue("leader") == null && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      CliProcess cli = new CliProcess(dir, Map.of("SSOTCTL_URL", "http://127.0.0.1:" + node.port(),
          "SSOTCTL_TOKEN", TestServer.ADMIN_TOKEN));
      CliProcess.Result json = cli.run("cluster", "-o", "json");
      assertEquals(0, json.code(), json::toString);
      JsonObject status = new JsonObject(json.stdout());
      assertEquals("n1", status.getJsonObject("leader").getString("id"), json::toString);
      assertEquals("n1", status.getJsonObject("self").getString("id"));
      assertEquals("leader", status.getJsonObject("self").getString("role"));

      CliProcess.Result table = cli.run("cluster");
      assertEquals(0, table.code(), table::toString);
      assertTrue(table.stdout().startsWith("leader: n1 "), table::toString);
      assertTrue(table.stdout().contains("this node: n1 leader, applied revision "), table::toString);
    }
  }
}
