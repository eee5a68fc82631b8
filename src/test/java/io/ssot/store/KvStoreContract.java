package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@link MvccStore} relies on from any {@link KvStore}; run once per implementation. */
abstract class KvStoreContract {

  protected KvStore store;

  /** A new, empty store. */
  protected abstract KvStore create() throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = create();
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void absentKeyReadsNull() {
    assertNull(store.get("nope"));
    assertEquals(0, store.size());
  }

  @Test
  void putGetOverwriteRemove() {
    store.put("a", bytes("1"));
    assertArrayEquals(bytes("1"), store.get("a"));
    store.put("a", bytes("a much longer value than before, so the entry has to move"));
    assertArrayEquals(bytes("a much longer value than before, so the entry has to move"), store.get("a"));
    store.put("a", bytes("2"));
    assertArrayEquals(bytes("2"), store.get("a"));
    assertEquals(1, store.size());
    store.remove("a");
    assertNull(store.get("a"));
    assertEquals(0, store.size());
    store.remove("a"); // removing an absent key is a no-op
    assertEquals(0, store.size());
  }

  @Test
  void keysAreDistinctExactly() {
    store.put("a", bytes("1"));
    store.put("a/b", bytes("2"));
    store.put("A", bytes("3"));
    store.put("a.", bytes("4"));
    assertArrayEquals(bytes("1"), store.get("a"));
    assertArrayEquals(bytes("2"), store.get("a/b"));
    assertArrayEquals(bytes("3"), store.get("A"));
    assertArrayEquals(bytes("4"), store.get("a."));
    assertEquals(4, store.size());
  }

  @Test
  void valuesOfManySizesAndLongKeysRoundTrip() {
    java.util.Random random = new java.util.Random(1);
    for (int size : new int[] {0, 1, 7, 48, 512, 4096, 65_537, 1 << 20}) {
      byte[] value = new byte[size];
      random.nextBytes(value);
      String key = "size/" + size;
      if (size <= 65_537) {
        assertTrue(store.fits(key, value), "any store takes " + size + " bytes");
      } else if (!store.fits(key, value)) {
        continue; // a sized store may refuse it, but only through fits()
      }
      store.put(key, value);
      assertArrayEquals(value, store.get(key), "value of " + size + " bytes");
    }
    String longKey = "k".repeat(Keys.MAX_KEY_BYTES);
    store.put(longKey, bytes("long"));
    assertArrayEquals(bytes("long"), store.get(longKey));
  }

  @Test
  void forEachKeyVisitsEveryKeyOnce() {
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      String key = "it/" + i;
      store.put(key, bytes(Integer.toString(i)));
      expected.add(key);
    }
    for (int i = 0; i < 500; i += 5) {
      store.remove("it/" + i);
      expected.remove("it/" + i);
    }
    List<String> seen = new ArrayList<>();
    store.forEachKey(seen::add);
    assertEquals(expected.size(), seen.size(), "no key twice");
    assertEquals(expected, new HashSet<>(seen));
    assertEquals(expected.size(), store.size());
  }

  @Test
  void concurrentWritersToDistinctKeys() throws Exception {
    int threads = 4;
    int perThread = 2000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            store.put("c/" + id + "/" + i, bytes(id + ":" + i));
            if (i % 3 == 0) {
              store.remove("c/" + id + "/" + i);
            }
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    int live = 0;
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < perThread; i++) {
        byte[] v = store.get("c/" + t + "/" + i);
        if (i % 3 == 0) {
          assertNull(v);
        } else {
          assertArrayEquals(bytes(t + ":" + i), v);
          live++;
        }
      }
    }
    assertEquals(live, store.size());
  }
}
