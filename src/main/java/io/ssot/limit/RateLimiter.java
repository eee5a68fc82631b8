package io.ssot.limit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ssot.config.Config;
import io.ssot.config.Settings;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Rate limits per client identity, with separate buckets for reads and writes, so that a write
 * flood from one client never takes tokens a reader (or the same client's watches) needs.
 *
 * <p>Why these parts: the buckets live in a Caffeine cache, bounded by
 * {@code rateLimit.maxIdentities} (its frequency-aware eviction keeps busy clients and drops
 * one-off identities first, so random identities cannot grow memory) and expiring a bucket once
 * it has been idle long enough to be full again, when dropping it changes nothing. The bucket
 * arithmetic itself is {@link TokenBucket}, a dozen lines with no allocation per request; a
 * library such as Bucket4j would add a dependency for that part only, its strengths (distributed
 * backends, several bandwidths per bucket) being ones this server does not need.
 *
 * <p>Each thread remembers the last identity it looked up with its buckets for a moment
 * ({@link #RECHECK_NANOS}): the requests of one connection come in runs on its event loop, and the
 * cache lookup was a third of the limiter's cost on a fast GET. Touching the cache that often
 * keeps a bucket in use from expiring; one evicted meanwhile is used by that thread for at most
 * the moment.
 */
public final class RateLimiter {

  /** What a request costs a token of. */
  public enum Kind { READ, WRITE }

  private final long readsPerSecond;
  private final long readBurst;
  private final long writesPerSecond;
  private final long writeBurst;
  private final Cache<String, Buckets> buckets;
  private final ThreadLocal<Recent> recent = new ThreadLocal<>();
  private final LongSupplier nanoClock;

  private record Buckets(TokenBucket reads, TokenBucket writes) {
  }

  /** How long a thread uses the buckets it last looked up without looking again. */
  private static final long RECHECK_NANOS = 100_000_000L;

  private record Recent(String identity, Buckets buckets, long lookedUpAt) {
  }

  /**
   * @param readsPerSecond  0 = reads unlimited
   * @param writesPerSecond 0 = writes unlimited
   */
  public RateLimiter(long readsPerSecond, long readBurst, long writesPerSecond, long writeBurst, int maxIdentities) {
    this(readsPerSecond, readBurst, writesPerSecond, writeBurst, maxIdentities, System::nanoTime);
  }

  /** @param nanoClock {@link System#nanoTime()}, or a clock a test moves by hand */
  public RateLimiter(long readsPerSecond, long readBurst, long writesPerSecond, long writeBurst, int maxIdentities,
                     LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    this.readsPerSecond = readsPerSecond;
    this.readBurst = readBurst;
    this.writesPerSecond = writesPerSecond;
    this.writeBurst = writeBurst;
    this.buckets = Caffeine.newBuilder()
        .maximumSize(maxIdentities)
        .expireAfterAccess(Duration.ofNanos(Math.max(refillNanos(readsPerSecond, readBurst),
            refillNanos(writesPerSecond, writeBurst))))
        // Evictions are cheap bookkeeping: done by the calling thread, not a pool's.
        .executor(Runnable::run)
        .ticker(nanoClock::getAsLong)
        .build();
  }

  public static RateLimiter from(Config config) {
    return new RateLimiter(config.get(Settings.RATE_LIMIT_READS_PER_SECOND),
        config.get(Settings.RATE_LIMIT_READ_BURST), config.get(Settings.RATE_LIMIT_WRITES_PER_SECOND),
        config.get(Settings.RATE_LIMIT_WRITE_BURST), config.get(Settings.RATE_LIMIT_MAX_IDENTITIES));
  }

  /** How long an idle bucket takes to fill up from empty (at least a second). */
  private static long refillNanos(long perSecond, long burst) {
    return perSecond == 0 ? 1_000_000_000L : Math.max(1_000_000_000L, (long) (burst * 1e9 / perSecond));
  }

  /** @return 0 when {@code identity} may make one more request of this kind, else the milliseconds to wait */
  public long acquire(String identity, Kind kind) {
    if ((kind == Kind.READ ? readsPerSecond : writesPerSecond) == 0) {
      return 0;
    }
    long now = nanoClock.getAsLong();
    Recent last = recent.get();
    Buckets b;
    if (last != null && now - last.lookedUpAt() < RECHECK_NANOS && last.identity().equals(identity)) {
      b = last.buckets();
    } else {
      b = buckets.get(identity, id -> new Buckets(
          readsPerSecond == 0 ? null : new TokenBucket(readsPerSecond, readBurst, now),
          writesPerSecond == 0 ? null : new TokenBucket(writesPerSecond, writeBurst, now)));
      recent.set(new Recent(identity, b, now));
    }
    long waitNanos = (kind == Kind.READ ? b.reads() : b.writes()).tryTake(now);
    return waitNanos == 0 ? 0 : Math.max(1, waitNanos / 1_000_000);
  }

  /** Identities currently holding buckets (after pending evictions). */
  public long identities() {
    buckets.cleanUp();
    return buckets.estimatedSize();
  }
}
