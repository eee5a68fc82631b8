package io.ssot.watch;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssot.protocol.ViewDigest;
import io.ssot.security.ValueCipher;
import io.ssot.store.Commit;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.SystemKeys;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's {@link ViewDigest} of a watched prefix (or key) at the revision a client acked,
 * computed on a worker thread, never an event loop, and only when it is cheap and exact:
 * <ul>
 *   <li>the prefix holds at most {@link #MAX_KEYS} keys and {@link #MAX_BYTES} of values (a larger one is
 *       not compared);</li>
 *   <li>the listing is consistent: no commit landed while it was read;</li>
 *   <li>the acked revision is the store's current one, or at most {@link #MAX_COMMITS_SCANNED}
 *       revisions older and none of the commits after it touched the prefix (so the prefix's
 *       content then is its content now).</li>
 * </ul>
 * Otherwise the answer is null: not comparable, and the watch's drift state stays as it was.
 *
 * <p>At most {@link #MAX_IN_FLIGHT} checks run at once over the server; the others wait in a
 * queue holding at most one entry per acked watch (so it is bounded by the open connections'
 * fixed-size records), and each takes its watch's latest ack when it starts. The digest of a
 * prefix is computed once per store revision, however many clients watch it
 * ({@link #CACHED_PREFIXES} prefixes remembered).
 */
final class DriftCheck {

  static final int MAX_KEYS = 10_000;
  /** The values a check reads at most (a larger prefix is not compared): bounds its memory. */
  static final long MAX_BYTES = 8L << 20;
  static final int MAX_COMMITS_SCANNED = 256;
  static final int MAX_IN_FLIGHT = 2;
  static final int CACHED_PREFIXES = 1024;

  /** What a queued check compares when it starts: a watch's latest ack, or null when it has ended. */
  interface Job {
    ConnectedClient.Ack latest();

    /** The server's digest for {@code acked}, or null when not comparable. */
    void done(ConnectedClient.Ack acked, String serverDigest);
  }

  private record Computed(long revision, String digest) {
  }

  /** Jackson's defaults, as the client library's: the compact form of {@link ViewDigest} is theirs. */
  private static final ObjectMapper COMPACT = new ObjectMapper();

  private final Vertx vertx;
  private final MvccStore store;
  private final ValueCipher cipher;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Queue<Job> waiting = new ConcurrentLinkedQueue<>();
  private final Map<String, Computed> cache = new ConcurrentHashMap<>();

  DriftCheck(Vertx vertx, MvccStore store, ValueCipher cipher) {
    this.vertx = vertx;
    this.store = store;
    this.cipher = cipher;
  }

  /** Queues a check; it runs when one of the {@link #MAX_IN_FLIGHT} places is free. */
  void submit(Job job) {
    waiting.add(job);
    drain();
  }

  private void drain() {
    while (!waiting.isEmpty()) {
      int running = inFlight.get();
      if (running >= MAX_IN_FLIGHT) {
        return;
      }
      if (!inFlight.compareAndSet(running, running + 1)) {
        continue;
      }
      Job job = waiting.poll();
      ConnectedClient.Ack acked = job == null ? null : job.latest();
      if (acked == null) {
        inFlight.decrementAndGet();
        continue;
      }
      vertx.<String>executeBlocking(() -> compute(acked.filter, acked.key, acked.revision), false)
          .onComplete(ar -> {
            inFlight.decrementAndGet();
            try {
              job.done(acked, ar.succeeded() ? ar.result() : null);
            } finally {
              drain();
            }
          });
    }
  }

  String compute(String filter, boolean key, long revision) {
    if (!store.listingReady().isDone()) {
      return null;
    }
    long before = store.revision();
    if (revision > before || revision < store.compactRevision()) {
      return null;
    }
    String cacheKey = (key ? "k:" : "p:") + filter;
    Computed known = cache.get(cacheKey);
    String digest = known != null && known.revision() == before ? known.digest() : digestNow(filter, key, before);
    if (digest == null || store.revision() != before || !untouchedSince(filter, key, revision, before)) {
      return null;
    }
    if (cache.size() >= CACHED_PREFIXES) {
      cache.clear();
    }
    cache.put(cacheKey, new Computed(before, digest));
    return digest;
  }

  /** The digest of the filter's keys at {@code before}, the store's revision; null when not exact or too large. */
  private String digestNow(String filter, boolean key, long before) {
    ViewDigest digest = new ViewDigest();
    if (key) {
      Entry e = SystemKeys.isSystem(filter) ? null : store.get(filter);
      if (e != null) {
        if (e.revision() > before) {
          return null;
        }
        digest.add(e.key(), e.revision(), compact(e));
      }
    } else {
      MvccStore.ListPage page = store.list(filter, null, MAX_KEYS + 1, MAX_BYTES, true);
      if (page.more() || page.items().size() > MAX_KEYS || page.revision() != before) {
        return null;
      }
      for (Entry e : page.items()) {
        if (e.revision() > before) {
          return null; // a commit was being applied as the listing read it
        }
        digest.add(e.key(), e.revision(), compact(e));
      }
    }
    return digest.hex();
  }

  /** The value as clients hold it (decrypted, parsed), written back compactly. */
  private byte[] compact(Entry e) {
    try {
      return COMPACT.writeValueAsBytes(COMPACT.readTree(cipher.open(e.key(), e.value())));
    } catch (IOException stored) {
      // Every stored value is JSON that was checked on its way in; one that is not cannot match.
      throw new UncheckedIOException(stored);
    }
  }
  /** Whether no commit in ({@code revision}, {@code current}] changed the filter's keys. */
  private boolean untouchedSince(String filter, boolean key, long revision, long current) {
    if (current - revision > MAX_COMMITS_SCANNED) {
      return false;
    }
    for (long r = revision + 1; r <= current; r++) {
      Commit c = store.commitAt(r);
      if (c == null) {
        return false;
      }
      for (Entry e : c.changes()) {
        if (key ? e.key().equals(filter) : e.key().startsWith(filter)) {
          return false;
        }
      }
    }
    return true;
  }
}
