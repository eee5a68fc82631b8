package io.ssot.limit;

/**
 * A token bucket: {@code burst} tokens at most, refilled at {@code perSecond}. Taking a token is
 * one short critical section on two fields (several event loops may share one client's bucket),
 * with no allocation, so it can sit on the GET fast path.
 */
final class TokenBucket {

  private final double tokensPerNano;
  private final double capacity;
  private double tokens;
  private long refilledAt;

  TokenBucket(long perSecond, long burst, long now) {
    this.tokensPerNano = perSecond / 1e9;
    this.capacity = burst;
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** @return 0 when a token was taken, else the nanoseconds until one will be there */
  synchronized long tryTake(long now) {
    if (now > refilledAt) {
      tokens = Math.min(capacity, tokens + (now - refilledAt) * tokensPerNano);
      refilledAt = now;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((1 - tokens) / tokensPerNano));
  }
}
