package io.ssot.bench;

import io.ssot.store.Commit;
import io.ssot.store.Entry;
import io.ssot.security.ValueCipher;
import io.ssot.watch.EncodedCommit;
import io.ssot.watch.EventsPayload;
import io.ssot.watch.WatchFilter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One commit matched against 10,000 watches: the per-revision work of the watch hub's pump
 * ({@code ContextWatches.advance}) without the socket writes, through the real
 * {@link EncodedCommit#matching}.
 *
 * <p>The 10,000 filters spread over 1,000 services: 5,000 exact keys ({@code svcN/prod/setting.i}),
 * 2,500 prefixes {@code svcN/prod/} and 2,500 prefixes {@code svcN/}. {@code changes} is the number
 * of puts in the commit (1 for a plain PUT, 10 for a transaction), each with a 100 B value, all in
 * {@code svc7/prod/}: the single change is matched by 7 watches (1 exact key, 6 prefixes); of the
 * 10-change commit, 6 watches match every change (sharing one buffer) and 5 match one change each
 * (a buffer of their own).
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WatchMatchBenchmark extends BenchmarkBase {

  static final int WATCHERS = 10_000;

  @Param({"1", "10"})
  public int changes;

  private WatchFilter[] filters;
  private Commit commit;
  private EncodedCommit encoded;

  @Setup
  public void setUp() {
    filters = new WatchFilter[WATCHERS];
    for (int i = 0; i < WATCHERS; i++) {
      int service = i % 1000;
      filters[i] = i < 5000 ? WatchFilter.key("svc" + service + "/prod/setting." + i)
          : i < 7500 ? WatchFilter.prefix("svc" + service + "/prod/")
          : WatchFilter.prefix("svc" + service + "/");
    }
    byte[] value = BenchmarkBase.jsonValue(100);
    long now = System.currentTimeMillis();
    Entry[] puts = new Entry[changes];
    for (int c = 0; c < changes; c++) {
      int i = 7 + c * 1000;   // svc7/prod/setting.7, .1007, ...: the first five have exact-key watches
      puts[c] = new Entry("svc7/prod/setting." + i, value, 500, 12, 3, 480, now, "deployer");
    }
    commit = new Commit(500, now, List.of(puts));
    encoded = new EncodedCommit(commit, ValueCipher.DISABLED);
  }

  /** Matches an already encoded commit against every watch (the hub encodes each commit once). */
  @Benchmark
  public void match10k(Blackhole bh) {
    EncodedCommit e = encoded;
    for (WatchFilter f : filters) {
      EventsPayload events = e.matching(f);
      if (events != null) {
        bh.consume(events);
      }
    }
  }

  /** Encodes the commit's events and the array of a watch matching all of them, as the hub does once per commit. */
  @Benchmark
  public EncodedCommit encode() {
    return new EncodedCommit(commit, ValueCipher.DISABLED);
  }

  /** Encodes the commit's events once, then matches it against every watch. */
  @Benchmark
  public void encodeAndMatch10k(Blackhole bh) {
    EncodedCommit e = new EncodedCommit(commit, ValueCipher.DISABLED);
    for (WatchFilter f : filters) {
      EventsPayload events = e.matching(f);
      if (events != null) {
        bh.consume(events);
      }
    }
  }
}
