package io.ssot.core;

/**
 * A {@code durability=sync} write that is committed locally (its revision is in the store and the
 * change log, and reaches PostgreSQL later) but was not confirmed durable in time: the caller
 * cannot know whether a machine crash now would lose it, and may retry it or read it back.
 */
public final class NotDurable extends RuntimeException {

  private final long revision;

  NotDurable(long revision, Throwable cause) {
    super("the write of revision " + revision + " is committed locally but not yet durable: " + cause.getMessage(),
        null, false, false);
    this.revision = revision;
  }

  /** The revision that was committed locally. */
  public long revision() {
    return revision;
  }
}
