package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.store.StoreException.Compacted;
import io.ssot.store.StoreException.FutureRevision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The revisioned store over in-memory maps and a real change log (transactions, history,
 * {@code at()}, compaction), and its recovery over a Chronicle-backed data directory.
 */
class MvccStoreTest {

  static {
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
  }

  private static final long SEGMENT = 4096;

  @TempDir
  Path dir;

  /** Commit times: deterministic and increasing. */
  private final AtomicLong clock = new AtomicLong(1_000);
  private final InMemoryKvStore kv = new InMemoryKvStore();
  private final InMemoryKvStore tombstones = new InMemoryKvStore();
  private MvccStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private MvccStore open() throws IOException {
    store = new MvccStore(kv, tombstones, ChangeLog.open(dir.resolve("log"), SEGMENT, 1), false,
        () -> clock.addAndGet(10));
    return store;
  }

  /** Closes the store and opens a new one over the same maps and log: no commit is cached. */
  private MvccStore reopen() throws IOException {
    store.close();
    return open();
  }

  static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(Entry e) {
    return new String(e.value(), StandardCharsets.UTF_8);
  }

  private long put(String key, String value) {
    return store.put(key, json(value), Precondition.NONE, "tester").entry().revision();
  }

  private long delete(String key) {
    return store.delete(key, Precondition.NONE, "tester").revision();
  }

  private static Txn.Op putOp(String key, String value) {
    return new Txn.Op(Txn.OpType.PUT, key, json(value));
  }

  private static Txn.Op deleteOp(String key) {
    return new Txn.Op(Txn.OpType.DELETE, key, null);
  }

  private static Txn.Op getOp(String key) {
    return new Txn.Op(Txn.OpType.GET, key, null);
  }

  // ---- reserved space ------------------------------------------------------------------------

  @Test
  void listingsSkipTheReservedSpace() throws IOException {
    open();
    put("a", "1");
    put(SystemKeys.TOKENS + "t1", "{}");
    put("z", "2");
    store.listingReady().join();
    assertEquals(List.of("a", "z"), store.list("", null, 10).items().stream().map(Entry::key).toList());
    assertEquals("{}", text(store.get(SystemKeys.TOKENS + "t1")), "still readable by the server itself");
  }

  // ---- read cache ----------------------------------------------------------------------------

  @Test
  void readsRacingWritesNeverKeepAStaleEntry() throws Exception {
    open();
    put("hot", "0");
    int writes = 20_000;
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<String> failure = new java.util.concurrent.atomic.AtomicReference<>();
    List<Thread> readers = new java.util.ArrayList<>();
    for (int r = 0; r < 3; r++) {
      Thread reader = new Thread(() -> {
        long last = 0;
        while (!done.get()) {
          long rev = store.get("hot").revision();
          if (rev < last) {
            failure.set("revision went back from " + last + " to " + rev);
          }
          last = rev;
        }
      });
      reader.start();
      readers.add(reader);
    }
    long lastRevision = 0;
    for (int i = 1; i <= writes; i++) {
      lastRevision = put("hot", Integer.toString(i));
      assertEquals(lastRevision, store.get("hot").revision(), "a read after a write sees it");
    }
    done.set(true);
    for (Thread reader : readers) {
      reader.join();
    }
    assertEquals(null, failure.get());
    assertEquals(Integer.toString(writes), text(store.get("hot")));
    assertEquals(lastRevision, store.get("hot").revision());
    delete("hot");
    assertEquals(null, store.get("hot"), "a delete drops the cached entry");
  }

  @Test
  void repeatedReadsOfAnUnchangedKeyShareOneEntry() throws IOException {
    open();
    put("k", "1");
    store.get("k"); // a key read once is not cached (the read cache's doorkeeper)
    Entry first = store.get("k");
    assertSame(first, store.get("k"));
    put("k", "2");
    assertEquals("2", text(store.get("k")));
  }

  // ---- transactions --------------------------------------------------------------------------

  @Test
  void aFailedCompareRunsTheFailureBranchAndWritesNothing() throws IOException {
    open();
    long r1 = put("t/a", "1");
    Txn.Result result = store.txn(new Txn.Request(
        List.of(new Txn.Compare("t/a", r1 + 5, null)),
        List.of(putOp("t/a", "2"), putOp("t/b", "2")),
        List.of(getOp("t/a"))), "tester");
    assertFalse(result.succeeded());
    assertEquals(r1, result.revision(), "nothing written: the store revision");
    assertEquals(r1, store.revision());
    assertNull(store.get("t/b"));
    assertEquals("1", text(((Txn.GetResult) result.results().get(0)).entry()));
    assertNull(store.commitAt(r1 + 1));
  }

  @Test
  void aTransactionIsOneRevisionWithAllItsChanges() throws IOException {
    open();
    put("t/c", "0");
    long before = store.revision();
    Txn.Result result = store.txn(new Txn.Request(
        List.of(new Txn.Compare("t/a", 0L, null), new Txn.Compare("t/c", null, true)),
        List.of(putOp("t/a", "1"), putOp("t/b", "2"), deleteOp("t/c"), deleteOp("t/none"), getOp("t/a")),
        List.of()), "tester");
    assertTrue(result.succeeded());
    assertEquals(before + 1, result.revision());
    assertEquals(before + 1, store.revision());
    Commit commit = store.commitAt(result.revision());
    assertEquals(3, commit.changes().size(), "the delete of an absent key is no change");
    assertEquals(result.revision(), store.get("t/a").revision());
    assertEquals(result.revision(), store.get("t/b").revision());
    assertNull(store.get("t/c"));
    assertFalse(((Txn.DeleteResult) result.results().get(3)).deleted());
    assertEquals("1", text(((Txn.GetResult) result.results().get(4)).entry()), "a get sees the txn's own write");

    reopen();
    Commit fromLog = store.commitAt(result.revision());
    assertEquals(List.of("t/a", "t/b", "t/c"), fromLog.changes().stream().map(Entry::key).toList());
    assertTrue(fromLog.changes().get(2).isDelete());
  }

  @Test
  void concurrentTransfersNeverTearATransaction() throws Exception {
    open();
    long start = store.txn(new Txn.Request(List.of(), List.of(putOp("acc/a", "1000"), putOp("acc/b", "0")),
        List.of()), "tester").revision();
    int threads = 4;
    int transfers = 150;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicLong conflicts = new AtomicLong();
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < transfers; i++) {
            while (true) {
              Entry a = store.get("acc/a");
              Entry b = store.get("acc/b");
              long av = Long.parseLong(text(a));
              long bv = Long.parseLong(text(b));
              Txn.Result r = store.txn(new Txn.Request(
                  List.of(new Txn.Compare("acc/a", a.revision(), null), new Txn.Compare("acc/b", b.revision(), null)),
                  List.of(putOp("acc/a", Long.toString(av - 1)), putOp("acc/b", Long.toString(bv + 1))),
                  List.of()), "tester");
              if (r.succeeded()) {
                break;
              }
              conflicts.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    assertEquals("" + (1000 - threads * transfers), text(store.get("acc/a")));
    assertEquals("" + (threads * transfers), text(store.get("acc/b")));
    assertEquals(start + threads * transfers, store.revision(), "one revision per successful transfer");
    for (long r = start; r <= store.revision(); r++) {
      long a = Long.parseLong(text(store.at("acc/a", r)));
      long b = Long.parseLong(text(store.at("acc/b", r)));
      assertEquals(1000, a + b, "the total at revision " + r);
      assertEquals(2, store.commitAt(r).changes().size());
    }
  }

  // ---- history and at() ----------------------------------------------------------------------

  @Test
  void historyReachesThroughDeletes() throws IOException {
    open();
    put("other", "0");
    long r1 = put("h/k", "\"one\"");
    long r2 = put("h/k", "\"two\"");
    long r3 = delete("h/k");
    long r4 = put("h/k", "\"four\"");
    Entry now = store.get("h/k");
    assertEquals(1, now.version(), "re-created after a delete: version starts again");
    assertEquals(r4, now.createRevision());
    assertEquals(r3, now.prevRevision());

    for (MvccStore s : List.of(store, reopen())) {
      List<Entry> items = s.history("h/k", Long.MAX_VALUE, 100).items();
      assertEquals(List.of(r4, r3, r2, r1), items.stream().map(Entry::revision).toList());
      assertTrue(items.get(1).isDelete());
      assertEquals("\"two\"", text(items.get(2)));
      assertEquals(2, items.get(2).version());
      assertNull(s.history("h/k", Long.MAX_VALUE, 100).next());

      MvccStore.HistoryPage first = s.history("h/k", Long.MAX_VALUE, 2);
      assertEquals(List.of(r4, r3), first.items().stream().map(Entry::revision).toList());
      assertEquals(r3, first.next());
      MvccStore.HistoryPage second = s.history("h/k", first.next(), 2);
      assertEquals(List.of(r2, r1), second.items().stream().map(Entry::revision).toList());
      assertNull(second.next());
      assertTrue(s.history("never", Long.MAX_VALUE, 10).items().isEmpty());
    }
  }

  @Test
  void atGivesTheStateAtEachRevision() throws IOException {
    open();
    long r0 = put("other", "0");
    long r1 = put("at/k", "1");
    long r2 = put("at/k", "2");
    long r3 = delete("at/k");
    put("other", "1");
    long r5 = put("at/k", "5");
    long r6 = put("other", "2");
    for (MvccStore s : List.of(store, reopen())) {
      assertNull(s.at("at/k", r0), "not created yet");
      assertEquals("1", text(s.at("at/k", r1)));
      assertEquals("2", text(s.at("at/k", r2)));
      assertNull(s.at("at/k", r3), "deleted");
      assertNull(s.at("at/k", r3 + 1), "still deleted");
      assertEquals("5", text(s.at("at/k", r5)));
      assertEquals("5", text(s.at("at/k", r6)));
      assertEquals(r2, s.at("at/k", r2).revision());
      assertEquals(2, s.at("at/k", r2).version());
      assertNull(s.at("never", r6));
      assertThrows(FutureRevision.class, () -> s.at("at/k", r6 + 1));
    }
  }

  // ---- compaction ----------------------------------------------------------------------------

  private long segmentCount() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("log"))) {
      return s.filter(p -> p.toString().endsWith(".log")).count();
    }
  }

  @Test
  void compactionByRevisionsDropsSegmentsAndOldTombstones() throws IOException {
    open();
    long stable = put("c/stable", "\"kept\"");
    put("c/gone", "1");
    long goneDeleted = delete("c/gone");
    long recentCreated = put("c/recent", "1");
    for (int i = 0; i < 600; i++) {
      put("c/churn/" + (i % 10), "{\"i\":" + i + "}");
    }
    long recentDeleted = delete("c/recent");
    for (int i = 600; i < 700; i++) {
      put("c/churn/" + (i % 10), "{\"i\":" + i + "}");
    }
    long revision = store.revision();
    long segmentsBefore = segmentCount();
    assertEquals(1, store.compactRevision());

    long floor = store.compact(200, Long.MAX_VALUE);
    assertEquals(floor, store.compactRevision());
    assertTrue(floor > recentCreated, "whole old segments dropped: " + floor);
    assertTrue(floor <= revision - 200 + 1, "the last 200 revisions are kept: " + floor);
    assertTrue(segmentCount() < segmentsBefore);
    assertEquals(revision, store.revision(), "compaction writes nothing");
    assertNull(tombstones.get("c/gone"), "a tombstone below the compact revision is dropped");
    assertNotNull(tombstones.get("c/recent"), "a tombstone within retention is kept");
    assertTrue(goneDeleted < floor && recentDeleted >= floor);

    assertEquals(floor, store.compact(200, Long.MAX_VALUE), "compacting again changes nothing");

    for (MvccStore s : List.of(store, reopen())) {
      assertEquals(floor, s.compactRevision(), "the compact revision survives a reopen");
      assertThrows(Compacted.class, () -> s.at("c/churn/1", floor - 1));
      Compacted c = assertThrows(Compacted.class, () -> s.at("c/stable", floor - 1));
      assertEquals(floor, c.compactRevision());
      // The current version of a key untouched since before the compact revision is the
      // state at every revision from there on: the map has it even though the log does not.
      assertEquals("\"kept\"", text(s.at("c/stable", floor)), "at(floor) of a key last written at " + stable);
      assertEquals("\"kept\"", text(s.at("c/stable", revision)));
      assertEquals("\"kept\"", text(s.get("c/stable")));
      assertNull(s.at("c/gone", floor), "deleted before the compact revision: absent");
      assertNull(s.at("c/recent", recentDeleted));
      assertThrows(Compacted.class, () -> s.at("c/recent", recentDeleted - 1),
          "its value then was written below the compact revision");

      List<Entry> churn = s.history("c/churn/3", Long.MAX_VALUE, 1000).items();
      assertFalse(churn.isEmpty());
      assertTrue(churn.stream().allMatch(e -> e.revision() >= floor), "history stops at the compact revision");
      assertEquals(store.get("c/churn/3").revision(), churn.get(0).revision());
      List<Entry> recent = s.history("c/recent", Long.MAX_VALUE, 10).items();
      assertEquals(List.of(recentDeleted), recent.stream().map(Entry::revision).toList());
      assertTrue(s.history("c/gone", Long.MAX_VALUE, 10).items().isEmpty());
      for (long r = floor; r <= revision; r++) {
        assertEquals(r, s.commitAt(r).revision(), "every retained revision is readable");
      }
    }
    long next = put("c/after", "1");
    assertEquals(revision + 1, next);
  }

  @Test
  void compactionKeepsEverythingNewerThanTheAgeBound() throws IOException {
    open();
    for (int i = 0; i < 400; i++) {
      put("age/" + (i % 5), Integer.toString(i));
    }
    long keepFrom = 300;
    long keepSince = store.commitAt(keepFrom).timestamp();
    long floor = store.compact(1, keepSince);
    assertTrue(floor > 1 && floor <= keepFrom, "revision " + keepFrom + " and later are kept: " + floor);
    for (long r = floor; r <= store.revision(); r++) {
      assertNotNull(store.commitAt(r));
    }
  }

  // ---- recovery over Chronicle ---------------------------------------------------------------

  private static final DataDir.Options SMALL = new DataDir.Options(20_000, 256, 64 << 10);

  /** Everything observable about {@code keys}: current entries and full histories. */
  private static Map<String, String> snapshot(MvccStore s, Iterable<String> keys) {
    Map<String, String> out = new HashMap<>();
    for (String key : keys) {
      StringBuilder b = new StringBuilder();
      Entry e = s.get(key);
      b.append(e == null ? "absent" : describe(e)).append(" | ");
      for (Entry h : s.history(key, Long.MAX_VALUE, 1000).items()) {
        b.append(describe(h)).append("; ");
      }
      out.put(key, b.toString());
    }
    out.put("#revision", Long.toString(s.revision()));
    out.put("#size", Long.toString(s.size()));
    return out;
  }

  private static String describe(Entry e) {
    return e.revision() + "/" + e.createRevision() + "/" + e.version() + "/" + e.prevRevision() + "/"
        + e.updatedAt() + "/" + e.updatedBy() + "=" + (e.isDelete() ? "<deleted>" : text(e));
  }

  /** A mixed workload: puts, re-puts, deletes and transactions over {@code keys}. */
  private static void workload(MvccStore s, String prefix, int n, TreeSet<String> keys) {
    for (int i = 0; i < n; i++) {
      String key = prefix + (i % 37);
      keys.add(key);
      switch (i % 9) {
        case 4 -> s.delete(key, Precondition.NONE, "w");
        case 7 -> {
          String other = prefix + ((i + 5) % 37);
          keys.add(other);
          s.txn(new Txn.Request(List.of(), List.of(putOp(key, "{\"t\":" + i + "}"), deleteOp(other)), List.of()), "w");
        }
        default -> s.put(key, json("{\"i\":" + i + ",\"pad\":\"" + "p".repeat(i % 50) + "\"}"), Precondition.NONE, "w");
      }
    }
  }

  private void markUnclean(Path data) throws IOException {
    assertTrue(Files.deleteIfExists(data.resolve("clean-shutdown")), "a clean close leaves the marker");
  }

  @Test
  void replayAfterAnUncleanStopIsIdempotent() throws IOException {
    Path data = dir.resolve("data");
    TreeSet<String> keys = new TreeSet<>();
    Map<String, String> expected;
    try (DataDir d = DataDir.open(data, SMALL)) {
      workload(d.store(), "r/", 500, keys);
      expected = snapshot(d.store(), keys);
    }
    // Reopen as after a kill, twice: replaying commits the map already holds changes nothing.
    for (int round = 0; round < 2; round++) {
      markUnclean(data);
      try (DataDir d = DataDir.open(data, SMALL)) {
        assertEquals(expected, snapshot(d.store(), keys), "round " + round);
      }
    }
    try (DataDir d = DataDir.open(data, SMALL)) {
      long revision = d.store().revision();
      assertEquals(revision + 1, d.store().put("r/new", json("1"), Precondition.NONE, "w").entry().revision());
    }
  }

  @Test
  void replayBringsAMapThatIsBehindTheLogUpToDate() throws IOException {
    Path data = dir.resolve("data");
    TreeSet<String> keys = new TreeSet<>();
    try (DataDir d = DataDir.open(data, SMALL)) {
      workload(d.store(), "b/", 300, keys);
    }
    // Commits that reached the log but not the map, as when a kill lands between the two:
    // written through a store over throwaway maps rebuilt from the same log.
    Map<String, String> expected;
    MvccStore side = new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(),
        ChangeLog.open(data.resolve("changelog"), SMALL.segmentBytes(), 1), true, System::currentTimeMillis);
    try {
      workload(side, "b/", 200, keys);
      workload(side, "b2/", 50, keys);
      expected = snapshot(side, keys);
    } finally {
      side.close();
    }
    markUnclean(data);
    try (DataDir d = DataDir.open(data, SMALL)) {
      assertEquals(expected, snapshot(d.store(), keys));
      d.store().listingReady().join();
      List<String> listed = d.store().list("b2/", null, 1000).items().stream().map(Entry::key).toList();
      List<String> live = keys.stream().filter(k -> k.startsWith("b2/") && side.get(k) != null).toList();
      assertEquals(live, listed, "the key index includes replayed keys");
    }
    markUnclean(data);
    try (DataDir d = DataDir.open(data, SMALL)) {
      assertEquals(expected, snapshot(d.store(), keys), "a second replay changes nothing");
    }
  }

  @Test
  void aValueTheMapCannotHoldIsRefusedBeforeItIsLogged() throws IOException {
    Path data = dir.resolve("data");
    // A store sized for 1,000 small entries holds far less than the default 1 MiB value limit.
    DataDir.Options tiny = new DataDir.Options(1000, 64, 64 << 10);
    byte[] big = new byte[900_000];
    java.util.Arrays.fill(big, (byte) '1');
    long revision;
    try (DataDir d = DataDir.open(data, tiny)) {
      MvccStore s = d.store();
      long r1 = s.put("big/small", json("1"), Precondition.NONE, "w").entry().revision();
      assertThrows(StoreException.TooLarge.class, () -> s.put("big/k", big, Precondition.NONE, "w"));
      assertThrows(StoreException.TooLarge.class, () -> s.txn(new Txn.Request(List.of(),
          List.of(new Txn.Op(Txn.OpType.PUT, "big/t", big)), List.of()), "w"));
      assertEquals(r1, s.revision(), "no revision is used by a refused write");
      assertNull(s.commitAt(r1 + 1));
      assertEquals(r1 + 1, s.put("big/small", json("2"), Precondition.NONE, "w").entry().revision(),
          "writes go on");
      revision = s.revision();
    }
    markUnclean(data);
    try (DataDir d = DataDir.open(data, tiny)) {
      assertEquals(revision, d.store().revision());
      assertEquals("2", text(d.store().get("big/small")));
      assertNull(d.store().get("big/k"));
    }
  }

  // ---- commits made elsewhere ----------------------------------------------------------------

  /** A store that makes the commits another one applies: in-memory maps, its own change log. */
  private MvccStore leader(String name) throws IOException {
    return new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(),
        ChangeLog.open(dir.resolve(name), SEGMENT, 1), false, () -> clock.addAndGet(10));
  }

  /** A commit as comparable text: its revision, time and every change. */
  private static String describe(Commit c) {
    return c == null ? "none"
        : c.revision() + "@" + c.timestamp() + c.changes().stream().map(e -> e.key() + ":" + describe(e)).toList();
  }

  private static String describeOrAbsent(Entry e) {
    return e == null ? "absent" : describe(e);
  }

  @Test
  void commitsMadeElsewhereApplyAsLocalOnesAndAreToldOnceInOrder() throws IOException {
    TreeSet<String> keys = new TreeSet<>();
    try (MvccStore leader = leader("leader")) {
      workload(leader, "e/", 300, keys);
      open();
      List<Long> told = new ArrayList<>();
      List<Long> observed = new ArrayList<>();
      store.addCommitListener(told::add);
      store.addCommitObserver(c -> observed.add(c.revision()));
      for (long r = 1; r <= leader.revision(); r++) {
        store.apply(leader.commitAt(r));
      }
      List<Long> every = java.util.stream.LongStream.rangeClosed(1, leader.revision()).boxed().toList();
      assertEquals(every, told, "listeners are told each revision once, in order");
      assertEquals(every, observed, "observers get each commit once, in order");
      assertEquals(snapshot(leader, keys), snapshot(store, keys), "current entries and histories");
      for (long r = 1; r <= leader.revision(); r++) {
        assertEquals(describe(leader.commitAt(r)), describe(store.commitAt(r)), "the change log holds revision " + r);
        for (String key : List.of("e/0", "e/4", "e/9")) {
          assertEquals(describeOrAbsent(leader.at(key, r)), describeOrAbsent(store.at(key, r)), key + " at " + r);
        }
      }
      store.listingReady().join();
      assertEquals(leader.list("e/", null, 1000).items().stream().map(Entry::key).toList(),
          store.list("e/", null, 1000).items().stream().map(Entry::key).toList(), "the key index");

      reopen();
      assertEquals(snapshot(leader, keys), snapshot(store, keys), "after a restart");
      assertEquals(describe(leader.commitAt(leader.revision())), describe(store.commitAt(store.revision())));
    }
  }

  @Test
  void aRepeatOrAGapIsRefusedAndChangesNothing() throws IOException {
    try (MvccStore leader = leader("leader")) {
      for (int i = 1; i <= 4; i++) {
        leader.put("k", json(Integer.toString(i)), Precondition.NONE, "w");
      }
      open();
      List<Long> told = new ArrayList<>();
      store.addCommitListener(told::add);
      store.apply(leader.commitAt(1));
      store.apply(leader.commitAt(2));

      assertThrows(StoreException.RevisionRepeated.class, () -> store.apply(leader.commitAt(2)));
      assertThrows(StoreException.RevisionRepeated.class, () -> store.apply(leader.commitAt(1)));
      StoreException.RevisionGap gap = assertThrows(StoreException.RevisionGap.class,
          () -> store.apply(leader.commitAt(4)));
      assertEquals(2, gap.current(), gap.getMessage());
      assertEquals(2, store.revision());
      assertNull(store.commitAt(3), "nothing logged");
      assertEquals("2", text(store.get("k")));
      assertEquals(List.of(1L, 2L), told, "no one is told of a refused commit");

      store.apply(leader.commitAt(3));
      store.apply(leader.commitAt(4));
      assertEquals("4", text(store.get("k")));
      assertEquals(List.of(1L, 2L, 3L, 4L), told);
    }
  }

  @Test
  void aCommitWhoseChangesAreNotAtItsRevisionIsRefused() throws IOException {
    open();
    Entry change = new Entry("k", json("1"), 2, 2, 1, 0, 1_000, "w");
    assertThrows(IllegalArgumentException.class, () -> store.apply(new Commit(1, 1_000, List.of(change))));
    assertThrows(IllegalArgumentException.class, () -> store.apply(new Commit(1, 1_000, List.of())));
    assertEquals(0, store.revision());
    assertNull(store.commitAt(1));
  }

  @Test
  void theReadCacheSeesAnAppliedCommit() throws IOException {
    try (MvccStore leader = leader("leader")) {
      leader.put("hot", json("1"), Precondition.NONE, "w");
      leader.put("hot", json("2"), Precondition.NONE, "w");
      leader.delete("hot", Precondition.NONE, "w");
      open();
      store.apply(leader.commitAt(1));
      store.get("hot"); // a key read once is not cached (the read cache's doorkeeper)
      Entry first = store.get("hot");
      assertSame(first, store.get("hot"), "cached");
      store.apply(leader.commitAt(2));
      assertEquals("2", text(store.get("hot")));
      store.apply(leader.commitAt(3));
      assertNull(store.get("hot"));
    }
  }

  @Test
  void appliedCommitsSurviveARestartAndAReplay() throws IOException {
    Path data = dir.resolve("data");
    TreeSet<String> keys = new TreeSet<>();
    try (MvccStore leader = leader("leader")) {
      workload(leader, "a/", 400, keys);
      Map<String, String> expected = snapshot(leader, keys);
      try (DataDir d = DataDir.open(data, SMALL)) {
        for (long r = 1; r <= leader.revision(); r++) {
          d.store().apply(leader.commitAt(r));
        }
        assertEquals(expected, snapshot(d.store(), keys));
      }
      try (DataDir d = DataDir.open(data, SMALL)) {
        assertEquals(expected, snapshot(d.store(), keys), "after a clean close");
      }
      markUnclean(data);
      try (DataDir d = DataDir.open(data, SMALL)) {
        assertEquals(expected, snapshot(d.store(), keys), "after the change log is replayed");
      }
    }
  }
}
