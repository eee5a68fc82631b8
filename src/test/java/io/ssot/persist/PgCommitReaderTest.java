package io.ssot.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ssot.PgTestDatabase;
import io.ssot.store.ChangeLog;
import io.ssot.store.Commit;
import io.ssot.store.Entry;
import io.ssot.store.InMemoryKvStore;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.ssot.store.Txn;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL's history reads back as the commits the write-behind wrote (changes in key order),
 * a store applying them ends where the one that made them is, and a revision the history lacks
 * is named.
 */
@ExtendWith(VertxExtension.class)
class PgCommitReaderTest {

  private PgTestDatabase db;
  private Pool pool;
  @TempDir
  Path dir;
  private final AtomicLong clock = new AtomicLong(1_000);

  @BeforeEach
  void start(Vertx vertx) {
    db = PgTestDatabase.create();
    PgLocation location = PgLocation.parse(db.url());
    Migrations.apply(location);
    pool = PgBuilder.pool().connectingTo(location.connectOptions()).using(vertx).build();
  }

  @AfterEach
  void stop() {
    pool.close().await();
    db.close();
  }

  private MvccStore store(String name) throws IOException {
    return new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(), ChangeLog.open(dir.resolve(name), 1 << 16, 1),
        false, () -> clock.addAndGet(10));
  }

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Puts, deletes, re-creations and transactions of several keys, written to PostgreSQL. */
  private List<Commit> written(MvccStore leader) {
    for (int i = 0; i < 40; i++) {
      String key = "k" + (i % 6);
      switch (i % 5) {
        case 3 -> leader.delete(key, Precondition.NONE, "w");
        case 4 -> leader.txn(new Txn.Request(List.of(), List.of(
            new Txn.Op(Txn.OpType.PUT, "t" + (i % 3), json("{\"i\":" + i + "}")),
            new Txn.Op(Txn.OpType.DELETE, "k" + ((i + 1) % 6), null),
            new Txn.Op(Txn.OpType.PUT, "a" + i, json("[]"))), List.of()), "w");
        default -> leader.put(key, json("{\"i\":" + i + "}"), Precondition.NONE, "w");
      }
    }
    List<Commit> commits = new ArrayList<>();
    for (long r = 1; r <= leader.revision(); r++) {
      commits.add(leader.commitAt(r));
    }
    new PgWriter(pool).write(commits).await();
    return commits;
  }

  /** A commit as comparable text, its changes in key order. */
  private static String describe(Commit c) {
    return c.revision() + "@" + c.timestamp()
        + c.changes().stream().sorted(Comparator.comparing(Entry::key)).map(PgCommitReaderTest::describe).toList();
  }

  private static String describe(Entry e) {
    return e == null ? "absent" : e.key() + "/" + e.revision() + "/" + e.createRevision() + "/" + e.version() + "/"
        + e.prevRevision() + "/" + e.updatedAt() + "/" + e.updatedBy() + "="
        + (e.isDelete() ? "<deleted>" : new String(e.value(), StandardCharsets.UTF_8));
  }

  @Test
  void theHistoryReadsBackAsTheCommitsAndAppliesToTheSameState() throws Exception {
    try (MvccStore leader = store("leader"); MvccStore follower = store("follower");
         Connection c = db.connect()) {
      List<Commit> commits = written(leader);
      c.setAutoCommit(false);
      assertEquals(1, PgCommitReader.floor(c));
      List<Commit> read = new ArrayList<>();
      PgCommitReader.read(c, 1, leader.revision(), read::add);
      assertEquals(commits.stream().map(PgCommitReaderTest::describe).toList(),
          read.stream().map(PgCommitReaderTest::describe).toList());
      for (Commit commit : read) {
        List<String> keys = commit.changes().stream().map(Entry::key).toList();
        assertEquals(keys.stream().sorted().toList(), keys, "changes in key order at " + commit.revision());
      }

      // What a follower catching up from PostgreSQL does: read from its next revision on and apply.
      PgCommitReader.read(c, follower.revision() + 1, 20, follower::apply);
      PgCommitReader.read(c, follower.revision() + 1, leader.revision(), follower::apply);
      assertEquals(leader.revision(), follower.revision());
      for (String key : List.of("k0", "k1", "k2", "k3", "k4", "k5", "t0", "t1", "t2", "a4", "a39")) {
        assertEquals(describe(leader.get(key)), describe(follower.get(key)), key);
      }
    }
  }

  @Test
  void aRevisionTheHistoryLacksIsNamed() throws Exception {
    try (MvccStore leader = store("leader"); Connection c = db.connect()) {
      written(leader);
      long last = leader.revision();
      db.rows("DELETE FROM ssot_history WHERE revision IN (1, 7) RETURNING revision");
      c.setAutoCommit(false);
      assertEquals(2, PgCommitReader.floor(c), "the oldest revision kept");

      List<Long> read = new ArrayList<>();
      PgCommitReader.MissingRevision missing = assertThrows(PgCommitReader.MissingRevision.class,
          () -> PgCommitReader.read(c, 2, last, commit -> read.add(commit.revision())));
      assertEquals(7, missing.revision(), missing.getMessage());
      assertEquals(List.of(2L, 3L, 4L, 5L, 6L), read, "the revisions before it were read");

      missing = assertThrows(PgCommitReader.MissingRevision.class,
          () -> PgCommitReader.read(c, 8, last + 2, commit -> { }));
      assertEquals(last + 1, missing.revision(), "past the end");
    }
  }
}
