package io.ssot.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.protocol.Problem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every call of {@link SsotClient} against the real server, and the typed exceptions of its problems. */
class ClientApiTest {

  @TempDir
  static Path dir;
  static ServerProcess server;
  static SsotClient client;

  @BeforeAll
  static void start() throws Exception {
    server = ServerProcess.start(dir.resolve("data"));
    client = server.client().build();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    server.close();
  }

  @Test
  void putGetGetRawDelete() {
    WriteResult created = client.put("api/db", Map.of("pool", Map.of("max", 32)));
    assertTrue(created.created());
    assertEquals(1, created.version());
    WriteResult updated = client.putJson("api/db", "{\"pool\":{\"max\":64}}");
    assertFalse(updated.created());
    assertEquals(2, updated.version());
    assertTrue(updated.revision() > created.revision());

    Entry e = client.get("api/db").orElseThrow();
    assertEquals(64, e.value().at("/pool/max").asInt());
    assertEquals(updated.revision(), e.revision());
    assertEquals(created.revision(), e.createRevision());
    assertEquals("admin", e.updatedBy());
    assertArrayEquals("{\"pool\":{\"max\":64}}".getBytes(StandardCharsets.UTF_8), client.getRaw("api/db").orElseThrow());

    WriteResult deleted = client.delete("api/db");
    assertTrue(deleted.revision() > updated.revision());
    assertTrue(client.get("api/db").isEmpty());
    assertTrue(client.getRaw("api/db").isEmpty());
    SsotException.KeyNotFoundException gone = assertThrows(SsotException.KeyNotFoundException.class,
        () -> client.delete("api/db"));
    assertEquals(404, gone.status());
    assertEquals(Problem.KEY_NOT_FOUND, gone.problemCode());
  }

  @Test
  void conditionalWritesAndTheirTypedFailures() {
    WriteResult first = client.put("api/cas", 1, WriteOptions.ifAbsent());
    SsotException.PreconditionFailedException exists = assertThrows(SsotException.PreconditionFailedException.class,
        () -> client.put("api/cas", 2, WriteOptions.ifAbsent()));
    assertEquals(412, exists.status());
    assertEquals("precondition-failed", exists.code());
    assertEquals(first.revision(), exists.currentRevision());

    WriteResult second = client.put("api/cas", 2, WriteOptions.ifMatch(first.revision()).durability(Durability.SYNC));
    SsotException.PreconditionFailedException stale = assertThrows(SsotException.PreconditionFailedException.class,
        () -> client.put("api/cas", 3, WriteOptions.ifMatch(first.revision())));
    assertEquals(second.revision(), stale.currentRevision());
    assertEquals(second.revision(), stale.problem().get("currentRevision").asLong());
    assertThrows(SsotException.PreconditionFailedException.class,
        () -> client.delete("api/cas", WriteOptions.ifMatch(first.revision())));
    client.delete("api/cas", WriteOptions.ifMatch(second.revision()));
    SsotException.PreconditionFailedException absent = assertThrows(SsotException.PreconditionFailedException.class,
        () -> client.put("api/cas", 4, WriteOptions.ifMatch(1)));
    assertEquals(-1, absent.currentRevision());
  }

  @Test
  void badInputAndAuthAreTypedProblems() {
    SsotException badKey = assertThrows(SsotException.class, () -> client.put("api/../x", 1));
    assertEquals(400, badKey.status());
    assertEquals("invalid-key", badKey.code()); // ".." is not normalised away, it is refused
    assertThrows(IllegalArgumentException.class, () -> client.putJson("api/x", "{not json"));
    try (SsotClient anonymous = SsotClient.builder().endpoints(server.url()).build();
         SsotClient wrong = SsotClient.builder().endpoints(server.url()).token("not-the-token-0123456789").build()) {
      SsotException.AccessDeniedException none = assertThrows(SsotException.AccessDeniedException.class,
          () -> anonymous.get("api/x"));
      assertEquals(401, none.status());
      assertEquals("unauthorized", none.code());
      assertEquals("invalid-token", assertThrows(SsotException.AccessDeniedException.class,
          () -> wrong.get("api/x")).code());
    }
  }

  @Test
  void listReadsEveryPage() {
    for (int i = 0; i < 1205; i++) {
      client.put(String.format("list/k%04d", i), i);
    }
    client.put("listx", 0);
    Listing all = client.list("list/");
    assertEquals(1205, all.entries().size());
    for (int i = 0; i < 1205; i++) {
      assertEquals(String.format("list/k%04d", i), all.entries().get(i).key());
      assertEquals(i, all.entries().get(i).value().asInt());
    }
    assertTrue(all.revision() >= all.entries().get(1204).revision());
    assertTrue(client.list("nothing-here/").entries().isEmpty());
  }

  @Test
  void historyNewestFirst() {
    long r1 = client.put("api/h", 1).revision();
    long r2 = client.put("api/h", 2).revision();
    long r3 = client.delete("api/h").revision();
    List<HistoryItem> all = client.history("api/h", 0);
    assertEquals(List.of(r3, r2, r1), all.stream().map(HistoryItem::revision).toList());
    assertTrue(all.get(0).deleted());
    assertEquals(2, all.get(1).value().asInt());
    assertEquals(List.of(r3, r2), client.history("api/h", 2).stream().map(HistoryItem::revision).toList());
  }

  @Test
  void txnBothBranches() {
    long r = client.put("api/t", "a").revision();
    TxnResult ok = client.txn(Txn.create().compareRevision("api/t", r).put("api/t", "b").put("api/t2", 2)
        .get("api/t").orElseGet("api/t"));
    assertTrue(ok.succeeded());
    assertEquals(3, ok.results().size());
    assertEquals(ok.revision(), ok.results().get(0).get("revision").asLong());
    assertEquals("b", ok.results().get(2).get("value").asText());
    TxnResult failed = client.txn(Txn.create().compareRevision("api/t", r).put("api/t", "c").orElseGet("api/t")
        .orElseDelete("api/t2"));
    assertFalse(failed.succeeded());
    assertEquals("b", failed.results().get(0).get("value").asText());
    assertTrue(failed.results().get(1).get("deleted").asBoolean());
    assertTrue(client.txn(Txn.create().compareExists("api/t2", false).get("api/none")).succeeded());
    SsotException bad = assertThrows(SsotException.class, () -> client.txn(Txn.create().compareRevision("a//b", 1)));
    assertEquals(400, bad.status());
  }

  @Test
  void watchKeyAndPrefixFromARevision() throws Exception {
    long from = client.put("w/a", 1).revision();
    client.put("w/b", 2);
    client.put("other", 3);
    List<Long> revisions = new CopyOnWriteArrayList<>();
    List<String> keys = new CopyOnWriteArrayList<>();
    List<String> keyOnly = new CopyOnWriteArrayList<>();
    CountDownLatch four = new CountDownLatch(4);
    CountDownLatch three = new CountDownLatch(3);
    try (Watch prefix = client.watchPrefix("w/", from, (revision, events) -> {
      revisions.add(revision);
      events.forEach(e -> keys.add(e.key() + (e.deleted() ? "-" : "+")));
      four.countDown();
    });
         Watch key = client.watchKey("w/b", from, (revision, events) -> {
           events.forEach(e -> keyOnly.add(e.key() + (e.deleted() ? "-" : "+") + e.revision()));
           three.countDown();
         })) {
      long r22 = client.put("w/b", 22).revision();
      long rDel = client.delete("w/b").revision();
      assertTrue(four.await(10, TimeUnit.SECONDS), "events: " + keys);
      assertTrue(three.await(10, TimeUnit.SECONDS), "events: " + keyOnly);
      assertEquals(List.of("w/a+", "w/b+", "w/b+", "w/b-"), keys);
      assertEquals(revisions.stream().sorted().distinct().toList(), revisions);
      assertEquals(List.of("w/b+" + (from + 1), "w/b+" + r22, "w/b-" + rDel), keyOnly);
      assertEquals(rDel + 1, key.nextRevision());
      assertTrue(prefix.nextRevision() > rDel);
    }
  }

  @Test
  void aRefusedWatchEndsWithTypedError() throws Exception {
    CountDownLatch refused = new CountDownLatch(1);
    SsotException[] error = new SsotException[1];
    client.watchKey("bad//key", 0, new WatchListener() {
      @Override
      public void onEvents(long revision, List<WatchEvent> events) {
      }

      @Override
      public void onError(SsotException e) {
        error[0] = e;
        refused.countDown();
      }
    });
    assertTrue(refused.await(10, TimeUnit.SECONDS));
    assertEquals("invalid-key", error[0].code());
  }

  @Test
  void viewReadsAndTypedAccessors() throws Exception {
    client.putJson("typed/svc", "{\"pool\":{\"max\":32},\"name\":\"main\",\"on\":true,\"timeout\":\"250ms\","
        + "\"big\":9000000000,\"iso\":\"PT2M\",\"ms\":1500}");
    try (ConfigView view = client.view("typed/")) {
      assertTrue(view.awaitReady(Duration.ofSeconds(10)));
      assertEquals(32, view.getInt("typed/svc", "/pool/max", 0));
      assertEquals(7, view.getInt("typed/svc", "/pool/min", 7));
      assertEquals(7, view.getInt("typed/none", "/pool/max", 7));
      assertEquals("main", view.getString("typed/svc", "/name", "?"));
      assertTrue(view.getBoolean("typed/svc", "/on", false));
      assertEquals(9_000_000_000L, view.getLong("typed/svc", "/big", 0));
      assertEquals(Duration.ofMillis(250), view.getDuration("typed/svc", "/timeout", Duration.ZERO));
      assertEquals(Duration.ofMinutes(2), view.getDuration("typed/svc", "/iso", Duration.ZERO));
      assertEquals(Duration.ofMillis(1500), view.getDuration("typed/svc", "/ms", Duration.ZERO));
      assertEquals(Duration.ofSeconds(1), view.getDuration("typed/svc", "/name", Duration.ofSeconds(1)));
      Svc svc = view.as("typed/svc", Svc.class);
      assertEquals(32, svc.pool().max());
      assertTrue(svc == view.as("typed/svc", Svc.class), "bound once per revision");
      JsonNode whole = view.get("typed/svc");
      assertEquals("main", whole.get("name").asText());
      assertEquals(1, view.snapshot().size());
    }
  }

  record Pool(int max) {
  }

  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
  record Svc(Pool pool, String name) {
  }
}
