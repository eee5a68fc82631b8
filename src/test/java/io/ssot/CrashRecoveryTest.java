package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.store.Commit;
import io.ssot.store.DataDir;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} under load. The server runs as a child JVM on a data directory; several
 * connections write to it (new keys, rewrites of a few hot keys, deletes, transactions, some
 * with {@code durability=sync}) and every acknowledged write is recorded. The child is killed
 * with SIGKILL while writes are in flight, then the directory is opened again and checked:
 * every acknowledged write is there at its revision with its value, the latest state of each
 * key is at or after its last acknowledged write, revisions have no gap, the map agrees with
 * the change log, and new writes continue at the next revision. Two rounds on one directory:
 * the second child recovers what the first left.
 */
@ExtendWith(VertxExtension.class)
class CrashRecoveryTest {

  /** The child's sizing (SSOT_STORE_MAX_KEYS, default average value size, SSOT_CHANGELOG_SEGMENT_BYTES). */
  private static final DataDir.Options OPTIONS = new DataDir.Options(20_000, 512, 1 << 20);
  private static final int CONNECTIONS = 6;
  private static final int HOT_KEYS = 12;
  /** Acknowledged writes that surely fill more than one 1 MiB segment (about 2,000 revisions each). */
  private static final int ROLLING_WRITES = 3_000;
  private static final int MIN_WRITES_PER_ROUND = 100;

  @TempDir
  Path work;

  /** One acknowledged write: {@code value} is null for a delete. */
  record Ack(String key, long revision, String value) {
    @Override
    public String toString() {
      String v = value == null ? "<delete>" : value.length() > 40 ? value.substring(0, 40) + "…" : value;
      return key + "@" + revision + "=" + v;
    }
  }

  @Test
  void acknowledgedWritesSurviveSigkill(Vertx vertx) throws Exception {
    long seed = Long.getLong("ssot.crash.seed", System.nanoTime());
    System.out.println("CrashRecoveryTest seed " + seed + " (rerun with -Dssot.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    Path data = work.resolve("data");
    List<Ack> acks = new ArrayList<>();
    for (int round = 1; round <= 2; round++) {
      Path log = work.resolve("child-" + round + ".log");
      int port = LoopbackPorts.free();
      // The second child also compacts, often and keeping little, so recovery starts from a
      // compact revision above 1 and kills can land during compaction.
      ChildServer child = startChild(data, port, log, round == 2);
      Load load = null;
      try {
        child.awaitReady(vertx);
        if (round > 1) {
          verifyOverHttp(vertx, port, acks);
        }
        load = new Load(vertx, port, round, random.nextLong());
        load.start();
        long started = System.nanoTime();
        Thread.sleep(1000 + random.nextInt(2001));
        // However slowly a loaded machine writes, each round makes progress and the last one
        // fills more than one change-log segment (both checked below): go on until then, for at
        // most 30 s more.
        int wanted = round == 2 ? ROLLING_WRITES - acks.size() : MIN_WRITES_PER_ROUND;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (load.acks.size() < wanted && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        long killAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        int inFlight = load.inFlight.get();
        assertTrue(inFlight > 0, "writes are in flight at the kill");
        child.process.destroyForcibly();
        assertTrue(child.process.waitFor(20, TimeUnit.SECONDS), "the child died");
        assertTrue(load.awaitStopped(20_000), "every connection noticed the kill");
        System.out.printf("round %d: killed after %d ms with %d requests in flight; %d writes acknowledged%n",
            round, killAfter, inFlight, load.acks.size());
        assertTrue(load.acks.size() >= MIN_WRITES_PER_ROUND, "the load made progress: " + load.acks.size() + ", refused: "
            + load.failures.stream().limit(3).toList() + "\n" + child.tail());
        assertTrue(load.failures.isEmpty(), "no write was refused before the kill: " + load.failures);
      } finally {
        child.kill();
        if (load != null) {
          load.close();
        }
      }
      acks.addAll(load.acks);
      // Round 1 is checked on a copy, so that the next child recovers the killed directory
      // itself; the last round is checked on the directory.
      Path checked = round == 1 ? copy(data, work.resolve("copy-" + round)) : data;
      long[] revisions = verify(checked, acks, "round " + round);
      if (round == 2) {
        try (Stream<Path> segments = Files.list(data.resolve("changelog"))) {
          long count = segments.filter(p -> p.toString().endsWith(".log")).count();
          System.out.println("change-log segments left: " + count);
          // Only whole segments other than the active one are dropped.
          assertTrue(count > 1 || revisions[1] > 1, "the change log rolled at least once");
        }
        if (revisions[0] > 5000) {
          // About 2,000 revisions fill a segment: past two of them, keeping 1,000 drops one.
          assertTrue(revisions[1] > 1, "the second child compacted (revision " + revisions[0] + ")");
        }
      }
    }
  }

  // ---- the child server ------------------------------------------------------------------------

  private ChildServer startChild(Path data, int port, Path log, boolean compacting) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("SSOT_DATA_DIR", data.toString());
    env.put("SSOT_HTTP_EVENT_LOOPS", "2");
    env.put("SSOT_STORE_MAX_KEYS", "20000");
    env.put("SSOT_CHANGELOG_SEGMENT_BYTES", "1MiB");
    if (compacting) {
      env.put("SSOT_CHANGELOG_RETENTION_REVISIONS", "1000");
      env.put("SSOT_CHANGELOG_RETENTION_AGE", "0ms");
      env.put("SSOT_CHANGELOG_COMPACT_INTERVAL", "250ms");
    }
    return ChildServer.start(ChildServer.mainOnTestClasspath(), work, log, port, env);
  }

  private static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
    return to;
  }

  // ---- the load ----------------------------------------------------------------------------------

  /** Several connections, each writing as fast as it is answered until its connection breaks. */
  static final class Load {
    final Queue<Ack> acks = new ConcurrentLinkedQueue<>();
    final Queue<String> failures = new ConcurrentLinkedQueue<>();
    final AtomicInteger inFlight = new AtomicInteger();
    private final Vertx vertx;
    private final int port;
    private final int round;
    private final long seed;
    private final List<HttpClient> clients = new ArrayList<>();
    private final List<Future<Void>> stopped = new ArrayList<>();
    private final AtomicBoolean dead = new AtomicBoolean();

    Load(Vertx vertx, int port, int round, long seed) {
      this.vertx = vertx;
      this.port = port;
      this.round = round;
      this.seed = seed;
    }

    void start() {
      for (int c = 0; c < CONNECTIONS; c++) {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
            .setDefaultPort(port).setConnectTimeout(2000), new PoolOptions().setHttp1MaxSize(1));
        clients.add(client);
        Promise<Void> done = Promise.promise();
        stopped.add(done.future());
        Writer writer = new Writer(client, c, new Random(seed + c), done);
        vertx.runOnContext(v -> writer.next());
      }
    }

    boolean awaitStopped(long millis) {
      try {
        Future.join(stopped).toCompletionStage().toCompletableFuture().get(millis, TimeUnit.MILLISECONDS);
        return true;
      } catch (Exception e) {
        return false;
      }
    }

    void close() {
      dead.set(true);
      clients.forEach(c -> c.close());
    }

    private final class Writer {
      private final HttpClient client;
      private final int connection;
      private final Random random;
      private final Promise<Void> done;
      private int seq;

      Writer(HttpClient client, int connection, Random random, Promise<Void> done) {
        this.client = client;
        this.connection = connection;
        this.random = random;
        this.done = done;
      }

      private String value() {
        // Padded so that a few thousand writes fill more than one 1 MiB change-log segment.
        return "{\"r\":" + round + ",\"c\":" + connection + ",\"s\":" + seq + ",\"pad\":\""
            + "p".repeat(random.nextInt(800)) + "\"}";
      }

      void next() {
        if (dead.get()) {
          done.tryComplete();
          return;
        }
        seq++;
        int dice = random.nextInt(100);
        String hot = "hot/" + random.nextInt(HOT_KEYS);
        if (dice < 45) {
          String key = "r" + round + "/c" + connection + "/k" + seq;
          put(key, "", value());
        } else if (dice < 75) {
          put(hot, "", value());
        } else if (dice < 83) {
          delete(hot);
        } else if (dice < 93) {
          txn(hot);
        } else {
          put(hot, "?durability=sync", value());
        }
      }

      private Future<JsonObject> send(HttpMethod method, String uri, String body, int... accepted) {
        inFlight.incrementAndGet();
        return Http.exchange(client.request(new RequestOptions().putHeader("Authorization", Http.ADMIN_AUTHORIZATION)
                .setMethod(method).setURI(uri).setIdleTimeout(10_000)), req -> {
              req.putHeader("Content-Type", "application/json");
              return body == null ? req.send() : req.send(body);
            }, resp -> resp.body().map(b -> {
              for (int status : accepted) {
                if (resp.statusCode() == status) {
                  return status == 404 ? null : b.toJsonObject();
                }
              }
              failures.add(method + " " + uri + " answered " + resp.statusCode() + " " + b);
              return null;
            }))
            .andThen(ar -> inFlight.decrementAndGet());
      }

      /** Records the acknowledged write, then goes on; a broken connection ends this writer. */
      private void then(Future<JsonObject> answer, java.util.function.Consumer<JsonObject> onAck) {
        answer.onComplete(ar -> {
          if (ar.failed()) {
            dead.set(true); // the server is gone
            done.tryComplete();
            return;
          }
          if (ar.result() != null) {
            onAck.accept(ar.result());
          }
          next();
        });
      }

      private void put(String key, String query, String value) {
        then(send(HttpMethod.PUT, "/v1/kv/" + key + query, value, 200, 201),
            json -> acks.add(new Ack(key, json.getLong("revision"), value)));
      }

      private void delete(String key) {
        then(send(HttpMethod.DELETE, "/v1/kv/" + key, null, 200, 404),
            json -> acks.add(new Ack(key, json.getLong("revision"), null)));
      }

      /** Puts two keys and deletes or re-puts a third, all at one revision. */
      private void txn(String hot) {
        String a = "txn/c" + connection + "/a";
        String b = "txn/c" + connection + "/b";
        String value = value();
        boolean deleteB = seq % 2 == 1;
        String body = new JsonObject().put("compare", new JsonArray())
            .put("success", new JsonArray()
                .add(new JsonObject().put("op", "put").put("key", a).put("value", new JsonObject(value)))
                .add(new JsonObject().put("op", "put").put("key", hot).put("value", new JsonObject(value)))
                .add(deleteB ? new JsonObject().put("op", "delete").put("key", b)
                    : new JsonObject().put("op", "put").put("key", b).put("value", new JsonObject(value))))
            .put("failure", new JsonArray()).encode();
        then(send(HttpMethod.POST, "/v1/txn", body, 200), json -> {
          long rev = json.getLong("revision");
          // The value is stored as re-encoded by JsonObject, so compare what the server got.
          String sent = new JsonObject(value).encode();
          acks.add(new Ack(a, rev, sent));
          acks.add(new Ack(hot, rev, sent));
          boolean deleted = json.getJsonArray("results").getJsonObject(2).getBoolean("deleted", false);
          if (!deleteB) {
            acks.add(new Ack(b, rev, sent));
          } else if (deleted) {
            acks.add(new Ack(b, rev, null));
          }
        });
      }
    }
  }

  // ---- the checks --------------------------------------------------------------------------------

  private static String text(Entry e) {
    return new String(e.value(), StandardCharsets.UTF_8);
  }

  private static Map<String, Ack> latestPerKey(List<Ack> acks) {
    Map<String, Ack> latest = new HashMap<>();
    for (Ack a : acks) {
      latest.merge(a.key(), a, (x, y) -> x.revision() >= y.revision() ? x : y);
    }
    return latest;
  }

  /** One version of a key as a reader sees it; {@code value} is null for a delete. */
  record Version(long revision, JsonObject value) {
  }

  /**
   * Checks a key's latest acknowledged write against what a reader sees of the key: its current
   * version (null when absent) and its history, newest first, which reaches back to the compact
   * revision.
   *
   * @return what is wrong, or null
   */
  static String checkLatest(Ack a, Version current, List<Version> history, long compactRevision) {
    JsonObject acked = a.value() == null ? null : new JsonObject(a.value());
    boolean retained = a.revision() >= compactRevision;
    long head = current != null ? current.revision() : history.isEmpty() ? 0 : history.get(0).revision();
    if (head == 0) {
      // Nothing left of the key: only a delete whose marker was compacted explains that. (The
      // writes not acknowledged were in flight at the kill: far above the compact revision.)
      return a.value() == null && !retained ? null : "nothing left of " + a.key() + ", acknowledged " + a;
    }
    if (head < a.revision()) {
      return a.key() + " is at revision " + head + ", before acknowledged " + a;
    }
    if (head == a.revision()) {
      boolean same = current == null ? acked == null : acked != null && acked.equals(current.value());
      return same ? null : a.key() + " is not as acknowledged: " + current + " after " + a;
    }
    if (retained && history.stream().noneMatch(v -> v.revision() == a.revision()
        && (acked == null ? v.value() == null : acked.equals(v.value())))) {
      return "acknowledged " + a + " is not in the history of " + a.key() + " (head " + head + ")";
    }
    return null;
  }

  private static Version version(Entry e) {
    return new Version(e.revision(), e.isDelete() ? null : new JsonObject(text(e)));
  }

  /**
   * Opens {@code dir} in this process (recovering it) and checks it against {@code acks}.
   *
   * @return the store revision and the compact revision found
   */
  private static long[] verify(Path dir, List<Ack> acks, String what) throws IOException {
    try (DataDir d = DataDir.open(dir, OPTIONS)) {
      MvccStore s = d.store();
      long revision = s.revision();
      long compact = s.compactRevision();
      long maxAck = acks.stream().mapToLong(Ack::revision).max().orElse(0);
      assertTrue(revision >= maxAck, what + ": store revision " + revision + " below acknowledged " + maxAck);

      // No gap: every revision from the compact revision on is in the log, in order.
      Map<String, Entry> folded = new HashMap<>();
      for (long r = compact; r <= revision; r++) {
        Commit c = s.commitAt(r);
        assertNotNull(c, what + ": revision " + r + " is missing (compact revision " + compact + ")");
        assertEquals(r, c.revision());
        assertFalse(c.changes().isEmpty(), what + ": revision " + r + " changes nothing");
        for (Entry e : c.changes()) {
          assertEquals(r, e.revision());
          folded.put(e.key(), e);
        }
      }

      // Every acknowledged write still in the log is there at its revision, byte for byte.
      int inLog = 0;
      for (Ack a : acks) {
        if (a.revision() < compact) {
          continue;
        }
        inLog++;
        Commit c = s.commitAt(a.revision());
        Entry e = c.changes().stream().filter(x -> x.key().equals(a.key())).findFirst().orElse(null);
        assertNotNull(e, what + ": acknowledged " + a + " is not in revision " + a.revision());
        if (a.value() == null) {
          assertTrue(e.isDelete(), what + ": acknowledged delete " + a + " is a put");
        } else {
          assertFalse(e.isDelete(), what + ": acknowledged put " + a + " is a delete");
          assertEquals(a.value(), text(e), what + ": value of " + a);
        }
      }

      // The latest acknowledged write of each key is its state, or a later revision superseded it.
      List<String> problems = new ArrayList<>();
      for (Ack a : latestPerKey(acks).values()) {
        Entry current = s.get(a.key());
        List<Version> history = s.history(a.key(), Long.MAX_VALUE, Integer.MAX_VALUE).items().stream()
            .map(CrashRecoveryTest::version).toList();
        String problem = checkLatest(a, current == null ? null : version(current), history, compact);
        if (problem != null) {
          problems.add(problem);
        }
      }
      assertEquals(List.of(), problems, what);

      // The map agrees with the log: each key's last retained change is its state.
      java.util.Set<String> keys = new java.util.HashSet<>(folded.keySet());
      acks.forEach(a -> keys.add(a.key()));
      for (Map.Entry<String, Entry> f : folded.entrySet()) {
        Entry current = s.get(f.getKey());
        if (f.getValue().isDelete()) {
          assertNull(current, what + ": " + f.getKey() + " was deleted at " + f.getValue().revision());
        } else {
          assertNotNull(current, what + ": " + f.getKey() + " was written at " + f.getValue().revision());
          assertEquals(f.getValue().revision(), current.revision(), what + ": revision of " + f.getKey());
          assertEquals(f.getValue().version(), current.version(), what + ": version of " + f.getKey());
          assertEquals(f.getValue().createRevision(), current.createRevision());
          assertEquals(text(f.getValue()), text(current), what + ": value of " + f.getKey());
        }
      }
      // Every key in the map was written by this test; one whose last write was never acknowledged
      // (in flight at a kill) and has since been compacted from the log cannot be attributed.
      s.listingReady().join();
      for (Entry e : s.list("", null, Integer.MAX_VALUE).items()) {
        assertTrue(keys.contains(e.key()) || e.revision() < compact,
            what + ": " + e.key() + " at revision " + e.revision() + " was never written");
      }

      // Writes continue at the next revision.
      long next = s.put("after/crash", "{\"ok\":true}".getBytes(StandardCharsets.UTF_8), Precondition.NONE, "test")
          .entry().revision();
      assertEquals(revision + 1, next, what + ": the first write after recovery");
      assertEquals(next, s.commitAt(next).revision());
      System.out.printf("%s: recovered at revision %d (compact revision %d) with %d keys; %d acknowledged "
          + "writes checked, %d of them in the log%n", what, revision, compact, s.size(), acks.size(), inLog);
      return new long[] {revision, compact};
    }
  }

  /** The restarted child serves every key's latest acknowledged write. */
  private static void verifyOverHttp(Vertx vertx, int port, List<Ack> acks) {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(port), new PoolOptions().setHttp1MaxSize(8));
    try {
      Map<Ack, Future<Version>> currents = new HashMap<>();
      Map<Ack, Future<List<Version>>> histories = new HashMap<>();
      for (Ack a : latestPerKey(acks).values()) {
        currents.put(a, client.request(HttpMethod.GET, "/v1/kv/" + a.key())
            .compose(req -> req.putHeader("Authorization", Http.ADMIN_AUTHORIZATION).send().compose(resp -> resp.body().map(b -> resp.statusCode() == 404 ? null
                : new Version(b.toJsonObject().getLong("revision"), b.toJsonObject().getJsonObject("value"))))));
        histories.put(a, client.request(HttpMethod.GET, "/v1/history/" + a.key() + "?limit=1000")
            .compose(req -> req.putHeader("Authorization", Http.ADMIN_AUTHORIZATION).send().compose(resp -> resp.body()))
            .map(b -> {
              List<Version> out = new ArrayList<>();
              for (Object o : b.toJsonObject().getJsonArray("items")) {
                JsonObject item = (JsonObject) o;
                out.add(new Version(item.getLong("revision"),
                    "delete".equals(item.getString("type")) ? null : item.getJsonObject("value")));
              }
              return out;
            }));
      }
      List<Future<?>> all = new ArrayList<>(currents.values());
      all.addAll(histories.values());
      Future.all(all).await();
      JsonObject store = client.request(HttpMethod.GET, "/health/ready")
          .compose(req -> req.send().compose(resp -> resp.body())).await()
          .toJsonObject().getJsonObject("checks").getJsonObject("store");
      // Read after the histories: compaction may have run meanwhile, never backwards.
      long compact = store.getLong("compactRevision");
      List<String> problems = new ArrayList<>();
      for (Ack a : currents.keySet()) {
        String problem = checkLatest(a, currents.get(a).result(), histories.get(a).result(), compact);
        if (problem != null) {
          problems.add(problem);
        }
      }
      assertEquals(List.of(), problems, "the restarted child serves every acknowledged write");
      long served = store.getLong("revision");
      assertTrue(served >= acks.stream().mapToLong(Ack::revision).max().orElse(0), "served revision " + served);
    } finally {
      client.close().await();
    }
  }
}
