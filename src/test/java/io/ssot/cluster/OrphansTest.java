package io.ssot.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ssot.PgExtension;
import io.ssot.persist.PgLocation;
import io.ssot.persist.Postgres;
import io.ssot.persist.WriteBehind;
import io.ssot.store.DataDir;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which local revisions PostgreSQL lacks, found by comparing single revisions, however far back
 * the histories part (further than the divergence check's window of 1000).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OrphansTest {

  private static final DataDir.Options OPTIONS = new DataDir.Options(10_000, 64, 4 << 20, 0);

  @RegisterExtension
  final PgExtension pg = new PgExtension();
  @TempDir
  Path tmp;
  private Vertx vertx;
  private PgLocation location;
  private long persisted;

  /** PostgreSQL gets revisions 1..3000 of one history: value i at revision i. */
  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    location = PgLocation.parse(pg.db().url());
    Postgres.prepare(location);
    Pool pool = PgBuilder.pool().connectingTo(location.connectOptions()).using(vertx).build();
    try (DataDir written = DataDir.open(tmp.resolve("written"), OPTIONS)) {
      write(written.store(), 0, 3000, "same");
      WriteBehind writeBehind = new WriteBehind(vertx, written.store(), pool, 0, 1000, Duration.ofSeconds(10),
          Duration.ofSeconds(1), new SimpleMeterRegistry());
      writeBehind.persisted(3000, Duration.ofSeconds(30)).await();
      writeBehind.stop(Duration.ofSeconds(5)).await();
      persisted = writeBehind.persistedRevision();
    } finally {
      pool.close().await();
    }
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private static void write(MvccStore store, int from, int to, String history) {
    for (int i = from; i < to; i++) {
      String value = "{\"h\":\"" + history + "\",\"i\":" + i + "}";
      store.put("k/" + i % 100, value.getBytes(StandardCharsets.UTF_8), Precondition.NONE, "t");
    }
  }

  private Orphans.Range find(int same, int own) throws Exception {
    try (DataDir local = DataDir.open(tmp.resolve("local-" + same + "-" + own), OPTIONS)) {
      write(local.store(), 0, same, "same");
      write(local.store(), same, same + own, "own");
      return Orphans.find(local.store(), persisted, location);
    }
  }

  @Test
  void aStoreAheadOfPostgresOrphansWhatFollows() throws Exception {
    assertEquals(3000, persisted);
    assertEquals(new Orphans.Range(3001, 3010), find(3000, 10));
  }

  @Test
  void aStoreThatPartedLongAgoOrphansEverythingSinceThen() throws Exception {
    assertEquals(new Orphans.Range(1501, 3500), find(1500, 2000));
    assertEquals(new Orphans.Range(2001, 2500), find(2000, 500), "behind PostgreSQL, and parted");
    assertEquals(new Orphans.Range(1, 10), find(0, 10), "nothing in common");
  }

  @Test
  void aStoreThatAgreesOrphansNothing() throws Exception {
    assertNull(find(3000, 0));
    assertNull(find(1200, 0), "behind PostgreSQL: it catches up, nothing is orphaned");
    assertNull(find(0, 0));
  }

  @Test
  void aStoreBehindWhatPostgresStillKeepsIsRebuiltFromItsCurrentState() throws Exception {
    assertEquals(2000, pg.db().scalar(
        "WITH d AS (DELETE FROM ssot_history WHERE revision < 2001 RETURNING 1) SELECT count(*) FROM d"));
    Path dir = tmp.resolve("behind");
    DataDir local = DataDir.open(dir, OPTIONS);
    write(local.store(), 0, 1200, "same");
    Orphans.Settled settled = Orphans.settle(local, dir, OPTIONS, location, persisted, 0);
    try (DataDir rebuilt = settled.dataDir()) {
      assertEquals(3000, settled.persisted());
      assertEquals(3000, rebuilt.store().revision());
      for (int k = 0; k < 100; k++) {
        int last = 2900 + k; // the last write of key k/k, at revision last + 1
        assertEquals("{\"h\":\"same\",\"i\":" + last + "}",
            new String(rebuilt.store().get("k/" + k).value(), StandardCharsets.UTF_8));
      }
    }
    assertEquals(java.util.List.of(), orphanedFiles(dir), "nothing of its own to save");
  }

  @Test
  void aStoreBehindWithinPostgresHistoryIsKeptToCatchUp() throws Exception {
    assertEquals(1000, pg.db().scalar(
        "WITH d AS (DELETE FROM ssot_history WHERE revision < 1001 RETURNING 1) SELECT count(*) FROM d"));
    Path dir = tmp.resolve("within");
    DataDir local = DataDir.open(dir, OPTIONS);
    write(local.store(), 0, 1200, "same");
    Orphans.Settled settled = Orphans.settle(local, dir, OPTIONS, location, persisted, 0);
    try (DataDir kept = settled.dataDir()) {
      assertEquals(1200, kept.store().revision(), "the same store, left to catch up from the history");
    }
  }

  private static java.util.List<Path> orphanedFiles(Path dir) throws java.io.IOException {
    try (var files = java.nio.file.Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().startsWith("orphaned-")).toList();
    }
  }
}
