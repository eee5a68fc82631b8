package io.ssot.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sorted set of live keys for prefix listing: O(log n + k) for a page of k keys.
 *
 * <p>Compact, so the heap does not grow by a hundred bytes and three objects per key: the keys
 * live in a {@link PackedKeys} (7.4 bytes a key for a million configuration-like names, in one byte array)
 * and the changes since it was packed in a small skip list of key → present, consulted first. When
 * that list holds {@code max(minMergeChanges, keys / 16)} changes it is frozen (writers start a new
 * one) and a background thread packs the keys again with the frozen changes applied; the new
 * packed set then replaces both. So a listing reads the newest of up to three layers, and a write
 * costs a skip-list insert, as before.
 *
 * <p>At start-up the packed set is built in the background from the key-value map, so that
 * single-key reads are served before a million keys are sorted. Writes during the build go to the
 * change list, which overrides whatever the scan saw, so no put or delete is lost or resurrected
 * by the scan racing them.
 */
final class KeyIndex {

  /** One consistent view: a reader takes it once and reads newest first. */
  private record Layers(PackedKeys packed, NavigableMap<String, Boolean> frozen,
                        ConcurrentSkipListMap<String, Boolean> changes) {
  }

  private static final Logger LOG = LoggerFactory.getLogger(KeyIndex.class);

  private final int minMergeChanges;
  private volatile Layers layers = new Layers(PackedKeys.EMPTY, null, new ConcurrentSkipListMap<>());
  /** Changes written to the current change list. Guarded by the store's write lock. */
  private int changeCount;
  /** A build or merge is under way: no second one, and the change list is not frozen. */
  private volatile boolean packing;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();

  KeyIndex() {
    this(4096);
  }

  KeyIndex(int minMergeChanges) {
    this.minMergeChanges = minMergeChanges;
  }

  /** Starts building from {@code store}. */
  void buildInBackground(KvStore store) {
    packing = true;
    startPacking("ssot-key-index-build", () -> {
      List<String> scanned = new ArrayList<>();
      store.forEachKey(scanned::add);
      String[] sorted = scanned.toArray(new String[0]);
      scanned.clear();
      Arrays.parallelSort(sorted);
      return PackedKeys.of(Arrays.asList(sorted).iterator());
    }, () -> ready.complete(null), ready::completeExceptionally);
  }

  /** Marks the (empty) index ready without a build: for a store that starts empty. */
  void markReady() {
    ready.complete(null);
  }

  /** Completes once listing is possible. */
  CompletableFuture<Void> ready() {
    return ready;
  }

  boolean isReady() {
    return ready.isDone() && !ready.isCompletedExceptionally();
  }

  /** Called under the write lock for every put. */
  void added(String key) {
    changed(key, Boolean.TRUE);
  }

  /** Called under the write lock for every delete. */
  void removed(String key) {
    changed(key, Boolean.FALSE);
  }

  private void changed(String key, Boolean present) {
    Layers current = layers;
    current.changes().put(key, present);
    if (++changeCount >= Math.max(minMergeChanges, current.packed().size() / 16) && !packing) {
      packing = true;
      changeCount = 0;
      // Read again: a merge that ended since this method read the layers installed a new packed
      // set (the change list is the same: only writers replace it).
      Layers now = layers;
      Layers frozen = new Layers(now.packed(), now.changes(), new ConcurrentSkipListMap<>());
      layers = frozen;
      startPacking("ssot-key-index-merge", () -> frozen.packed().with(frozen.frozen()), () -> { }, e -> { });
    }
  }

  /**
   * Runs {@code pack} on a thread of its own and installs its result in place of the packed set
   * and the frozen changes; the current change list stays on top. Only writers replace the change
   * list (when they freeze it), and not while packing, so this needs no lock.
   */
  private void startPacking(String name, Supplier<PackedKeys> pack, Runnable done,
                            Consumer<Throwable> failed) {
    Thread packer = new Thread(() -> {
      try {
        PackedKeys packed = pack.get();
        layers = new Layers(packed, null, layers.changes());
        packing = false;
        done.run();
      } catch (RuntimeException | Error e) {
        // The layers stay as they are, correct but growing: no further merge is tried.
        LOG.error("Packing the key index failed", e);
        failed.accept(e);
      }
    }, name);
    packer.setDaemon(true);
    packer.start();
  }

  /** Bytes of the packed keys, and how many changes sit in the skip lists on top of them. */
  String footprint() {
    Layers l = layers;
    return l.packed().size() + " keys packed in " + l.packed().footprintBytes() + " bytes, "
        + (l.frozen() == null ? 0 : l.frozen().size()) + " + " + l.changes().size() + " changes on top";
  }

  boolean packing() {
    return packing;
  }

  /** Changes kept in the skip lists on top of the packed keys (frozen and current). */
  int changesOnTop() {
    Layers l = layers;
    return (l.frozen() == null ? 0 : l.frozen().size()) + l.changes().size();
  }

  /** Keys starting with {@code prefix}, strictly after {@code after} when it is not null. */
  Iterator<String> scan(String prefix, String after) {
    Layers l = layers;
    boolean fromAfter = after != null && after.compareTo(prefix) >= 0;
    String start = fromAfter ? after : prefix;
    PackedKeys.Cursor packed = l.packed().seek(start, !fromAfter);
    Iterator<Map.Entry<String, Boolean>> frozen = l.frozen() == null ? null
        : l.frozen().tailMap(start, !fromAfter).entrySet().iterator();
    Iterator<Map.Entry<String, Boolean>> changes = l.changes().tailMap(start, !fromAfter).entrySet().iterator();
    return new Iterator<>() {
      private String packedKey = packed.valid() ? packed.key() : null;
      private Map.Entry<String, Boolean> frozenHead = nextOf(frozen);
      private Map.Entry<String, Boolean> changeHead = nextOf(changes);
      private String next = advance();

      private String advance() {
        while (true) {
          String key = min(min(packedKey, frozenHead == null ? null : frozenHead.getKey()),
              changeHead == null ? null : changeHead.getKey());
          if (key == null || !key.startsWith(prefix)) {
            return null;
          }
          Boolean present = null; // the newest layer that holds the key decides
          if (changeHead != null && changeHead.getKey().equals(key)) {
            present = changeHead.getValue();
            changeHead = nextOf(changes);
          }
          if (frozenHead != null && frozenHead.getKey().equals(key)) {
            present = present != null ? present : frozenHead.getValue();
            frozenHead = nextOf(frozen);
          }
          if (packedKey != null && packedKey.equals(key)) {
            present = present != null ? present : Boolean.TRUE;
            packed.advance();
            packedKey = packed.valid() ? packed.key() : null;
          }
          if (present) {
            return key;
          }
        }
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public String next() {
        String k = next;
        next = advance();
        return k;
      }
    };
  }

  private static Map.Entry<String, Boolean> nextOf(Iterator<Map.Entry<String, Boolean>> it) {
    return it != null && it.hasNext() ? it.next() : null;
  }

  private static String min(String a, String b) {
    return a == null ? b : b == null || a.compareTo(b) <= 0 ? a : b;
  }
}
