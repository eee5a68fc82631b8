package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A machine crash can leave the maps ahead of the change log (a map page written back, the
 * log's not). The state is made for real: the segment file as it was at revision 3 is put back
 * under a store that went on to revision 6, and the clean-shutdown marker removed. The open must
 * serve the log's state: no revision above 3 is visible, and the next write takes revision 4.
 */
class ReconcileWithLogTest {

  private static final DataDir.Options OPTIONS = new DataDir.Options(1000, 64, 64 << 10);

  @TempDir
  Path dir;

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void mapChangesTheLogLacksAreTakenBackAtOpen() throws IOException {
    Path segment = dir.resolve("changelog").resolve(String.format("%020d.log", 1));
    Path atThree = dir.resolve("segment-at-3");
    try (DataDir data = DataDir.open(dir, OPTIONS)) {
      MvccStore store = data.store();
      store.put("a", json("1"), Precondition.NONE, "t"); // 1
      store.put("b", json("2"), Precondition.NONE, "t"); // 2
      store.put("a", json("3"), Precondition.NONE, "t"); // 3
      store.force();
      Files.copy(segment, atThree);
      store.put("a", json("4"), Precondition.NONE, "t"); // 4: an update the log will lack
      store.delete("b", Precondition.NONE, "t"); // 5: a delete it will lack
      store.put("c", json("6"), Precondition.NONE, "t"); // 6: a key it never saw
    }
    Files.copy(atThree, segment, StandardCopyOption.REPLACE_EXISTING);
    Files.delete(atThree);
    Files.delete(dir.resolve("clean-shutdown"));

    try (DataDir data = DataDir.open(dir, OPTIONS)) {
      MvccStore store = data.store();
      assertEquals(3, store.revision());
      assertEquals(3, store.reconciled());
      assertEquals(3, store.get("a").revision());
      assertEquals("3", new String(store.get("a").value(), StandardCharsets.UTF_8));
      assertEquals(2, store.get("b").revision(), "the delete the log lacks is undone");
      assertNull(store.get("c"), "the key the log never saw is gone");
      assertEquals(List.of(3L, 1L), store.history("a", Long.MAX_VALUE, 10).items().stream()
          .map(Entry::revision).toList());
      assertEquals(4, store.put("c", json("new"), Precondition.NONE, "t").entry().revision(),
          "no revision is reused: 4 was never served");
      assertEquals(1, store.get("c").version());
    }
  }
}
