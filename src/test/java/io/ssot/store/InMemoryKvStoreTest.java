package io.ssot.store;

class InMemoryKvStoreTest extends KvStoreContract {

  @Override
  protected KvStore create() {
    return new InMemoryKvStore();
  }
}
