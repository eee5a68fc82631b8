package io.ssot.client;

/** A registered listener; {@link #close()} removes it. */
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
