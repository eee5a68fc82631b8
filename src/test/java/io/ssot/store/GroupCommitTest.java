package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code durability=sync} without Postgres: every waiter of {@link GroupCommit#durable} completes,
 * and once it has, the record is in the change-log files (read back by a fresh open of a copy).
 */
class GroupCommitTest {

  /** Small segments, so the forced range spans segment rolls. */
  private static final long SEGMENT = 8192;

  @TempDir
  Path dir;

  private MvccStore store;
  private GroupCommit groupCommit;

  @AfterEach
  void close() throws InterruptedException {
    if (groupCommit != null) {
      groupCommit.close();
    }
    if (store != null) {
      store.close();
    }
  }

  private void open() throws IOException {
    store = new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(),
        ChangeLog.open(dir.resolve("log"), SEGMENT, 1), false, System::currentTimeMillis);
    groupCommit = new GroupCommit(store);
  }

  /** Opens a copy of the log files as they are now, as a restart would find them. */
  private ChangeLog copyOfLog() throws IOException {
    Path copy = Files.createDirectories(dir.resolve("copy-" + System.nanoTime()));
    try (Stream<Path> files = Files.list(dir.resolve("log"))) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    return ChangeLog.open(copy, SEGMENT, 1);
  }

  private static byte[] value(int writer, int i) {
    return ("{\"w\":" + writer + ",\"i\":" + i + ",\"pad\":\"" + "z".repeat(i % 40) + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void manyConcurrentWaitersAllCompleteAndTheirRecordsAreInTheFiles() throws Exception {
    open();
    int writers = 8;
    int perWriter = 150;
    Map<Long, byte[]> acknowledged = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        done.add(pool.submit(() -> {
          List<CompletableFuture<Void>> pending = new ArrayList<>();
          Map<Long, byte[]> unacknowledged = new java.util.HashMap<>();
          for (int i = 0; i < perWriter; i++) {
            byte[] v = value(writer, i);
            long rev = store.put("gc/" + writer + "/" + (i % 13), v, Precondition.NONE, "w").entry().revision();
            // Half wait for each write; half pipeline ten writes, then wait for them all.
            CompletableFuture<Void> durable = groupCommit.durable(rev);
            unacknowledged.put(rev, v);
            pending.add(durable);
            if (writer % 2 == 0 || pending.size() == 10 || i == perWriter - 1) {
              CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
              acknowledged.putAll(unacknowledged);
              unacknowledged.clear();
              pending.clear();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdown();
    }
    assertEquals(writers * perWriter, acknowledged.size(), "every waiter completed");
    try (Stream<Path> files = Files.list(dir.resolve("log"))) {
      assertTrue(files.count() > 3, "the writes span several segments");
    }
    ChangeLog reread = copyOfLog();
    assertEquals(store.revision(), reread.lastRevision());
    for (Map.Entry<Long, byte[]> e : acknowledged.entrySet()) {
      Commit c = reread.read(e.getKey());
      assertNotNull(c, "revision " + e.getKey());
      assertArrayEquals(e.getValue(), c.changes().get(0).value(), "revision " + e.getKey());
    }
    reread.close();
  }

  @Test
  void aDurableRevisionCompletesAtOnceAndTheRecordIsReadBack() throws Exception {
    open();
    long rev = store.put("one", "1".getBytes(StandardCharsets.UTF_8), Precondition.NONE, "w").entry().revision();
    groupCommit.durable(rev).get(10, TimeUnit.SECONDS);
    CompletableFuture<Void> again = groupCommit.durable(rev);
    assertTrue(again.isDone() && !again.isCompletedExceptionally(), "already durable: no wait");
    ChangeLog reread = copyOfLog();
    assertEquals("one", reread.read(rev).changes().get(0).key());
    reread.close();
  }

  @Test
  void closeCompletesPendingWaitersAndRefusesNewOnes() throws Exception {
    open();
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      long rev = store.put("c/" + i, "1".getBytes(StandardCharsets.UTF_8), Precondition.NONE, "w").entry().revision();
      pending.add(groupCommit.durable(rev));
    }
    groupCommit.close();
    for (CompletableFuture<Void> f : pending) {
      f.get(1, TimeUnit.SECONDS);
    }
    ExecutionException refused = assertThrows(ExecutionException.class,
        () -> groupCommit.durable(store.revision() + 1).get(1, TimeUnit.SECONDS));
    assertTrue(refused.getCause() instanceof IllegalStateException);
    groupCommit = null;
  }
}
