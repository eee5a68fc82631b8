package io.ssot.core;

import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreException;
import io.vertx.core.Future;
import java.util.List;

/**
 * History older than the local change log holds, kept elsewhere (PostgreSQL). Reads are
 * asynchronous and never block an event loop.
 */
public interface ArchivedHistory {

  /** The oldest revision kept; history below it is compacted here too. */
  long floorRevision();

  /**
   * The key's changes with revision below {@code before}, newest first, at most {@code limit},
   * and bounded in bytes: those that start within {@code maxBytes} of
   * {@link io.ssot.store.MvccStore#pageBytes} (so the last one may pass it, which tells the
   * caller that more follow).
   */
  Future<List<Entry>> versions(String key, long before, int limit, long maxBytes);

  /**
   * The key's entry at {@code revision}: {@code null} when it did not exist then; fails with
   * {@link io.ssot.store.StoreException.Compacted} when that state is no longer kept.
   */
  Future<Entry> at(String key, long revision);

  /**
   * The key's entry at {@code revision} ({@code null} when absent then): from the local change
   * log, or from {@code archive} when the local log is compacted past it.
   *
   * @param archive the archive, or {@code null} when there is none
   * @throws StoreException.FutureRevision when {@code revision} is above the store revision
   */
  static Future<Entry> entryAt(MvccStore store, ArchivedHistory archive, String key, long revision) {
    try {
      return Future.succeededFuture(store.at(key, revision));
    } catch (StoreException.Compacted e) {
      return archive == null ? Future.failedFuture(e) : archive.at(key, revision);
    }
  }
}
