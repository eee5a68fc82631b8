package io.ssot.store;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The keys seen recently, approximately: a Bloom filter of two bits a key, cleared once it has
 * taken {@code bits / 8} keys (a quarter of its bits set, about 5% false positives). The read
 * cache offers Caffeine only a key this has seen before, as TinyLFU's doorkeeper does: a key read
 * once in a large key space then costs a bit test instead of a cache node, a write-buffer task and
 * an eviction, and never reaches the heap's older generation. A key read again within some
 * {@code bits / 8} misses is let through, and Caffeine's frequency sketch decides from there.
 *
 * <p>Racy on purpose: a bit lost to a concurrent clear or update costs a key one more miss.
 */
final class Doorkeeper {

  private final AtomicLongArray words;
  private final int indexShift;
  private final int clearAfter;
  private final AtomicInteger added = new AtomicInteger();

  /** @param log2Bits the filter holds {@code 2^log2Bits} bits (from 6 to 30) */
  Doorkeeper(int log2Bits) {
    if (log2Bits < 6 || log2Bits > 30) {
      throw new IllegalArgumentException("log2Bits " + log2Bits);
    }
    this.words = new AtomicLongArray(1 << (log2Bits - 6));
    this.indexShift = 32 - log2Bits;
    this.clearAfter = (1 << log2Bits) / 8;
  }

  /** Whether {@code key} was seen since the last clear; if not, it is now. */
  boolean seenBefore(String key) {
    int h = key.hashCode() * 0x9E3779B9;
    int first = h >>> indexShift;
    int second = (Integer.rotateLeft(h, 16) * 0x85EBCA6B) >>> indexShift;
    if (isSet(first) && isSet(second)) {
      return true;
    }
    set(first);
    set(second);
    if (added.incrementAndGet() >= clearAfter) {
      added.set(0);
      for (int i = 0; i < words.length(); i++) {
        words.setPlain(i, 0);
      }
    }
    return false;
  }

  private boolean isSet(int bit) {
    return (words.getPlain(bit >>> 6) & (1L << bit)) != 0;
  }

  private void set(int bit) {
    long mask = 1L << bit;
    int word = bit >>> 6;
    if ((words.getPlain(word) & mask) == 0) {
      words.getAndAccumulate(word, mask, (a, b) -> a | b);
    }
  }
}
