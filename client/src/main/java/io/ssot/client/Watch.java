package io.ssot.client;

/** An open watch; {@link #close()} cancels it. */
public interface Watch extends AutoCloseable {

  /** The next revision the watch waits for: the one after the last it delivered or was told of. */
  long nextRevision();

  @Override
  void close();
}
