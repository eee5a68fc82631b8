package io.ssot.api;

import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreException;
import io.ssot.watch.WatchHub;
import io.vertx.core.Future;

/**
 * What the HTTP handlers work with, shared by every event loop.
 *
 * @param archive history older than the local change log (PostgreSQL), or {@code null}
 */
public record Api(MvccStore store, Durability durability, WatchHub hub, Limits limits, JsonValues json,
                  boolean syncByDefault, ArchivedHistory archive) {

  /**
   * The key's entry at {@code revision} ({@code null} when absent then): from the local change
   * log, or from the archive when the local log is compacted past it.
   */
  Future<Entry> entryAt(String key, long revision) {
    try {
      return Future.succeededFuture(store.at(key, revision));
    } catch (StoreException.Compacted e) {
      return archive == null ? Future.failedFuture(e) : archive.at(key, revision);
    }
  }
}
