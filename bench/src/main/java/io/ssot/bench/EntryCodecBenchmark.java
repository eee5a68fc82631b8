package io.ssot.bench;

import io.ssot.api.EntryJson;
import io.ssot.store.Entry;
import io.ssot.store.EntryCodec;
import io.ssot.store.Keys;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The per-read and per-write costs of entry encoding, decoding, JSON rendering and key checks. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dchronicle.analytics.disable=true"})
public class EntryCodecBenchmark {

  @Param({"100", "10000"})
  public int valueBytes;

  private Entry entry;
  private byte[] stored;

  @Setup
  public void setUp() {
    StringBuilder value = new StringBuilder("\"");
    while (value.length() < valueBytes - 1) {
      value.append('x');
    }
    value.append('"');
    entry = new Entry("payments/prod/db.pool.size", value.toString().getBytes(), 42, 7, 3, 40,
        System.currentTimeMillis(), "deployer");
    stored = EntryCodec.encodeStored(entry);
  }

  @Benchmark
  public byte[] encodeStored() {
    return EntryCodec.encodeStored(entry);
  }

  @Benchmark
  public Entry decodeStored() {
    return EntryCodec.decodeStored("payments/prod/db.pool.size", stored);
  }

  @Benchmark
  public Buffer renderEntryJson() {
    return EntryJson.entry(EntryCodec.decodeStored("payments/prod/db.pool.size", stored));
  }

  @Benchmark
  public String validateKey() {
    return Keys.problem("payments/prod/db.pool.size");
  }
}
