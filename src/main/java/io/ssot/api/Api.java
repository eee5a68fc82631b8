package io.ssot.api;

import io.ssot.core.ArchivedHistory;
import io.ssot.core.Writes;
import io.ssot.http.Compression;
import io.ssot.http.JsonValues;
import io.ssot.http.Limits;
import io.ssot.http.RequestBody;
import io.ssot.security.ValueCipher;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.watch.WatchHub;
import io.vertx.core.Future;

/**
 * What the HTTP handlers work with, shared by every event loop: the door every write goes
 * through, and what reads need.
 *
 * @param store   read only here: every write goes through {@code writes}
 * @param writes  the one door for writes (admission, commit, durability)
 * @param syncByDefault whether a write without {@code ?durability=} waits until it is durable
 * @param archive history older than the local change log (PostgreSQL), or {@code null}
 * @param cipher  encryption at rest: values are opened on their way out ({@link ValueCipher#open(Entry)})
 * @param bodies  reads request bodies within their limit, the server's body budget and the body timeout
 * @param compression gzips large answers for clients that accept it
 */
public record Api(MvccStore store, Writes writes, WatchHub hub, Limits limits, JsonValues json,
                  boolean syncByDefault, ArchivedHistory archive, ValueCipher cipher, RequestBody bodies,
                  Compression compression) {

  /**
   * The key's entry at {@code revision} ({@code null} when absent then): from the local change
   * log, or from the archive when the local log is compacted past it.
   */
  Future<Entry> entryAt(String key, long revision) {
    return ArchivedHistory.entryAt(store, archive, key, revision);
  }
}
