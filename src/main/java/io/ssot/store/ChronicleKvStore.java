package io.ssot.store;

import java.io.File;
import java.io.IOException;
import java.util.function.Consumer;
import net.openhft.chronicle.hash.impl.VanillaChronicleHash;
import net.openhft.chronicle.map.ChronicleMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current state in an off-heap Chronicle Map persisted to one memory-mapped file. The OS
 * owns the mapped pages, so a killed process loses nothing; after an unclean stop the file is
 * opened in recovery mode (segment locks held by the dead process are reset) and the change
 * log is replayed over it.
 */
public final class ChronicleKvStore implements KvStore {

  private static final Logger LOG = LoggerFactory.getLogger(ChronicleKvStore.class);

  /** Room for the few bytes of sizes and checksum Chronicle adds to the key and value (8-9 seen). */
  private static final int ENTRY_OVERHEAD = 32;

  private final ChronicleMap<String, byte[]> map;
  /** The largest entry one segment tier holds: a fraction of the file, set by its sizing. */
  private final long maxEntryBytes;

  private ChronicleKvStore(ChronicleMap<String, byte[]> map) {
    this.map = map;
    this.maxEntryBytes = map instanceof VanillaChronicleHash<?, ?, ?, ?> hash
        ? hash.chunkSize * hash.maxChunksPerEntry
        : Long.MAX_VALUE;
  }

  /**
   * @param maxKeys           the number of keys the file is sized for; it may grow past this to
   *                          8× (Chronicle's bloat factor) at some cost in speed
   * @param averageValueBytes the expected size of a stored entry, header included
   * @param recover           open in recovery mode, after a stop that was not clean
   */
  public static ChronicleKvStore open(File file, long maxKeys, int averageValueBytes, boolean recover)
      throws IOException {
    var builder = ChronicleMap.of(String.class, byte[].class)
        .name("ssot-kv")
        .averageKeySize(48)
        .averageValueSize(averageValueBytes)
        .entries(maxKeys)
        .maxBloatFactor(8);
    ChronicleMap<String, byte[]> map;
    if (recover && file.exists()) {
      LOG.warn("The store was not closed cleanly; recovering {}", file);
      map = builder.recoverPersistedTo(file, true,
          corruption -> LOG.warn("Repaired store corruption in segment {}: {}",
              corruption.segmentIndex(), corruption.message()));
    } else {
      map = builder.createPersistedTo(file);
    }
    return new ChronicleKvStore(map);
  }

  @Override
  public byte[] get(String key) {
    return map.get(key);
  }

  @Override
  public void put(String key, byte[] stored) {
    map.put(key, stored);
  }

  @Override
  public boolean fits(String key, byte[] stored) {
    return (long) key.length() + stored.length + ENTRY_OVERHEAD <= maxEntryBytes;
  }

  @Override
  public void remove(String key) {
    map.remove(key);
  }

  @Override
  public long size() {
    return map.longSize();
  }

  @Override
  public void forEachKey(Consumer<String> action) {
    map.forEachEntry(e -> action.accept(e.key().get().toString()));
  }

  @Override
  public void force() {
    ((VanillaChronicleHash<?, ?, ?, ?>) map).msync();
  }

  @Override
  public void close() {
    map.close();
  }
}
