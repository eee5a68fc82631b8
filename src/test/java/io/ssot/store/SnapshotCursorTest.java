package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cursor reads the state at its revision whatever is written while it walks, page by page:
 * keys changed, deleted (before and after it passed them), deleted and created again, and
 * created after its revision. It holds only the keys written since it opened.
 */
class SnapshotCursorTest {

  @TempDir
  Path dir;
  private final AtomicLong clock = new AtomicLong(1_000);
  private MvccStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void put(String key, String value) {
    store.put(key, json(value), Precondition.NONE, "t");
  }

  private static List<String> keysAndValues(List<Entry> page) {
    List<String> out = new ArrayList<>();
    for (Entry e : page) {
      out.add(e.key() + "=" + new String(e.value(), StandardCharsets.UTF_8) + "@" + e.revision());
    }
    return out;
  }

  @Test
  void readsTheStateAtItsRevisionWhileWritesGoOn() throws Exception {
    store = new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(),
        io.ssot.store.ChangeLog.open(dir.resolve("log"), 4096, 1), false, () -> clock.addAndGet(10));
    store.listingReady().join();
    for (String key : List.of("a", "b", "c", "d", "e", "f", "g")) {
      put(key, "1"); // revisions 1..7
    }
    put(SystemKeys.TOKENS + "t1", "{}"); // 8
    try (SnapshotCursor cursor = store.openSnapshot()) {
      assertEquals(8, cursor.revision());
      List<Entry> all = new ArrayList<>(cursor.next(2, Long.MAX_VALUE)); // a, b
      put("a", "2");                                  // passed: not recorded
      store.delete("c", Precondition.NONE, "t");      // before the cursor reaches it
      store.delete("d", Precondition.NONE, "t");
      put("d", "3");                                  // deleted and created again
      put("e", "4");                                  // changed
      put("cc", "5");                                 // created after the revision
      store.delete("g", Precondition.NONE, "t");      // the last key, gone from the index
      assertEquals(5, cursor.held(), "c, d, e, cc and g, each once");
      for (List<Entry> page = cursor.next(2, Long.MAX_VALUE); !page.isEmpty(); page = cursor.next(2, Long.MAX_VALUE)) {
        all.addAll(page);
      }
      assertEquals(List.of("a=1@1", "b=1@2", "c=1@3", "d=1@4", "e=1@5", "f=1@6", "g=1@7", "~sys/tokens/t1={}@8"),
          keysAndValues(all));
      assertEquals(0, cursor.held(), "nothing held once it has passed every key");
    }
    put("h", "6");
    try (SnapshotCursor later = store.openSnapshot()) {
      assertEquals(List.of("a=2@9", "b=1@2", "cc=5@14", "d=3@12", "e=4@13", "f=1@6", "h=6@16", "~sys/tokens/t1={}@8"),
          keysAndValues(later.next(100, Long.MAX_VALUE)));
      assertEquals(List.of(), later.next(100, Long.MAX_VALUE));
    }
  }
}
