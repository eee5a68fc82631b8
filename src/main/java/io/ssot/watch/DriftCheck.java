package io.ssot.watch;

import io.ssot.protocol.ViewDigest;
import io.ssot.store.Commit;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.SystemKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's {@link ViewDigest} of a watched prefix (or key) at the revision a client acked,
 * computed on a worker thread, never an event loop, and only when it is cheap and exact:
 * <ul>
 *   <li>the prefix holds at most {@link #MAX_KEYS} keys (a larger one is not compared);</li>
 *   <li>the listing is consistent: no commit landed while it was read;</li>
 *   <li>the acked revision is the store's current one, or at most {@link #MAX_COMMITS_SCANNED}
 *       revisions older and none of the commits after it touched the prefix (so the prefix's
 *       content then is its content now);</li>
 *   <li>at most {@link #MAX_IN_FLIGHT} checks run at once over the server; an ack that finds no
 *       room is not checked (the next ack of that watch is).</li>
 * </ul>
 * Otherwise the answer is null: not comparable, and the watch's drift state stays as it was.
 */
final class DriftCheck {

  static final int MAX_KEYS = 10_000;
  static final int MAX_COMMITS_SCANNED = 256;
  static final int MAX_IN_FLIGHT = 2;

  private final Vertx vertx;
  private final MvccStore store;
  private final AtomicInteger inFlight = new AtomicInteger();

  DriftCheck(Vertx vertx, MvccStore store) {
    this.vertx = vertx;
    this.store = store;
  }

  /** The server's digest of {@code filter} at {@code revision}; null when not comparable (see the class). */
  Future<String> digest(String filter, boolean key, long revision) {
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      return Future.succeededFuture(null);
    }
    return vertx.<String>executeBlocking(() -> compute(filter, key, revision), false)
        .andThen(r -> inFlight.decrementAndGet());
  }

  String compute(String filter, boolean key, long revision) {
    if (!store.listingReady().isDone()) {
      return null;
    }
    long before = store.revision();
    if (revision > before || revision < store.compactRevision()) {
      return null;
    }
    ViewDigest digest = new ViewDigest();
    if (key) {
      Entry e = SystemKeys.isSystem(filter) ? null : store.get(filter);
      if (e != null) {
        if (e.revision() > before) {
          return null;
        }
        digest.add(e.key(), e.revision());
      }
    } else {
      MvccStore.ListPage page = store.list(filter, null, MAX_KEYS + 1, Long.MAX_VALUE, false);
      if (page.more() || page.items().size() > MAX_KEYS || page.revision() != before) {
        return null;
      }
      for (Entry e : page.items()) {
        if (e.revision() > before) {
          return null; // a commit was being applied as the listing read it
        }
        digest.add(e.key(), e.revision());
      }
    }
    if (store.revision() != before || !untouchedSince(filter, key, revision, before)) {
      return null;
    }
    return digest.hex();
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
