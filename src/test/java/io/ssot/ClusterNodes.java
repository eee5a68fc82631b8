package io.ssot;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Cluster nodes for a test (SPEC section 9): child JVMs ({@link ChildServer}) with their own port
 * and data directory on the test's fresh database, with a fresh {@code cluster.name} (so a fresh
 * Redis stream key), optionally with Redis and with a {@link TcpProxy} in front of PostgreSQL or
 * Redis that the test can cut. Right after each test (before any {@code @AfterEach} and before
 * the {@link PgExtension} drops the database) every child is killed, every proxy closed, the
 * stream key deleted and the work directory removed; when the test failed, each node's last
 * lines are printed first:
 *
 * <pre>{@code
 * @RegisterExtension
 * final PgExtension pg = new PgExtension();
 * @RegisterExtension
 * final ClusterNodes cluster = new ClusterNodes(pg);
 * ... ChildServer n1 = cluster.node("n1").redis().pgProxy().start(); ...
 * }</pre>
 */
final class ClusterNodes implements BeforeEachCallback, AfterTestExecutionCallback {

  static final String REDIS = "redis://127.0.0.1:6379";

  private final PgExtension pg;
  private final Map<ChildServer, Started> started = new IdentityHashMap<>();
  private final List<ChildServer> children = new ArrayList<>();
  private final List<TcpProxy> proxies = new ArrayList<>();
  private String clusterName;
  private Path work;
  private Vertx vertx;

  ClusterNodes(PgExtension pg) {
    this.pg = pg;
  }

  /** What a node was started with, to start it again after a kill. */
  private record Started(String id, Map<String, String> env, TcpProxy pgProxy, TcpProxy redisProxy) {
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    clusterName = "test-" + UUID.randomUUID();
    work = Files.createTempDirectory("ssot-cluster");
    vertx = Vertx.vertx();
  }

  @Override
  public void afterTestExecution(ExtensionContext context) throws Exception {
    try {
      if (context.getExecutionException().isPresent()) {
        for (ChildServer c : children) {
          System.out.printf("---- node %s on port %d, the end of its log:%n%s%n", started.get(c).id(), c.port, c.tail());
        }
      }
      for (ChildServer c : children) {
        c.kill();
      }
      for (TcpProxy p : proxies) {
        p.close();
      }
      Redis redis = Redis.createClient(vertx, REDIS);
      try {
        redis.send(Request.cmd(Command.DEL).arg(streamKey())).await();
      } catch (RuntimeException noRedisNoStream) {
        // a test without Redis made none
      } finally {
        redis.close();
      }
    } finally {
      vertx.close().await();
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      children.clear();
      proxies.clear();
      started.clear();
    }
  }

  /** This test's cluster name: the nodes' Redis keys are {@code ssot:<name>:...}. */
  String name() {
    return clusterName;
  }

  /** The Redis stream the leader publishes to. */
  String streamKey() {
    return "ssot:" + clusterName + ":commits";
  }

  /** A directory of this test's own, deleted after it (nodes' data directories and logs are in it). */
  Path work() {
    return work;
  }

  /** The Vert.x instance the fixture polls nodes with. */
  Vertx vertx() {
    return vertx;
  }

  /** A node to start; {@link Node#start()} starts it. */
  Node node(String id) {
    return new Node(id);
  }

  /** A node with the defaults: PostgreSQL, no Redis, polled every 200 ms. */
  ChildServer start(String id) throws IOException {
    return node(id).start();
  }

  /**
   * The settings of a node {@code id} on this test's database with the defaults (no Redis), for a
   * child the test starts itself (a start-up expected to fail): SSOT_ settings only, no port.
   */
  Map<String, String> env(String id) {
    Map<String, String> env = new HashMap<>();
    env.put("SSOT_CLUSTER_ENABLED", "true");
    env.put("SSOT_CLUSTER_NAME", clusterName);
    env.put("SSOT_CLUSTER_NODE_ID", id);
    env.put("SSOT_DATA_DIR", work.resolve("data-" + id).toString());
    env.put("SSOT_PG_URL", pg.db().url());
    env.put("SSOT_HTTP_EVENT_LOOPS", "1");
    env.put("SSOT_STORE_MAX_KEYS", "20000");
    env.put("SSOT_CHANGELOG_SEGMENT_BYTES", "1MiB");
    env.put("SSOT_CLUSTER_POLL_INTERVAL", "200ms");
    return env;
  }

  /** A node's settings, then {@link #start()}. */
  final class Node {
    private final String id;
    private final Map<String, String> env;
    private boolean redis;
    private boolean viaPgProxy;
    private boolean viaRedisProxy;

    private Node(String id) {
      this.id = id;
      this.env = ClusterNodes.this.env(id);
    }

    /** With Redis ({@link #REDIS}). */
    Node redis() {
      redis = true;
      return this;
    }

    /** Reaching PostgreSQL through a proxy of its own ({@link ClusterNodes#pgProxy}). */
    Node pgProxy() {
      viaPgProxy = true;
      return this;
    }

    /** With Redis, reached through a proxy of its own ({@link ClusterNodes#redisProxy}). */
    Node redisProxy() {
      redis = true;
      viaRedisProxy = true;
      return this;
    }

    /** A setting of the test's own (SSOT_...), over the defaults. */
    Node env(String name, String value) {
      env.put(name, value);
      return this;
    }

    Node env(Map<String, String> settings) {
      env.putAll(settings);
      return this;
    }

    /** Starts the child (not awaiting it: {@link ChildServer#awaitReady}). */
    ChildServer start() throws IOException {
      TcpProxy pgP = null;
      TcpProxy redisP = null;
      if (viaPgProxy) {
        pgP = proxy(PgTestDatabase.PORT);
        env.put("SSOT_PG_URL", pg.db().url(pgP.port()));
      }
      if (viaRedisProxy) {
        redisP = proxy(6379);
        env.put("SSOT_REDIS_URL", "redis://127.0.0.1:" + redisP.port());
      } else if (redis) {
        env.put("SSOT_REDIS_URL", REDIS);
      }
      return launch(new Started(id, Map.copyOf(env), pgP, redisP));
    }
  }

  private TcpProxy proxy(int targetPort) throws IOException {
    TcpProxy p = new TcpProxy(targetPort);
    proxies.add(p);
    return p;
  }

  private ChildServer launch(Started s) throws IOException {
    ChildServer child = ChildServer.start(ChildServer.mainOnTestClasspath(), work,
        work.resolve(s.id() + "-" + children.size() + ".log"), LoopbackPorts.free(), s.env());
    children.add(child);
    started.put(child, s);
    return child;
  }

  /**
   * Starts {@code killed}'s node again, after its end: same id, settings, data directory and
   * proxies, a new port.
   */
  ChildServer restart(ChildServer killed) throws IOException, InterruptedException {
    assertTrue(killed.process.waitFor(20, TimeUnit.SECONDS), "the node to restart has ended");
    return launch(started(killed));
  }

  /** The proxy in front of {@code node}'s PostgreSQL. */
  TcpProxy pgProxy(ChildServer node) {
    TcpProxy p = started(node).pgProxy();
    if (p == null) {
      throw new IllegalArgumentException("the node was started without a PostgreSQL proxy");
    }
    return p;
  }

  /** The proxy in front of {@code node}'s Redis. */
  TcpProxy redisProxy(ChildServer node) {
    TcpProxy p = started(node).redisProxy();
    if (p == null) {
      throw new IllegalArgumentException("the node was started without a Redis proxy");
    }
    return p;
  }

  /** The id {@code node} was started with. */
  String id(ChildServer node) {
    return started(node).id();
  }

  private Started started(ChildServer node) {
    Started s = started.get(node);
    if (s == null) {
      throw new IllegalArgumentException("not a node of this fixture");
    }
    return s;
  }

  // ---- waiting for the cluster ----------------------------------------------------------------

  /** Waits until each of {@code nodes} answers ready. */
  void awaitReady(List<ChildServer> nodes) throws InterruptedException {
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
  }

  /** Waits until exactly one of {@code nodes} says it leads and every other names it; returns it. */
  ChildServer awaitOneLeader(List<ChildServer> nodes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String seen = "";
    while (System.nanoTime() < deadline) {
      List<ChildServer> leaders = new ArrayList<>();
      StringBuilder views = new StringBuilder();
      for (ChildServer n : nodes) {
        JsonObject cluster = cluster(n);
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

  /** Waits until {@code n} names a leader (a follower learns it at a poll). */
  void awaitLeaderKnown(ChildServer n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonObject cluster = null;
    while (System.nanoTime() < deadline) {
      cluster = cluster(n);
      if (cluster != null && cluster.getValue("leader") instanceof JsonObject) {
        return;
      }
      Thread.sleep(50);
    }
    fail("no leader known on " + n.port + ": " + cluster + "\n" + n.tail());
  }

  /** Waits until the row of {@code id} in {@code /v1/cluster} on {@code n} has {@code role}; returns it. */
  JsonObject awaitMember(ChildServer n, String id, String role) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    JsonObject cluster = null;
    while (System.nanoTime() < deadline) {
      cluster = cluster(n);
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

  /** {@code GET /v1/cluster} on {@code n}, or null when it does not answer 200. */
  JsonObject cluster(ChildServer n) {
    try (Http http = new Http(vertx, n.port)) {
      Http.Response r = http.get("/v1/cluster");
      return r.status() == 200 ? r.json() : null;
    } catch (Exception e) {
      return null;
    }
  }

  /** Waits until {@code n}'s store has applied {@code revision}. */
  void awaitRevision(ChildServer n, long revision) throws InterruptedException {
    awaitCheck(n, "store", s -> s.getLong("revision") >= revision);
  }

  /** Polls /health/ready until {@code checks.<name>} satisfies {@code done}; returns it. */
  JsonObject awaitCheck(ChildServer n, String name, Predicate<JsonObject> done) throws InterruptedException {
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
}
