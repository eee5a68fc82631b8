package io.ssot.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ssot.PgExtension;
import io.ssot.store.Commit;
import io.ssot.store.DataDir;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writing revisions PostgreSQL already has changes nothing, whatever the batches: no duplicate
 * history, the current state never moves back (a deleted key does not come back), the
 * high-water mark never goes down.
 */
@ExtendWith(VertxExtension.class)
class PgWriterIdempotencyTest {

  @RegisterExtension
  final PgExtension pg = new PgExtension();
  private Pool pool;

  @BeforeEach
  void start(Vertx vertx) {
    PgLocation location = PgLocation.parse(pg.db().url());
    Migrations.apply(location);
    pool = PgBuilder.pool().connectingTo(location.connectOptions()).using(vertx).build();
  }

  @AfterEach
  void stop() {
    pool.close().await();
  }

  /** Everything the write-behind writes, as comparable text. */
  private List<List<Object>> tables() {
    List<List<Object>> out = new java.util.ArrayList<>(pg.db().rows("SELECT 'h', revision, key, type, "
        + "encode(value, 'hex'), create_revision, version, prev_revision, updated_at::text, updated_by "
        + "FROM ssot_history ORDER BY revision, key"));
    out.addAll(pg.db().rows("SELECT 'c', revision, key, encode(value, 'hex'), create_revision, version, prev_revision, "
        + "updated_at::text, updated_by FROM ssot_current ORDER BY key"));
    out.addAll(pg.db().rows("SELECT 's', persisted_revision FROM ssot_state"));
    return out;
  }

  private static Entry put(String key, String value, long rev, long create, long version, long prev) {
    return new Entry(key, value.getBytes(StandardCharsets.UTF_8), rev, create, version, prev, 1_000L * rev, "w");
  }

  private static Entry delete(String key, long rev, long create, long version, long prev) {
    return new Entry(key, null, rev, create, version, prev, 1_000L * rev, "w");
  }

  private static Commit commit(long rev, Entry... changes) {
    return new Commit(rev, 1_000L * rev, List.of(changes));
  }

  private static final List<Commit> COMMITS = List.of(
      commit(1, put("a", "1", 1, 1, 1, 0)),
      commit(2, put("b", "1", 2, 2, 1, 0)),
      commit(3, put("a", "2", 3, 1, 2, 1), delete("b", 3, 2, 1, 2)),
      commit(4, delete("a", 4, 1, 2, 3)),
      commit(5, put("b", "2", 5, 5, 1, 3)),
      commit(6, put("c", "1", 6, 6, 1, 0)));

  private static List<Commit> revisions(int from, int to) {
    return COMMITS.subList(from - 1, to);
  }

  @Test
  void rewritingCommittedRevisionsChangesNothing() {
    PgWriter writer = new PgWriter(pool);
    writer.write(revisions(1, 3)).await();
    writer.write(revisions(4, 6)).await();
    List<List<Object>> written = tables();
    assertEquals(6 + 1 + 2 + 1, written.size(), written::toString); // 7 history rows, b and c, the mark
    assertEquals(List.of("s", 6L), written.get(written.size() - 1));

    writer.write(revisions(1, 6)).await();
    assertEquals(written, tables(), "the same batch again");
    writer.write(revisions(1, 3)).await();
    assertEquals(written, tables(), "an older batch: a is deleted at 4 and stays deleted");
    writer.write(revisions(2, 5)).await();
    writer.write(revisions(3, 3)).await();
    writer.write(revisions(1, 1)).await();
    assertEquals(written, tables(), "overlapping and older batches");
  }

  @Test
  void aWriteBehindRestartedFromAnOlderMarkLeavesTheTablesAsTheyWere(Vertx vertx, @TempDir Path dir)
      throws Exception {
    try (DataDir data = DataDir.open(dir, new DataDir.Options(1000, 256, 1 << 20))) {
      MvccStore store = data.store();
      for (int i = 0; i < 40; i++) {
        String key = "k" + (i % 5);
        if (i % 7 == 6) {
          store.delete(key, Precondition.NONE, "w");
        } else {
          store.put(key, Integer.toString(i).getBytes(StandardCharsets.UTF_8), Precondition.NONE, "w");
        }
      }
      long revision = store.revision();
      var registry = new SimpleMeterRegistry();
      WriteBehind first = new WriteBehind(vertx, store, pool, 0, 7, Duration.ofSeconds(10), Duration.ofMillis(500),
          registry);
      first.persisted(revision, Duration.ofSeconds(10)).await();
      List<List<Object>> written = tables();

      // As after a restart that read an older mark: everything from revision 2 again, one at a time.
      WriteBehind again = new WriteBehind(vertx, store, pool, 1, 1, Duration.ofSeconds(10), Duration.ofMillis(500),
          registry);
      again.persisted(revision, Duration.ofSeconds(10)).await();
      assertEquals(written, tables());
    }
  }
}
