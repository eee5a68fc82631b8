package io.ssot.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.testsupport.LoopbackPorts;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a real cluster (three nodes on one fresh PostgreSQL database and the local
 * Redis): given every node as an endpoint, it keeps writing and its view keeps following when the
 * leader it talks to is killed with {@code kill -9}: writes go to another node (which forwards
 * them to the new leader), the view resumes there from its last revision, no gap, no duplicate.
 */
class ClusterFailOverTest {

  private static final String PG = "jdbc:postgresql://127.0.0.1:5432/";

  @TempDir
  Path dir;
  private final String database = "ssot_client_" + UUID.randomUUID().toString().replace("-", "");
  private final String clusterName = "client-" + UUID.randomUUID();
  private final List<ServerProcess> nodes = new ArrayList<>();

  @BeforeEach
  void createDatabase() throws Exception {
    try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", null); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + database);
    }
  }

  @AfterEach
  void stopNodesAndDropDatabase() throws Exception {
    for (ServerProcess n : nodes) {
      n.close();
    }
    try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", null); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
    deleteStream("ssot:" + clusterName + ":commits");
  }

  /** {@code DEL key} in the RESP protocol, the one Redis command this test needs. */
  private static void deleteStream(String key) throws Exception {
    try (Socket redis = new Socket(InetAddress.getLoopbackAddress(), 6379)) {
      redis.setSoTimeout(5000);
      byte[] k = key.getBytes(StandardCharsets.UTF_8);
      redis.getOutputStream().write(("*2\r\n$3\r\nDEL\r\n$" + k.length + "\r\n" + key + "\r\n")
          .getBytes(StandardCharsets.UTF_8));
      int first = redis.getInputStream().read();
      assertEquals(':', first, "Redis answers DEL with an integer");
    }
  }

  @Test
  void writesAndTheViewGoOnThroughTheLossOfTheLeader() throws Exception {
    for (int i = 1; i <= 3; i++) {
      Map<String, String> env = new HashMap<>();
      env.put("SSOT_CLUSTER_ENABLED", "true");
      env.put("SSOT_CLUSTER_NAME", clusterName);
      env.put("SSOT_CLUSTER_NODE_ID", "c" + i);
      env.put("SSOT_CLUSTER_POLL_INTERVAL", "200ms");
      env.put("SSOT_PG_URL", "postgresql://postgres@127.0.0.1:5432/" + database);
      env.put("SSOT_REDIS_URL", "redis://127.0.0.1:6379");
      nodes.add(ServerProcess.start(dir.resolve("data-c" + i), LoopbackPorts.free(), env));
    }
    ServerProcess leader = awaitLeader();
    // The leader first: the client talks to it until it is gone.
    List<String> endpoints = new ArrayList<>(List.of(leader.url()));
    nodes.stream().filter(n -> n != leader).forEach(n -> endpoints.add(n.url()));

    try (SsotClient client = SsotClient.builder().endpoints(endpoints.toArray(String[]::new))
        .token(ServerProcess.TOKEN).retryBudget(Duration.ofSeconds(30)).build()) {
      ConfigView view = client.view("cf/");
      assertTrue(view.awaitReady(Duration.ofSeconds(20)));
      Recorder rec = new Recorder();
      view.onPrefix("", rec);
      List<Long> written = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        written.add(client.put("cf/k" + i, i).revision());
      }
      Recorder.await("the view on the leader", 20_000, () -> view.revision() >= written.get(written.size() - 1));

      leader.kill9();
      for (int i = 5; i < 15; i++) {
        written.add(client.put("cf/k" + i, i).revision());
      }
      long last = written.get(written.size() - 1);
      Recorder.await("the view on a survivor", 30_000, () -> view.revision() >= last);
      rec.awaitTold(last, 10_000);
      rec.assertOrderedOnce();
      rec.assertSawExactly(written);
      for (int i = 0; i < 15; i++) {
        assertEquals(i, view.getInt("cf/k" + i, "", -1), "cf/k" + i);
      }
    }
  }

  /** The node whose /v1/cluster says it leads, once one does. */
  private ServerProcess awaitLeader() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      for (ServerProcess n : nodes) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(n.url() + "/v1/cluster"))
            .header("Authorization", "Bearer " + ServerProcess.TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("\"self\":{\"id\":\"" + "c" + (nodes.indexOf(n) + 1)
            + "\",\"role\":\"leader\"")) {
          return n;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no leader within 30 s");
  }
}
