package io.ssot.store;

/** A request the store refuses for a reason the caller can act on. */
public abstract sealed class StoreException extends RuntimeException {

  StoreException(String message) {
    super(message, null, false, false);
  }

  /** An If-Match / If-None-Match / txn precondition did not hold. */
  public static final class PreconditionFailed extends StoreException {
    private final Long currentRevision;

    public PreconditionFailed(Long currentRevision) {
      super(currentRevision == null ? "the key does not exist"
          : "the key's current revision is " + currentRevision);
      this.currentRevision = currentRevision;
    }

    /** The key's revision now, or {@code null} when it does not exist. */
    public Long currentRevision() {
      return currentRevision;
    }
  }

  /** The revision asked for is below the compact revision: its history is gone. */
  public static final class Compacted extends StoreException {
    private final long compactRevision;

    public Compacted(long requested, long compactRevision) {
      super("revision " + requested + " is compacted; the oldest revision kept is " + compactRevision);
      this.compactRevision = compactRevision;
    }

    public long compactRevision() {
      return compactRevision;
    }
  }

  /** The revision asked for is above the store revision. */
  public static final class FutureRevision extends StoreException {
    public FutureRevision(long requested, long current) {
      super("revision " + requested + " is ahead of the store revision " + current);
    }
  }

  /** A commit made elsewhere ({@link MvccStore#apply}) whose revision the store already holds. */
  public static final class RevisionRepeated extends StoreException {
    public RevisionRepeated(long revision, long current) {
      super("revision " + revision + " is already applied: the store is at revision " + current);
    }
  }

  /**
   * A commit made elsewhere ({@link MvccStore#apply}) that is not the next revision: the ones
   * between the store's revision and it are missing and must be applied first.
   */
  public static final class RevisionGap extends StoreException {
    private final long current;

    public RevisionGap(long revision, long current) {
      super("revision " + revision + " cannot follow revision " + current + ": revisions " + (current + 1)
          + (revision - 1 > current + 1 ? ".." + (revision - 1) : "") + " are missing");
      this.current = current;
    }

    /** The store's revision: the next one to apply is this plus one. */
    public long current() {
      return current;
    }
  }

  /** A written entry is larger than the store, as it is sized, can hold; nothing was changed. */
  public static final class TooLarge extends StoreException {
    public TooLarge(String message) {
      super(message);
    }
  }

  /** A snapshot is restored only into a store that was never written; nothing was changed. */
  public static final class NotEmpty extends StoreException {
    public NotEmpty(String message) {
      super(message);
    }
  }

  /** The gets of a txn would read more than its bound allows; nothing was changed. */
  public static final class TxnReadsTooLarge extends StoreException {
    private final long maxReadBytes;

    public TxnReadsTooLarge(long maxReadBytes) {
      super("the gets of this txn read more than " + maxReadBytes + " bytes");
      this.maxReadBytes = maxReadBytes;
    }

    public long maxReadBytes() {
      return maxReadBytes;
    }
  }

  /** The write cannot be taken now (the change log: disk full, I/O error; PostgreSQL: outbox full, circuit open); nothing was changed. */
  public static final class Unavailable extends StoreException {
    public Unavailable(String message) {
      super(message);
    }
  }

  /**
   * The disk holding the data directory is too full to take the write (below
   * {@code store.minFreeDiskBytes}, or a file could not be allocated); nothing was changed.
   */
  public static final class InsufficientStorage extends StoreException {
    private final long neededBytes;

    public InsufficientStorage(String message) {
      this(message, 0);
    }

    InsufficientStorage(String message, long neededBytes) {
      super(message);
      this.neededBytes = neededBytes;
    }

    /** The size of the allocation that failed, 0 if none did. */
    long neededBytes() {
      return neededBytes;
    }
  }
}
