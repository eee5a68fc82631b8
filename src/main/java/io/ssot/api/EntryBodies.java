package io.ssot.api;

import io.ssot.security.ValueCipher;
import io.ssot.store.Entry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The GET answers built for recently read entries, so a hot key's JSON and ETag are rendered once
 * per revision rather than once per request (rendering was about a tenth of a single-key GET in a
 * JFR profile). The store hands out the same {@link Entry} instance while a key is unchanged, so
 * an answer is reused only for the very entry it was built from: it can never be stale. A
 * buffer written to many responses is safe: Vert.x writes a slice of it each time.
 *
 * <p>One per event loop. Bounded: values up to 16 KiB, 32 MiB in all, then start over.
 */
final class EntryBodies {

  private static final long BUDGET_BYTES = 32L << 20;
  private static final int MAX_VALUE_BYTES = 16 << 10;

  /** A 200 answer to a GET of an entry: its body and its ETag, pre-encoded. */
  record Answer(Buffer body, CharSequence etag) {
  }

  private record Bodies(Entry entry, Answer full, Answer raw) {
    long weight() {
      return 160L + full.body().length() + raw.body().length();
    }
  }

  private final ConcurrentHashMap<String, Bodies> byKey = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();

  private final ValueCipher cipher;

  EntryBodies(ValueCipher cipher) {
    this.cipher = cipher;
  }

  /**
   * {@code {key,value,revision,...}}, or the value alone when {@code raw}, of a current entry.
   * Values encrypted at rest are opened for each answer and their plaintext is never kept.
   */
  Answer answer(Entry entry, boolean raw) {
    if (entry.value().length > MAX_VALUE_BYTES || ValueCipher.isSealed(entry.value())) {
      return render(entry, raw);
    }
    Bodies bodies = byKey.get(entry.key());
    if (bodies == null || bodies.entry() != entry) {
      bodies = new Bodies(entry, render(entry, false), render(entry, true));
      keep(bodies);
    }
    return raw ? bodies.raw() : bodies.full();
  }

  /** The answer for {@code entry}, built afresh. */
  Answer render(Entry entry, boolean raw) {
    Entry open = cipher.open(entry);
    return new Answer(raw ? Buffer.buffer(open.value()) : EntryJson.entry(open),
        HttpHeaders.createOptimized(Etags.of(entry.revision())));
  }

  private void keep(Bodies bodies) {
    Bodies replaced = byKey.put(bodies.entry().key(), bodies);
    long total = bytes.addAndGet(bodies.weight() - (replaced == null ? 0 : replaced.weight()));
    if (total > BUDGET_BYTES) {
      byKey.clear();
      bytes.set(0); // approximate while racing inserts; only the budget depends on it
    }
  }
}
