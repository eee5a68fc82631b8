package io.ssot.store;

import java.util.function.Consumer;

/**
 * The current state: key to stored entry bytes ({@link EntryCodec}). A small synchronous SPI so
 * the revision logic in {@link MvccStore} runs unchanged over the Chronicle Map of production and
 * the in-memory map of tests. Implementations are safe for concurrent use.
 */
public interface KvStore extends AutoCloseable {

  byte[] get(String key);

  void put(String key, byte[] stored);

  /**
   * Whether {@link #put} can take this entry. Asked before a commit is logged: a commit the map
   * cannot apply would fail again on every replay.
   */
  default boolean fits(String key, byte[] stored) {
    return true;
  }

  void remove(String key);

  long size();

  /** Visits every key, in no particular order; concurrent writes may or may not be seen. */
  void forEachKey(Consumer<String> action);

  /** Forces the state to disk: after it returns, a machine crash cannot lose what was written. */
  void force();

  @Override
  void close();
}
