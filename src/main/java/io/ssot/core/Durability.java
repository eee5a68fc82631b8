package io.ssot.core;

import io.vertx.core.Future;

/**
 * How writes become durable beyond the local memory-mapped files, and whether new writes are
 * admitted: the forced local change log when the server runs embedded, PostgreSQL when it is
 * configured.
 */
public interface Durability {

  /** Completes when {@code revision} survives a machine crash ({@code durability=sync}). */
  Future<Void> sync(long revision);

  /** @throws io.ssot.store.StoreException.Unavailable when writes must wait (the outbox is full) */
  void admitWrite();
}
