package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract over the Chronicle Map file, plus what only a persisted map does: reopen. */
class ChronicleKvStoreTest extends KvStoreContract {

  static {
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
  }

  @TempDir
  Path dir;

  private File file() {
    return dir.resolve("kv.dat").toFile();
  }

  @Override
  protected KvStore create() throws Exception {
    return ChronicleKvStore.open(file(), 10_000, 256, false);
  }

  @Test
  void fitsAnswersForTheFileAsItIsSized() throws Exception {
    String key = "f/" + "k".repeat(200);
    int lo = 1;
    int hi = 64 << 20;
    while (lo < hi) { // the largest value fits() accepts
      int mid = (lo + hi + 1) >>> 1;
      if (store.fits(key, new byte[mid])) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    assertTrue(lo > 100_000 && lo < 10 << 20, "sized for 10,000 entries of 256 bytes: " + lo);
    byte[] largest = new byte[lo];
    largest[lo - 1] = 7;
    store.put(key, largest);
    assertArrayEquals(largest, store.get(key), "whatever fits() accepts, put() takes");
    int max = lo;
    assertThrows(IllegalArgumentException.class, () -> store.put("f/over", new byte[2 * max]),
        "past it, Chronicle refuses: why fits() is asked first");
  }

  @Test
  void contentSurvivesACleanReopen() throws Exception {
    store.put("keep", bytes("1"));
    store.put("gone", bytes("2"));
    store.remove("gone");
    store.close();
    store = ChronicleKvStore.open(file(), 10_000, 256, false);
    assertArrayEquals(bytes("1"), store.get("keep"));
    assertNull(store.get("gone"));
    assertEquals(1, store.size());
  }

  @Test
  void contentSurvivesARecoveryOpen() throws Exception {
    for (int i = 0; i < 1000; i++) {
      store.put("r/" + i, bytes("v" + i));
    }
    // Recovery needs the file to itself, so within one process the map is closed first; a
    // killed process's file is recovered in CrashRecoveryTest.
    store.close();
    store = ChronicleKvStore.open(file(), 10_000, 256, true);
    for (int i = 0; i < 1000; i++) {
      assertArrayEquals(bytes("v" + i), store.get("r/" + i));
    }
    assertEquals(1000, store.size());
    store.put("r/after", bytes("x"));
    assertArrayEquals(bytes("x"), store.get("r/after"));
  }
}
