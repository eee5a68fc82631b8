package io.ssot.api;

import io.ssot.schema.PrefixSchemas;
import io.ssot.security.ValueCipher;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreException;
import io.ssot.store.Txn;
import io.ssot.watch.WatchHub;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * What the HTTP handlers work with, shared by every event loop.
 *
 * @param archive history older than the local change log (PostgreSQL), or {@code null}
 * @param schemas the JSON Schemas in force by prefix, checked on every put
 * @param cipher  encryption at rest: values are sealed on their way in ({@link #admit}) and
 *                opened on their way out ({@link ValueCipher#open(Entry)})
 */
public record Api(MvccStore store, Durability durability, WatchHub hub, Limits limits, JsonValues json,
                  boolean syncByDefault, ArchivedHistory archive, PrefixSchemas schemas, ValueCipher cipher) {

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

  /** Completes once the stored schemas are loaded (at once, except in the first moments after a start). */
  Future<Void> schemasLoaded() {
    var ready = schemas.ready();
    return ready.isDone() && !ready.isCompletedExceptionally() ? Future.succeededFuture()
        : Future.fromCompletionStage(ready, Vertx.currentContext());
  }

  /**
   * The bytes to store for a put of {@code value} (JSON) on {@code key}: checked against the
   * schemas of its prefixes, then sealed when its prefix is encrypted.
   *
   * @throws io.ssot.schema.SchemaViolation when it breaks a schema
   */
  byte[] admit(String key, byte[] value) {
    schemas.check(key, value);
    return cipher.seal(key, value);
  }

  /**
   * A txn with every put {@link #admit admitted}. Puts of both branches are checked, since which
   * branch runs is only known under the store's lock: a txn that carries an invalid put is refused
   * whole, whatever its compares would say.
   */
  Txn.Request admit(Txn.Request txn) {
    return new Txn.Request(txn.compare(), admit(txn.success()), admit(txn.failure()));
  }

  private List<Txn.Op> admit(List<Txn.Op> ops) {
    List<Txn.Op> out = new ArrayList<>(ops.size());
    for (Txn.Op op : ops) {
      out.add(op.type() == Txn.OpType.PUT ? new Txn.Op(op.type(), op.key(), admit(op.key(), op.value())) : op);
    }
    return out;
  }
}
