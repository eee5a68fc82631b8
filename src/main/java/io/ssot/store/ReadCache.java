package io.ssot.store;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decoded current entries of recently read keys, so a hot key is served from the heap without a
 * map lookup and a decode (together about a seventh of a single-key GET in a JFR profile), and
 * repeated reads of it return the same {@link Entry} instance, which lets the API keep the
 * answer it built for it.
 *
 * <p>Never stale: a writer drops a key after publishing its new revision; a reader that read a
 * key while any write committed takes its entry back out. Bounded: entries of at most
 * {@link #MAX_ENTRY_BYTES} are kept, and past {@link #BUDGET_BYTES} the cache starts over.
 */
final class ReadCache {

  static final long BUDGET_BYTES = 64L << 20;
  static final int MAX_ENTRY_BYTES = 16 << 10;
  private static final int OVERHEAD_BYTES = 128;

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();

  Entry get(String key) {
    return entries.get(key);
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
    if (entries.putIfAbsent(entry.key(), entry) == null) {
      if (bytes.addAndGet(size) > BUDGET_BYTES) {
        clear();
        return;
      }
      if (store.revision() != revisionBefore) {
        drop(entry.key(), entry);
      }
    }
  }

  /** After the commit that changed {@code key} is published. */
  void invalidate(String key) {
    Entry gone = entries.remove(key);
    if (gone != null) {
      bytes.addAndGet(-weight(gone));
    }
  }

  private void drop(String key, Entry entry) {
    if (entries.remove(key, entry)) {
      bytes.addAndGet(-weight(entry));
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
