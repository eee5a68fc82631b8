package io.ssot.bench;

import io.ssot.http.EntryJson;
import io.ssot.store.Entry;
import io.ssot.store.EntryCodec;
import io.ssot.store.Keys;
import io.vertx.core.buffer.Buffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** The per-read and per-write costs of entry encoding, decoding, JSON rendering and key checks. */
@State(Scope.Benchmark)
public class EntryCodecBenchmark extends BenchmarkBase {

  @Param({"100", "10000"})
  public int valueBytes;

  private Entry entry;
  private byte[] stored;

  @Setup
  public void setUp() {
    entry = new Entry("payments/prod/db.pool.size", jsonValue(valueBytes), 42, 7, 3, 40,
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

  /** The body of a single-key GET response, from a decoded entry. */
  @Benchmark
  public Buffer buildResponse() {
    return EntryJson.entry(entry);
  }

  @Benchmark
  public String validateKey() {
    return Keys.problem("payments/prod/db.pool.size");
  }
}
