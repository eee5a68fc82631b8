package io.ssot.persist;

import io.ssot.store.Commit;
import io.ssot.store.Entry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a batch of consecutive commits to PostgreSQL in one transaction: every change into the
 * history, the last change of each key into the current state, and the high-water mark. Each
 * table gets one statement over arrays ({@code unnest}), however large the batch.
 *
 * <p>Idempotent: changes up to the high-water mark, locked by the transaction's first statement,
 * are skipped by every statement, so writing a revision twice is harmless whatever the batches.
 * (The {@code revision} guards alone are not enough: a key deleted later has no current row left
 * to compare with, and an old put would bring it back.)
 *
 * <p>Every statement of a batch is sent at once, pipelined on its connection, so a batch costs
 * three round trips (begin, the statements, commit) whatever it holds; a sync write waits for
 * its batch, so the round trips are its latency. A cluster leader's term check is among them: a
 * batch under a stale term is rolled back, never committed.
 */
final class PgWriter {

  private static final String INSERT_HISTORY = """
      INSERT INTO ssot_history (revision, key, type, value, create_revision, version, prev_revision,
                                updated_at, updated_by)
      SELECT * FROM unnest($1::bigint[], $2::text[], $3::smallint[], $4::bytea[], $5::bigint[], $6::bigint[],
                           $7::bigint[], $8::timestamptz[], $9::text[])
             AS h(revision, key, type, value, create_revision, version, prev_revision, updated_at, updated_by)
      WHERE h.revision > (SELECT persisted_revision FROM ssot_state WHERE id = 1)
      ON CONFLICT (revision, key) DO NOTHING""";

  private static final String UPSERT_CURRENT = """
      INSERT INTO ssot_current AS c (key, value, revision, create_revision, version, prev_revision, updated_at,
                                     updated_by)
      SELECT * FROM unnest($1::text[], $2::bytea[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[],
                           $7::timestamptz[], $8::text[]) AS u(key, value, revision, create_revision, version,
                                                               prev_revision, updated_at, updated_by)
      WHERE u.revision > (SELECT persisted_revision FROM ssot_state WHERE id = 1)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, revision = excluded.revision,
        create_revision = excluded.create_revision, version = excluded.version,
        prev_revision = excluded.prev_revision, updated_at = excluded.updated_at, updated_by = excluded.updated_by
      WHERE c.revision < excluded.revision""";

  private static final String DELETE_CURRENT = """
      DELETE FROM ssot_current c USING unnest($1::text[], $2::bigint[]) AS d(key, revision)
      WHERE c.key = d.key AND c.revision < d.revision
        AND d.revision > (SELECT persisted_revision FROM ssot_state WHERE id = 1)""";

  /** First in the transaction: batches of two writers (a leader's stepping down, its successor's) take turns. */
  private static final String LOCK_MARK = "SELECT persisted_revision FROM ssot_state WHERE id = 1 FOR UPDATE";

  private static final String ADVANCE_MARK = """
      UPDATE ssot_state SET persisted_revision = GREATEST(persisted_revision, $1) WHERE id = 1""";

  /** Read in the batch's own transaction; the share lock keeps a takeover's term increment out until it ends. */
  private static final String READ_TERM = "SELECT term FROM ssot_cluster_term WHERE id = 1 FOR SHARE";

  private final Pool pool;

  /** A cluster leader's batch that PostgreSQL refused: another node has taken over since (a newer term). */
  static final class Fenced extends RuntimeException {
    final long term;
    final long current;

    Fenced(long term, long current) {
      super("refused by PostgreSQL: this node writes as leader of term " + term + " but the cluster is at term "
          + current + " (another node has taken over)", null, false, false);
      this.term = term;
      this.current = current;
    }
  }

  PgWriter(Pool pool) {
    this.pool = pool;
  }

  /**
   * @param term the cluster term the batch is written under, checked inside its transaction
   *             (fails with {@link Fenced} unless it is PostgreSQL's); 0 outside a cluster
   */
  Future<Void> write(List<Commit> batch, long term) {
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.withTransaction(conn -> {
      Future<Void> termChecked = term == 0 ? Future.succeededFuture()
          : conn.preparedQuery(READ_TERM).execute().compose(rows -> {
            long current = rows.iterator().next().getLong(0);
            return current == term ? Future.<Void>succeededFuture() : Future.failedFuture(new Fenced(term, current));
          });
      // Sent together, before any answer: on the connection they still run one after the other.
      Future<?> locked = conn.preparedQuery(LOCK_MARK).execute();
      Future<Void> history = insertHistory(conn, batch);
      Future<Void> current = applyCurrent(conn, batch);
      Future<?> marked = conn.preparedQuery(ADVANCE_MARK).execute(Tuple.of(batch.get(batch.size() - 1).revision()));
      return Future.all(List.of(termChecked, locked, history, current, marked)).<Void>mapEmpty()
          .recover(e -> Future.failedFuture(termChecked.failed() ? termChecked.cause() : e));
    });
  }

  Future<Void> write(List<Commit> batch) {
    return write(batch, 0);
  }

  private static Future<Void> insertHistory(SqlConnection conn, List<Commit> batch) {
    int n = batch.stream().mapToInt(c -> c.changes().size()).sum();
    Long[] revision = new Long[n];
    String[] key = new String[n];
    Short[] type = new Short[n];
    Buffer[] value = new Buffer[n];
    Long[] createRevision = new Long[n];
    Long[] version = new Long[n];
    Long[] prevRevision = new Long[n];
    OffsetDateTime[] updatedAt = new OffsetDateTime[n];
    String[] updatedBy = new String[n];
    int i = 0;
    for (Commit commit : batch) {
      for (Entry e : commit.changes()) {
        revision[i] = e.revision();
        key[i] = e.key();
        type[i] = (short) (e.isDelete() ? 2 : 1);
        value[i] = e.isDelete() ? null : Buffer.buffer(e.value());
        createRevision[i] = e.createRevision();
        version[i] = e.version();
        prevRevision[i] = e.prevRevision();
        updatedAt[i] = time(e.updatedAt());
        updatedBy[i] = e.updatedBy();
        i++;
      }
    }
    return conn.preparedQuery(INSERT_HISTORY).execute(Tuple.of(revision, key, type, value, createRevision, version,
        prevRevision, updatedAt, updatedBy)).mapEmpty();
  }

  /** The last change of each key in the batch decides its current row. */
  private static Future<Void> applyCurrent(SqlConnection conn, List<Commit> batch) {
    Map<String, Entry> last = new LinkedHashMap<>();
    for (Commit commit : batch) {
      for (Entry e : commit.changes()) {
        last.put(e.key(), e);
      }
    }
    List<Entry> puts = new ArrayList<>();
    List<Entry> deletes = new ArrayList<>();
    for (Entry e : last.values()) {
      (e.isDelete() ? deletes : puts).add(e);
    }
    Future<?> upserted = puts.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(UPSERT_CURRENT).execute(
        Tuple.of(puts.stream().map(Entry::key).toArray(String[]::new),
            puts.stream().map(e -> Buffer.buffer(e.value())).toArray(Buffer[]::new),
            puts.stream().map(Entry::revision).toArray(Long[]::new),
            puts.stream().map(Entry::createRevision).toArray(Long[]::new),
            puts.stream().map(Entry::version).toArray(Long[]::new),
            puts.stream().map(Entry::prevRevision).toArray(Long[]::new),
            puts.stream().map(e -> time(e.updatedAt())).toArray(OffsetDateTime[]::new),
            puts.stream().map(Entry::updatedBy).toArray(String[]::new)));
    Future<?> deleted = deletes.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(DELETE_CURRENT).execute(
        Tuple.tuple()
            .addValue(deletes.stream().map(Entry::key).toArray(String[]::new))
            .addValue(deletes.stream().map(Entry::revision).toArray(Long[]::new)));
    return Future.all(upserted, deleted).mapEmpty();
  }

  static OffsetDateTime time(long epochMillis) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
  }
}
