package io.ssot.store;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decoded current entries of recently read keys, so a hot key is served from the heap without a
 * map lookup and a decode (together about a seventh of a single-key GET in a JFR profile), and
 * repeated reads of it return the same {@link Entry} instance, which lets the API keep the
 * answer it built for it.
 *
 * <p>Never stale once a write is acknowledged: a writer drops a key after publishing its new
 * revision, before it returns. A reader's entry is served to others only once the reader has seen
 * that no commit happened while it read (it is then <em>confirmed</em>); otherwise the reader takes
 * it back out. Unconfirmed, another reader could get the old value after the write that replaced
 * it was acknowledged. Only readers use the cache: writers read the map. Bounded: entries of at most
 * {@link #MAX_ENTRY_BYTES} are kept, and past {@link #BUDGET_BYTES} the cache starts over.
 */
final class ReadCache {

  static final long BUDGET_BYTES = 64L << 20;
  static final int MAX_ENTRY_BYTES = 16 << 10;
  private static final int OVERHEAD_BYTES = 128;

  private static final class Cached {
    final Entry entry;
    volatile boolean confirmed;

    Cached(Entry entry) {
      this.entry = entry;
    }
  }

  private final ConcurrentHashMap<String, Cached> entries = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();

  Entry get(String key) {
    Cached cached = entries.get(key);
    return cached != null && cached.confirmed ? cached.entry : null;
  }

  /**
   * Keeps {@code entry}, read while the store was at {@code revisionBefore}, unless a commit
   * happened since: then the writer may have dropped the key before this insert.
   */
  void offer(Entry entry, long revisionBefore, MvccStore store) {
    int size = weight(entry);
    if (size > MAX_ENTRY_BYTES) {
      return;
    }
    Cached cached = new Cached(entry);
    if (entries.putIfAbsent(entry.key(), cached) == null) {
      if (bytes.addAndGet(size) > BUDGET_BYTES) {
        clear();
        return;
      }
      // The insert came before this read of the revision: a commit not seen here has not yet
      // dropped the key, and will drop this entry when it does.
      if (store.revision() == revisionBefore) {
        cached.confirmed = true;
      } else {
        drop(entry.key(), cached);
      }
    }
  }

  /** After the commit that changed {@code key} is published. */
  void invalidate(String key) {
    Cached gone = entries.remove(key);
    if (gone != null) {
      bytes.addAndGet(-weight(gone.entry));
    }
  }

  private void drop(String key, Cached cached) {
    if (entries.remove(key, cached)) {
      bytes.addAndGet(-weight(cached.entry));
    }
  }

  private void clear() {
    entries.clear();
    bytes.set(0); // approximate while racing inserts; only the budget depends on it
  }

  private static int weight(Entry e) {
    return OVERHEAD_BYTES + 2 * e.key().length() + (e.value() == null ? 0 : e.value().length)
        + 2 * e.updatedBy().length();
  }
}
