package io.ssot.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The sorted set of live keys for prefix listing: O(log n + k) for a page of k keys.
 *
 * <p>At start-up it is built in the background from the key-value map, so that single-key reads
 * are served before a million keys are sorted. Writes that happen during the build are recorded
 * (under the store's write lock) and applied in order on top of the built set when it is
 * installed, so no put or delete is lost or resurrected by the scan racing them.
 */
final class KeyIndex {

  private volatile NavigableSet<String> keys = new ConcurrentSkipListSet<>();
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  /** Changes seen while building, in order. Guarded by the write lock; null once built. */
  private List<PendingChange> pending = new ArrayList<>();

  private record PendingChange(String key, boolean exists) {
  }

  /** Starts building from {@code store}; {@code writeLock} is the store's write lock. */
  void buildInBackground(KvStore store, Object writeLock) {
    Thread builder = new Thread(() -> {
      try {
        List<String> scanned = new ArrayList<>();
        store.forEachKey(scanned::add);
        String[] sorted = scanned.toArray(new String[0]);
        Arrays.parallelSort(sorted);
        ConcurrentSkipListSet<String> built = new ConcurrentSkipListSet<>(Arrays.asList(sorted));
        synchronized (writeLock) {
          for (PendingChange change : pending) {
            if (change.exists()) {
              built.add(change.key());
            } else {
              built.remove(change.key());
            }
          }
          pending = null;
          keys = built;
        }
        ready.complete(null);
      } catch (RuntimeException | Error e) {
        ready.completeExceptionally(e);
      }
    }, "ssot-key-index-build");
    builder.setDaemon(true);
    builder.start();
  }

  /** Marks the (empty) index ready without a build: for a store that starts empty. */
  void markReady() {
    pending = null;
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
    if (pending != null) {
      pending.add(new PendingChange(key, true));
    }
    keys.add(key);
  }

  /** Called under the write lock for every delete. */
  void removed(String key) {
    if (pending != null) {
      pending.add(new PendingChange(key, false));
    }
    keys.remove(key);
  }

  /** Keys starting with {@code prefix}, strictly after {@code after} when it is not null. */
  Iterator<String> scan(String prefix, String after) {
    NavigableSet<String> tail = after != null && after.compareTo(prefix) >= 0
        ? keys.tailSet(after, false)
        : keys.tailSet(prefix, true);
    Iterator<String> it = tail.iterator();
    return new Iterator<>() {
      private String next = advance();

      private String advance() {
        if (it.hasNext()) {
          String k = it.next();
          if (k.startsWith(prefix)) {
            return k;
          }
        }
        return null;
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
}
