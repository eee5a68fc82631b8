package io.ssot.bench;

import io.ssot.store.ChangeLog;
import io.ssot.store.Commit;
import io.ssot.store.Entry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link ChangeLog#append} of a one-put commit with a 100 B or 10 KB value to a change log in a
 * temporary directory (64 MiB segments, as the server; encoding included, no fsync). Old segments
 * are dropped after each iteration so long runs do not fill the disk.
 */
@State(Scope.Benchmark)
public class ChangeLogBenchmark extends BenchmarkBase {

  @Param({"100", "10000"})
  public int valueBytes;

  private Path dir;
  private ChangeLog log;
  private byte[] value;
  private long revision;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("ssot-bench-log");
    log = ChangeLog.open(dir, 64L << 20, 1);
    value = jsonValue(valueBytes);
    revision = log.lastRevision();
  }

  @TearDown(Level.Iteration)
  public void dropOld() throws IOException {
    log.dropBefore(revision);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    log.close();
    deleteTree(dir);
  }

  @Benchmark
  public long append() {
    long r = ++revision;
    long now = System.currentTimeMillis();
    log.append(new Commit(r, now, List.of(
        new Entry("payments/prod/db.pool.size", value, r, 1, r, r - 1, now, "deployer"))));
    return r;
  }
}
