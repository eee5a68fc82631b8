package io.ssot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.store.Commit;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Checks that PostgreSQL holds exactly what a local store committed, and every acknowledged write. */
final class PgMirror {

  /** One ssot_history or ssot_current row. */
  record Row(long revision, String key, boolean delete, byte[] value, long createRevision, long version,
             long prevRevision, long updatedAt, String updatedBy) {

    static Row of(Entry e) {
      return new Row(e.revision(), e.key(), e.isDelete(), e.value(), e.createRevision(), e.version(),
          e.prevRevision(), e.updatedAt(), e.updatedBy());
    }

    /** Equal, comparing value bytes. */
    boolean same(Row o) {
      return revision == o.revision && key.equals(o.key) && delete == o.delete
          && java.util.Arrays.equals(value, o.value) && createRevision == o.createRevision && version == o.version
          && prevRevision == o.prevRevision && updatedAt == o.updatedAt && updatedBy.equals(o.updatedBy);
    }

    @Override
    public String toString() {
      return key + "@" + revision + (delete ? " delete" : " = " + new String(value, StandardCharsets.UTF_8)
          .substring(0, Math.min(40, value.length))) + " v" + version + " c" + createRevision + " p" + prevRevision
          + " at " + updatedAt + " by " + updatedBy;
    }
  }

  private static final String COLUMNS = "revision, key, type, value, create_revision, version, prev_revision, "
      + "(extract(epoch from updated_at) * 1000)::bigint, updated_by";

  private PgMirror() {
  }

  private static Row row(List<Object> r, boolean current) {
    int i = 0;
    long revision = ((Number) r.get(i++)).longValue();
    String key = (String) r.get(i++);
    boolean delete = !current && ((Number) r.get(i++)).intValue() == 2;
    return new Row(revision, key, delete, (byte[]) r.get(i++), ((Number) r.get(i++)).longValue(),
        ((Number) r.get(i++)).longValue(), ((Number) r.get(i++)).longValue(), ((Number) r.get(i++)).longValue(),
        (String) r.get(i));
  }

  /** ssot_history by revision, then key. */
  static TreeMap<Long, Map<String, Row>> history(PgTestDatabase db) {
    TreeMap<Long, Map<String, Row>> out = new TreeMap<>();
    for (List<Object> r : db.rows("SELECT " + COLUMNS + " FROM ssot_history")) {
      Row row = row(r, false);
      Row before = out.computeIfAbsent(row.revision(), x -> new HashMap<>()).put(row.key(), row);
      assertNull(before, "one history row per revision and key: " + row);
    }
    return out;
  }

  static Map<String, Row> current(PgTestDatabase db) {
    Map<String, Row> out = new HashMap<>();
    for (List<Object> r : db.rows("SELECT " + COLUMNS.replace("type, ", "") + " FROM ssot_current")) {
      Row row = row(r, true);
      out.put(row.key(), row);
    }
    return out;
  }

  static long persistedRevision(PgTestDatabase db) {
    return db.scalar("SELECT persisted_revision FROM ssot_state WHERE id = 1");
  }

  /**
   * PostgreSQL mirrors {@code store} exactly: the high-water mark is the store revision, the
   * history holds each commit of the change log (and nothing else), the current state is the
   * store's.
   */
  static void assertMirrors(MvccStore store, PgTestDatabase db, String what) {
    long revision = store.revision();
    assertEquals(revision, persistedRevision(db), what + ": persisted_revision is the store revision");
    TreeMap<Long, Map<String, Row>> history = history(db);
    assertTrue(history.isEmpty() || history.lastKey() <= revision,
        what + ": PostgreSQL has revision " + (history.isEmpty() ? 0 : history.lastKey()) + " above the store's "
            + revision);
    assertTrue(history.isEmpty() || history.firstKey() >= 1, what);
    long compact = store.compactRevision();
    assertEquals(1, compact, what + ": these tests do not compact, so every revision is compared");
    for (long r = 1; r <= revision; r++) {
      Commit c = store.commitAt(r);
      assertNotNull(c, what + ": revision " + r + " in the change log");
      Map<String, Row> rows = history.get(r);
      assertNotNull(rows, what + ": revision " + r + " is in ssot_history");
      assertEquals(c.changes().size(), rows.size(), what + ": rows of revision " + r + ": " + rows.values());
      for (Entry e : c.changes()) {
        Row expected = Row.of(e);
        Row got = rows.get(e.key());
        assertTrue(got != null && got.same(expected), what + ": revision " + r + " " + e.key() + ": expected "
            + expected + ", PostgreSQL has " + got);
      }
    }
    assertEquals(revision, history.size(), what + ": one revision in ssot_history per commit");

    store.listingReady().join();
    List<Entry> live = store.list("", null, Integer.MAX_VALUE).items();
    Map<String, Row> current = current(db);
    for (Entry e : live) {
      Row got = current.get(e.key());
      Row expected = Row.of(e);
      assertTrue(got != null && got.same(expected), what + ": current " + e.key() + ": expected " + expected
          + ", PostgreSQL has " + got);
    }
    assertEquals(live.size(), current.size(), what + ": ssot_current has exactly the live keys");
  }

  /** Every acknowledged write is in ssot_history at its revision, with its value, by {@code admin} (the bootstrap admin token). */
  static void assertAcknowledged(List<CrashRecoveryTest.Ack> acks, PgTestDatabase db, String what) {
    TreeMap<Long, Map<String, Row>> history = history(db);
    for (CrashRecoveryTest.Ack a : acks) {
      Row row = history.getOrDefault(a.revision(), Map.of()).get(a.key());
      assertNotNull(row, what + ": acknowledged " + a + " is in ssot_history");
      assertEquals(a.value() == null, row.delete(), what + ": type of " + a);
      if (a.value() != null) {
        assertArrayEquals(a.value().getBytes(StandardCharsets.UTF_8), row.value(), what + ": value of " + a);
      }
      assertEquals("admin", row.updatedBy(), what + ": updated_by of " + a);
    }
  }
}
