package io.ssot.bench;

import io.ssot.limit.RateLimiter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the rate limiter costs a reader while another client floods writes: one thread takes read
 * tokens for client B (a rate it never reaches), another hammers client A's write bucket of 50/s,
 * empty after the first 50. Each identity has its own buckets, so B's time should not grow with
 * A's flood; sampled, for its percentiles. The HTTP-level check that B is never refused during a
 * flood is {@code RateLimitTest}.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.SampleTime)
public class RateLimiterBenchmark extends BenchmarkBase {

  private RateLimiter limiter;

  @Setup
  public void setUp() {
    limiter = new RateLimiter(1_000_000_000L, 1_000_000_000L, 50, 50, 100_000);
  }

  @Benchmark
  @Group("readsDuringWriteFlood")
  @GroupThreads(1)
  public long read() {
    return limiter.acquire("client-b", RateLimiter.Kind.READ);
  }

  @Benchmark
  @Group("readsDuringWriteFlood")
  @GroupThreads(1)
  public long flood() {
    return limiter.acquire("client-a", RateLimiter.Kind.WRITE);
  }
}
