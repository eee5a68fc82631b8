package io.ssot.api;

import io.ssot.http.EntryJson;
import io.ssot.http.Etags;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ssot.security.ValueCipher;
import io.ssot.store.Entry;
import io.vertx.core.buffer.Buffer;

/**
 * The GET answers built for often read entries, so a hot key's JSON and ETag are rendered once
 * per revision rather than once per request (rendering was about a tenth of a single-key GET in a
 * JFR profile). The store hands out the same {@link Entry} instance while a key is unchanged, so
 * an answer is reused only for the very entry it was built from: it can never be stale. A
 * buffer written to many responses is safe: Vert.x writes a slice of it each time.
 *
 * <p>One per event loop. Bounded in bytes by a share of the max heap ({@link #budgetFor}), values
 * up to 16 KiB. Caffeine's W-TinyLFU keeps keys read often and refuses keys read once, so random
 * reads over a large key space do not churn the answers of hot keys through the old generation.
 * Each form (entry or raw value) is rendered when first asked for.
 */
final class EntryBodies {

  private static final int MAX_VALUE_BYTES = 16 << 10;

  /** A 200 answer to a GET of an entry: its body and its ETag, pre-encoded. */
  record Answer(Buffer body, CharSequence etag) {
  }

  /** The answers of one entry, each built when first asked for. */
  private static final class Bodies {
    final Entry entry;
    volatile Answer full;
    volatile Answer raw;

    Bodies(Entry entry) {
      this.entry = entry;
    }

    /** Both forms: the entry's JSON (value, key and ~150 bytes of fields) and the value. */
    int weight() {
      return 300 + 2 * entry.value().length + 4 * entry.key().length();
    }
  }

  private final Cache<String, Bodies> byKey;
  private final ValueCipher cipher;

  EntryBodies(ValueCipher cipher, long budgetBytes) {
    this.cipher = cipher;
    this.byKey = Caffeine.newBuilder()
        .maximumWeight(budgetBytes)
        .weigher((String key, Bodies bodies) -> bodies.weight())
        // Eviction is bookkeeping in small batches: done by the event loop, not a pool's thread.
        .executor(Runnable::run)
        .build();
  }

  /** A sixteenth of the max heap for the answers of all event loops together. */
  static long budgetFor(long maxHeapBytes, int eventLoops) {
    return maxHeapBytes / 16 / Math.max(1, eventLoops);
  }

  /**
   * {@code {key,value,revision,...}}, or the value alone when {@code raw}, of a current entry.
   * Values encrypted at rest are opened for each answer and their plaintext is never kept.
   */
  Answer answer(Entry entry, boolean raw) {
    if (entry.value().length > MAX_VALUE_BYTES || ValueCipher.isSealed(entry.value())) {
      return render(entry, raw);
    }
    Bodies bodies = byKey.getIfPresent(entry.key());
    if (bodies == null || bodies.entry != entry) {
      bodies = new Bodies(entry);
      byKey.put(entry.key(), bodies);
    }
    Answer answer = raw ? bodies.raw : bodies.full;
    if (answer == null) {
      answer = build(entry, raw, true);
      if (raw) {
        bodies.raw = answer;
      } else {
        bodies.full = answer;
      }
    }
    return answer;
  }

  /** The answer for {@code entry}, built afresh and sent once. */
  Answer render(Entry entry, boolean raw) {
    return build(entry, raw, false);
  }

  private Answer build(Entry entry, boolean raw, boolean kept) {
    Entry open = cipher.open(entry);
    Buffer body = raw ? Buffer.buffer(open.value()) : kept ? EntryJson.entry(open) : EntryJson.entryOnce(open);
    return new Answer(body, Etags.header(entry.revision()));
  }

  /** Runs pending evictions now: for tests, which look at what stayed. */
  void cleanUp() {
    byKey.cleanUp();
  }

  /** Whether an answer built for {@code entry} is kept. */
  boolean holds(Entry entry) {
    Bodies bodies = byKey.getIfPresent(entry.key());
    return bodies != null && bodies.entry == entry;
  }
}
