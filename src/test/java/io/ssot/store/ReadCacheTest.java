package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the read cache keeps: hot keys through a one-hit scan, within a share of the heap. */
class ReadCacheTest {

  static {
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
  }

  @TempDir
  Path dir;

  private static Entry entry(String key) {
    return new Entry(key, new byte[1024], 1, 1, 1, 0, 0, "me");
  }

  @Test
  void aOneHitScanDoesNotEvictTheHotSet() throws IOException {
    try (MvccStore store = new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(),
        ChangeLog.open(dir, 1 << 20, 1), false, System::currentTimeMillis)) {
      // Room for about 400 entries of 1 KiB; a hot set of 300 keys, each read 20 times. (Over
      // half the cache: Caffeine starts counting reads once a cache is half full.)
      ReadCache cache = new ReadCache(400 * 1200);
      Entry[] hot = new Entry[300];
      for (int i = 0; i < hot.length; i++) {
        hot[i] = entry("hot/" + i);
      }
      for (int round = 0; round < 20; round++) {
        for (Entry e : hot) {
          if (cache.get(e.key()) == null) {
            cache.offer(e.key(), e, store.applyStamp(), store);
          }
        }
      }
      // 20,000 keys read once each (fifty times the cache) while the hot keys are still read.
      for (int i = 0; i < 20_000; i++) {
        Entry still = hot[i % hot.length];
        if (cache.get(still.key()) == null) {
          cache.offer(still.key(), still, store.applyStamp(), store);
        }
        Entry once = entry("scan/" + i);
        if (cache.get(once.key()) == null) {
          cache.offer(once.key(), once, store.applyStamp(), store);
        }
      }
      cache.cleanUp();
      int kept = 0;
      for (Entry e : hot) {
        if (cache.get(e.key()) == e) {
          kept++;
        }
      }
      assertEquals(hot.length, kept, "hot keys still served from the cache after the scan");
      int scanned = 0;
      for (int i = 0; i < 20_000; i++) {
        scanned += cache.holds("scan/" + i) ? 1 : 0;
      }
      assertTrue(scanned < 400, scanned + " scanned keys kept");
    }
  }

  @Test
  void anEntryReadAcrossACommitIsNotServed() throws IOException {
    try (MvccStore store = new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(),
        ChangeLog.open(dir, 1 << 20, 1), false, System::currentTimeMillis)) {
      ReadCache cache = new ReadCache(1 << 20);
      long before = store.applyStamp();
      store.put("other", new byte[] {'1'}, Precondition.NONE, "me");
      cache.offer("a", entry("a"), before, store);
      assertNull(cache.get("a"));
      Entry a = entry("a");
      cache.offer(a.key(), a, store.applyStamp(), store);
      assertSame(a, cache.get("a"));
      cache.invalidate("a");
      assertNull(cache.get("a"));
    }
  }

  @Test
  void theBudgetIsAShareOfTheMaxHeapAndHolds() throws IOException {
    assertEquals(32L << 20, ReadCache.budgetFor(256L << 20));
    assertEquals(128L << 20, ReadCache.budgetFor(1L << 30));
    try (MvccStore store = new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(),
        ChangeLog.open(dir, 1 << 20, 1), false, System::currentTimeMillis)) {
      ReadCache cache = new ReadCache(100 * 1200);
      for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 1000; i++) {
          if (cache.get("k" + i) == null) {
            cache.offer("k" + i, entry("k" + i), store.applyStamp(), store);
          }
        }
      }
      cache.cleanUp();
      int held = 0;
      for (int i = 0; i < 1000; i++) {
        held += cache.holds("k" + i) ? 1 : 0;
      }
      assertTrue(held > 50 && held <= 100, held + " entries of about 1.2 KB held in 120,000 bytes");
    }
  }

  @Test
  void aKeyReadOnceIsNotKeptAndOneReadAgainIs() throws IOException {
    try (MvccStore store = new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(),
        ChangeLog.open(dir, 1 << 20, 1), false, System::currentTimeMillis)) {
      ReadCache cache = new ReadCache(1 << 20);
      Entry a = entry("a");
      cache.offer("a", a, store.applyStamp(), store);
      assertNull(cache.get("a"), "read once: not kept");
      cache.offer("a", a, store.applyStamp(), store);
      assertSame(a, cache.get("a"), "read again: kept");
    }
  }

  @Test
  void theDoorkeeperForgetsAsItFills() {
    Doorkeeper doorkeeper = new Doorkeeper(12); // 4,096 bits, cleared after 512 keys
    assertTrue(!doorkeeper.seenBefore("k0"));
    assertTrue(doorkeeper.seenBefore("k0"));
    int falsePositives = 0;
    for (int i = 1; i < 100; i++) {
      falsePositives += doorkeeper.seenBefore("k" + i) ? 1 : 0;
    }
    assertTrue(falsePositives < 10, falsePositives + " of 99 new keys taken for seen");
    for (int i = 0; i < 1000; i++) {
      doorkeeper.seenBefore("later" + i); // at least 512 of them recorded: a clear
    }
    int forgotten = 0;
    for (int i = 0; i < 100; i++) {
      forgotten += doorkeeper.seenBefore("k" + i) ? 0 : 1;
    }
    assertTrue(forgotten > 50, "only " + forgotten + " of 100 keys forgotten after a clear");
  }

  @Test
  void theStoreCachesNeitherKeysReadOnceNorLosesItsHotKeysToThem() throws IOException {
    try (MvccStore store = new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(),
        ChangeLog.open(dir, 1 << 20, 1), false, System::currentTimeMillis)) {
      byte[] value = "{\"v\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      for (int i = 0; i < 50; i++) {
        store.put("hot/" + i, value, Precondition.NONE, "me");
      }
      for (int i = 0; i < 5000; i++) {
        store.put("once/" + i, value, Precondition.NONE, "me");
      }
      Entry[] hot = new Entry[50];
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < hot.length; i++) {
          hot[i] = store.get("hot/" + i);
        }
      }
      Entry[] once = new Entry[5000];
      for (int i = 0; i < once.length; i++) {
        once[i] = store.get("once/" + i);
        assertSame(hot[i % 50], store.get("hot/" + (i % 50)), "a hot key is served from the cache");
      }
      int kept = 0;
      for (int i = 0; i < once.length; i++) {
        kept += store.get("once/" + i) == once[i] ? 1 : 0; // the same instance: it was cached
      }
      assertTrue(kept < 250, kept + " of 5,000 keys read once were cached");
    }
  }
}
