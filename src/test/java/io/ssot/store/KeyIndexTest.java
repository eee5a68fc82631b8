package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The key index against a sorted set as the model: packed keys, changes on top, frozen changes
 * merged in the background, listings from a prefix or after a key, at every step.
 */
class KeyIndexTest {

  private static final String[] PREFIXES = {"", "a", "a/", "a/b", "svc1/", "svc1/prod/", "z", "~sys/"};

  private static List<String> list(Iterator<String> it) {
    List<String> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  private static List<String> model(TreeSet<String> keys, String prefix, String after) {
    boolean fromAfter = after != null && after.compareTo(prefix) >= 0;
    List<String> out = new ArrayList<>();
    for (String k : fromAfter ? keys.tailSet(after, false) : keys.tailSet(prefix, true)) {
      if (!k.startsWith(prefix)) {
        break;
      }
      out.add(k);
    }
    return out;
  }

  private static String randomKey(Random random) {
    String[] tops = {"a", "a/b", "svc1/prod", "svc12/prod", "z", "~sys/tokens"};
    return tops[random.nextInt(tops.length)] + "/setting." + random.nextInt(3000);
  }

  private static void assertSameListings(KeyIndex index, TreeSet<String> model, Random random) {
    for (String prefix : PREFIXES) {
      assertEquals(model(model, prefix, null), list(index.scan(prefix, null)), "prefix " + prefix);
      String after = randomKey(random);
      assertEquals(model(model, prefix, after), list(index.scan(prefix, after)), prefix + " after " + after);
    }
  }

  @Test
  void listingsMatchASortedSetThroughBuildsAndMerges() throws Exception {
    Random random = new Random(11);
    InMemoryKvStore kv = new InMemoryKvStore();
    TreeSet<String> model = new TreeSet<>();
    for (int i = 0; i < 2000; i++) {
      String key = randomKey(random);
      kv.put(key, new byte[1]);
      model.add(key);
    }
    KeyIndex index = new KeyIndex(64); // merges after 64 changes (or a sixteenth of the keys)
    index.buildInBackground(kv);
    for (int step = 0; step < 6000; step++) {
      String key = randomKey(random);
      if (random.nextInt(3) == 0) {
        if (model.remove(key)) {
          index.removed(key);
        }
      } else if (model.add(key)) {
        index.added(key);
      }
      if (step % 500 == 0) {
        if (index.isReady()) {
          assertSameListings(index, model, random);
        }
      }
      if (step % 100 == 99) {
        // Writes go on while a merge runs, but a loaded machine may not run the merge thread at
        // all within a burst of writes: let each hundred changes find the last merge done.
        awaitNoPacking(index);
      }
    }
    index.ready().get();
    assertSameListings(index, model, random);
    // Let the last merge finish; the listings are the same before and after it.
    awaitNoPacking(index);
    assertSameListings(index, model, random);
    // Merged as it went: without merges some 5,000 changed keys would sit in the skip lists; with
    // them, at most a merge's threshold plus the hundred changes made while the last one ran.
    assertTrue(index.changesOnTop() <= Math.max(64, model.size() / 16) + 100, index.footprint());
  }

  private static void awaitNoPacking(KeyIndex index) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (index.packing() && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertFalse(index.packing(), "a merge of a few thousand keys ends within 30 s");
  }

  @Test
  void packedKeysSeekAndMergeLikeASortedSet() {
    Random random = new Random(5);
    TreeSet<String> model = new TreeSet<>();
    for (int i = 0; i < 5000; i++) {
      model.add(randomKey(random));
    }
    PackedKeys packed = PackedKeys.of(model.iterator());
    assertEquals(model.size(), packed.size());
    java.util.TreeMap<String, Boolean> changes = new java.util.TreeMap<>();
    for (int i = 0; i < 800; i++) {
      String key = randomKey(random);
      boolean present = random.nextBoolean();
      changes.put(key, present);
    }
    PackedKeys merged = packed.with(changes);
    changes.forEach((k, present) -> {
      if (present) {
        model.add(k);
      } else {
        model.remove(k);
      }
    });
    List<String> all = new ArrayList<>();
    for (PackedKeys.Cursor c = merged.cursor(); c.valid(); c.advance()) {
      all.add(c.key());
    }
    assertEquals(new ArrayList<>(model), all);
    for (int i = 0; i < 200; i++) {
      String target = randomKey(random);
      PackedKeys.Cursor inclusive = merged.seek(target, true);
      assertEquals(model.ceiling(target), inclusive.valid() ? inclusive.key() : null, target);
      PackedKeys.Cursor exclusive = merged.seek(target, false);
      assertEquals(model.higher(target), exclusive.valid() ? exclusive.key() : null, target);
    }
    assertEquals(model.first(), merged.seek("", true).key());
    assertTrue(!merged.seek("~~~", true).valid());
    assertTrue(!PackedKeys.EMPTY.seek("a", true).valid());
  }
}
