package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write the maps fail to take is taken back: each map holds for the key what it held before,
 * the revision is not handed out, and the next write takes it. For each kind of change, the
 * map fails at the last step the change takes, after the other map was already written.
 */
class TakeBackTest {

  /** A map that fails its next put or remove of {@link #failing} once. */
  private static final class FailingMap implements KvStore {
    private final InMemoryKvStore map = new InMemoryKvStore();
    String failing;

    private void maybeFail(String key) {
      if (key.equals(failing)) {
        failing = null;
        throw new IllegalStateException("the map cannot take " + key);
      }
    }

    @Override
    public byte[] get(String key) {
      return map.get(key);
    }

    @Override
    public void put(String key, byte[] stored) {
      maybeFail(key);
      map.put(key, stored);
    }

    @Override
    public void remove(String key) {
      maybeFail(key);
      map.remove(key);
    }

    @Override
    public long size() {
      return map.size();
    }

    @Override
    public void forEachKey(Consumer<String> action) {
      map.forEachKey(action);
    }

    @Override
    public void force() {
    }

    @Override
    public void close() {
    }
  }

  @TempDir
  Path dir;

  private final FailingMap kv = new FailingMap();
  private final FailingMap tombstones = new FailingMap();
  private final AtomicLong clock = new AtomicLong(1_000);
  private MvccStore store;

  @BeforeEach
  void open() throws IOException {
    store = new MvccStore(kv, tombstones, ChangeLog.open(dir, 4096, 1), false, () -> clock.addAndGet(10));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private long put(String key, String value) {
    return store.put(key, value.getBytes(StandardCharsets.UTF_8), Precondition.NONE, "t").entry().revision();
  }

  /** The failed write left no trace: same revision, nothing logged, both maps as they were. */
  private void assertTakenBack(long revision, String key, byte[] live, byte[] tombstone) {
    assertEquals(revision, store.revision(), "the revision is not handed out");
    assertNull(store.commitAt(revision + 1), "nor left in the change log");
    assertArrayEquals(live, kv.get(key), "the live entry is as it was");
    assertArrayEquals(tombstone, tombstones.get(key), "the tombstone is as it was");
    assertEquals(revision + 1, put("other", "1"), "the next write takes the revision");
  }

  @Test
  void anUpdateOfALiveKey() {
    put("k", "1");
    byte[] live = kv.get("k");
    long revision = store.revision();
    kv.failing = "k";
    assertThrows(StoreException.class, () -> put("k", "2"));
    assertTakenBack(revision, "k", live, null);
    assertEquals("1", new String(store.get("k").value(), StandardCharsets.UTF_8));
  }

  @Test
  void aDeleteAfterItsTombstoneWasWritten() {
    put("k", "1");
    byte[] live = kv.get("k");
    long revision = store.revision();
    kv.failing = "k"; // the delete writes the tombstone, then fails to remove the live entry
    assertThrows(StoreException.class, () -> store.delete("k", Precondition.NONE, "t"));
    assertTakenBack(revision, "k", live, null);
    assertNotNull(store.get("k"));
  }

  @Test
  void aPutThatCreatesADeletedKeyAgain() {
    put("k", "1");
    store.delete("k", Precondition.NONE, "t");
    byte[] tombstone = tombstones.get("k");
    long revision = store.revision();
    tombstones.failing = "k"; // the put writes the live entry, then fails to remove the tombstone
    assertThrows(StoreException.class, () -> put("k", "2"));
    assertTakenBack(revision, "k", null, tombstone);
    assertNull(store.get("k"));
  }
}
