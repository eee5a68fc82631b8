package io.ssot.api;

import io.ssot.core.ArchivedHistory;
import io.ssot.core.Durability;
import io.ssot.http.JsonValues;
import io.ssot.http.Limits;
import io.ssot.http.RequestBody;

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
 * @param bodies  reads request bodies within their limit, the server's body budget and the body timeout
 */
public record Api(MvccStore store, Durability durability, WatchHub hub, Limits limits, JsonValues json,
                  boolean syncByDefault, ArchivedHistory archive, PrefixSchemas schemas, ValueCipher cipher,
                  RequestBody bodies) {

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

  /**
   * Values at least this large are checked against their schemas on a worker thread: a 1 MiB
   * value of 23,000 small objects takes 0.2-0.4 s to validate, too long for an event loop.
   */
  static final int VALIDATE_OFF_LOOP_BYTES = 64 << 10;

  /**
   * The bytes to store for a put of {@code value} (JSON) on {@code key}: checked against the
   * schemas of its prefixes, then sealed when its prefix is encrypted. Without an applicable
   * schema this is a map lookup per key segment and completes at once.
   *
   * @return fails with {@link io.ssot.schema.SchemaViolation} when the value breaks a schema
   */
  Future<byte[]> admit(String key, byte[] value) {
    return whenSchemasLoaded().compose(v -> checked(schemas.applies(key) ? value.length : 0,
        () -> admitNow(key, value)));
  }

  /**
   * A txn with every put {@link #admit admitted}. Puts of both branches are checked, since which
   * branch runs is only known under the store's lock: a txn that carries an invalid put is refused
   * whole, whatever its compares would say.
   */
  Future<Txn.Request> admit(Txn.Request txn) {
    return whenSchemasLoaded().compose(v -> {
      long checkedBytes = 0;
      for (List<Txn.Op> branch : List.of(txn.success(), txn.failure())) {
        for (Txn.Op op : branch) {
          if (op.type() == Txn.OpType.PUT && schemas.applies(op.key())) {
            checkedBytes += op.value().length;
          }
        }
      }
      return checked(checkedBytes, () -> new Txn.Request(txn.compare(), admitNow(txn.success()),
          admitNow(txn.failure())));
    });
  }

  private static <T> Future<T> checked(long bytesToValidate, java.util.concurrent.Callable<T> work) {
    if (bytesToValidate >= VALIDATE_OFF_LOOP_BYTES) {
      return Vertx.currentContext().executeBlocking(work, false);
    }
    try {
      return Future.succeededFuture(work.call());
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }

  /** At once, except in the first moments after a start, before the stored schemas are loaded. */
  private Future<Void> whenSchemasLoaded() {
    var ready = schemas.ready();
    return ready.isDone() && !ready.isCompletedExceptionally() ? Future.succeededFuture()
        : Future.fromCompletionStage(ready, Vertx.currentContext());
  }

  private byte[] admitNow(String key, byte[] value) {
    schemas.check(key, value);
    return cipher.seal(key, value);
  }

  private List<Txn.Op> admitNow(List<Txn.Op> ops) {
    List<Txn.Op> out = new ArrayList<>(ops.size());
    for (Txn.Op op : ops) {
      out.add(op.type() == Txn.OpType.PUT ? new Txn.Op(op.type(), op.key(), admitNow(op.key(), op.value())) : op);
    }
    return out;
  }
}
