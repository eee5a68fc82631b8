package io.ssot.bench;

import io.ssot.store.DataDir;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link MvccStore} get (cached and not) and put over a real data directory (Chronicle Map and the change log) in
 * a temporary directory, with 1,000 keys of 100 B or 10 KB values. A put is what
 * {@code durability=local} acknowledges: the map and the change-log record written, no fsync.
 * After each iteration the change log is compacted to its active segment so long runs do not
 * fill the disk.
 */
@State(Scope.Benchmark)
public class StoreBenchmark extends BenchmarkBase {

  private static final int KEYS = 1000;

  @Param({"100", "10000"})
  public int valueBytes;

  private Path dir;
  private DataDir dataDir;
  private MvccStore store;
  private String[] keys;
  private byte[] value;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("ssot-bench-store");
    dataDir = DataDir.open(dir, new DataDir.Options(KEYS * 4L, valueBytes + 256, 64L << 20));
    store = dataDir.store();
    value = jsonValue(valueBytes);
    keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = FillStore.key(i);
      store.put(keys[i], value, Precondition.NONE, "bench");
    }
  }

  @TearDown(Level.Iteration)
  public void compact() throws IOException {
    store.compact(1, Long.MAX_VALUE);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    dataDir.close();
    deleteTree(dir);
  }

  private String nextKey() {
    int i = next + 1;
    if (i == KEYS) {
      i = 0;
    }
    next = i;
    return keys[i];
  }

  @Benchmark
  public Entry get() {
    return store.get(nextKey());
  }

  /**
   * A read the read cache does not hold (most of random reads over a large key space): the map
   * lookup and the decode. With {@code -prof gc}, the bytes it allocates per read.
   */
  @Benchmark
  public Entry getUncached() {
    return store.getUncached(nextKey());
  }

  /** An unconditional put of an existing key (a new revision, map update and change-log append). */
  @Benchmark
  public MvccStore.WriteResult put() {
    return store.put(nextKey(), value, Precondition.NONE, "bench");
  }
}
