package io.ssot.persist;

import io.ssot.core.Durability;
import io.ssot.store.StoreException;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * With PostgreSQL: sync means committed there (group commit comes from the write-behind's
 * batching). While PostgreSQL is away, local writes go on until the outbox holds
 * {@code maxOutbox} revisions; past that, writes are refused with 503 rather than buffered
 * without bound, and sync writes are refused at once while the circuit is open.
 */
public final class PostgresDurability implements Durability {

  private final WriteBehind writeBehind;
  private final long maxOutbox;
  private final Duration syncTimeout;

  public PostgresDurability(WriteBehind writeBehind, long maxOutbox, Duration syncTimeout) {
    this.writeBehind = writeBehind;
    this.maxOutbox = maxOutbox;
    this.syncTimeout = syncTimeout;
  }

  @Override
  public Future<Void> sync(long revision) {
    if (writeBehind.circuitOpen() && revision > writeBehind.persistedRevision()) {
      return Future.failedFuture(unavailable("PostgreSQL is unreachable (circuit open); revision " + revision
          + " is committed locally and will be written there when it is back"));
    }
    return writeBehind.persisted(revision, syncTimeout);
  }

  @Override
  public void admitWrite() {
    long depth = writeBehind.outboxDepth();
    if (depth >= maxOutbox) {
      throw unavailable("the outbox to PostgreSQL is full (" + depth + " revisions not yet written); retry later");
    }
  }

  /** Answered 503 {@code unavailable} with Retry-After by the routes, like a change log that cannot take a write. */
  private static StoreException.Unavailable unavailable(String detail) {
    return new StoreException.Unavailable(detail);
  }
}
