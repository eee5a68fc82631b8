package io.ssot.store;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** A heap-only {@link KvStore}: nothing survives the process. */
public final class InMemoryKvStore implements KvStore {

  private final ConcurrentHashMap<String, byte[]> map = new ConcurrentHashMap<>();

  @Override
  public byte[] get(String key) {
    return map.get(key);
  }

  @Override
  public void put(String key, byte[] stored) {
    map.put(key, stored);
  }

  @Override
  public void remove(String key) {
    map.remove(key);
  }

  @Override
  public long size() {
    return map.size();
  }

  @Override
  public void forEachKey(Consumer<String> action) {
    map.keySet().forEach(action);
  }

  @Override
  public void force() {
  }

  @Override
  public void close() {
  }
}
