package io.ssot.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Decoded current entries of often read keys, so a hot key is served from the heap without a
 * map lookup and a decode (together about a seventh of a single-key GET in a JFR profile), and
 * repeated reads of it return the same {@link Entry} instance, which lets the API keep the
 * answer it built for it.
 *
 * <p>Never stale once a write is acknowledged, and never older than what a reader already saw: a
 * writer drops a key after publishing its new revision, before it returns. A reader's entry is
 * served to others only once the reader has seen that no commit applied changes to the map while
 * it read (it is then <em>confirmed</em>); otherwise the reader takes it back out. Unconfirmed,
 * another reader could get the old value after the write that replaced it was acknowledged, or
 * after it had itself read the new value from the map before the commit was published. Only
 * readers use the cache: writers read the map.
 *
 * <p>Bounded in bytes, by a share of the max heap ({@link #budgetFor}), and entries of at most
 * {@link #MAX_ENTRY_BYTES}. What is kept is decided in two steps, so that a key read once among a
 * million (random reads, a listing of a large prefix) neither evicts the hot set nor keeps
 * short-lived entries alive long enough to reach the heap's old generation in bulk: a
 * {@link Doorkeeper} lets through only keys it has seen recently, and among those Caffeine's
 * W-TinyLFU keeps the keys read most often.
 */
final class ReadCache {

  static final int MAX_ENTRY_BYTES = 16 << 10;
  /** The entry's object headers and fields, its holder and Caffeine's node, roughly. */
  private static final int OVERHEAD_BYTES = 160;

  private static final class Cached {
    final Entry entry;
    volatile boolean confirmed;

    Cached(Entry entry) {
      this.entry = entry;
    }
  }

  private final Cache<String, Cached> entries;
  /** 2^20 bits (128 KiB): a key read again within some 130,000 misses is offered to Caffeine. */
  private final Doorkeeper doorkeeper = new Doorkeeper(20);

  /** @param budgetBytes the most the cached entries weigh, by {@link #weight} */
  ReadCache(long budgetBytes) {
    this.entries = Caffeine.newBuilder()
        .maximumWeight(budgetBytes)
        .weigher((String key, Cached cached) -> weight(cached.entry))
        // Eviction is bookkeeping in small batches: done by the reading thread, not a pool's.
        .executor(Runnable::run)
        .build();
  }

  /** An eighth of the max heap: the store's share for the decoded entries of hot keys. */
  static long budgetFor(long maxHeapBytes) {
    return maxHeapBytes / 8;
  }

  /**
   * The confirmed entry of {@code key}, or {@code null}. A key the doorkeeper has not seen is not
   * looked up: most keys of random reads over a large key space are read once, and a bit test
   * then replaces a miss in Caffeine's table (a random access to its nodes, about a fifteenth of
   * such a GET in a JFR profile). A cached key that a clear of the doorkeeper forgot is read from
   * the map once, which makes the doorkeeper see it again.
   */
  Entry get(String key) {
    if (!doorkeeper.mightContain(key)) {
      return null;
    }
    Cached cached = entries.getIfPresent(key);
    return cached != null && cached.confirmed ? cached.entry : null;
  }

  /**
   * After a read of the map that missed the cache: keeps {@code entry} (null: the key is absent),
   * read when the store's {@link MvccStore#applyStamp()} was {@code stampBefore}, if no commit
   * applied changes meanwhile (the stamp is even and unchanged) and the key was read recently
   * before (the {@link Doorkeeper}). If a commit did apply changes, this reader may have
   * seen a value that an entry still cached, which that commit has not yet dropped, predates; so
   * the key is dropped now, and no later read goes back to the older value.
   */
  void offer(String key, Entry entry, long stampBefore, MvccStore store) {
    boolean quiet = (stampBefore & 1) == 0;
    if (quiet && entry != null && weight(entry) <= MAX_ENTRY_BYTES && doorkeeper.seenBefore(key)) {
      Cached cached = new Cached(entry);
      boolean inserted = entries.asMap().putIfAbsent(key, cached) == null;
      // The insert came before this read of the stamp: a commit not seen here has not yet
      // changed the map nor dropped the key, and will drop this entry when it does.
      if (store.applyStamp() == stampBefore) {
        cached.confirmed = inserted;
        return;
      }
    } else if (quiet && store.applyStamp() == stampBefore) {
      return;
    }
    entries.asMap().remove(key);
  }

  /** After the commit that changed {@code key} is published. */
  void invalidate(String key) {
    entries.asMap().remove(key);
  }

  /** Runs pending evictions now: for tests, which look at what stayed. */
  void cleanUp() {
    entries.cleanUp();
  }

  boolean holds(String key) {
    return get(key) != null;
  }

  private static int weight(Entry e) {
    return OVERHEAD_BYTES + 2 * e.key().length() + (e.value() == null ? 0 : e.value().length)
        + 2 * e.updatedBy().length();
  }
}
