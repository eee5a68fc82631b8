package io.ssot.store;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The keys seen recently, approximately: a Bloom filter of two bits a key, both in one 64-bit
 * word (one memory access a look-up), cleared once it has taken {@code bits / 8} keys (a quarter
 * of its bits set, a few per cent false positives). The read cache offers Caffeine only a key this
 * has seen before, as TinyLFU's doorkeeper does: a key read once in a large key space then costs
 * a bit test instead of a cache node, a write-buffer task and an eviction, and never reaches the
 * heap's older generation. A key read again within some {@code bits / 8} misses is let through,
 * and Caffeine's frequency sketch decides from there.
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
    this.indexShift = 32 - (log2Bits - 6);
    this.clearAfter = (1 << log2Bits) / 8;
  }

  /** Whether {@code key} was seen since the last clear (or is a false positive); changes nothing. */
  boolean mightContain(String key) {
    int h = key.hashCode() * 0x9E3779B9;
    long mask = mask(h);
    return (words.getPlain(word(h)) & mask) == mask;
  }

  /** Whether {@code key} was seen since the last clear; if not, it is now. */
  boolean seenBefore(String key) {
    int h = key.hashCode() * 0x9E3779B9;
    int word = word(h);
    long mask = mask(h);
    if ((words.getPlain(word) & mask) == mask) {
      return true;
    }
    words.getAndAccumulate(word, mask, (a, b) -> a | b);
    if (added.incrementAndGet() >= clearAfter) {
      added.set(0);
      for (int i = 0; i < words.length(); i++) {
        words.setPlain(i, 0);
      }
    }
    return false;
  }

  private int word(int h) {
    return indexShift == 32 ? 0 : h >>> indexShift;
  }

  /** The key's two bits, from other bits of its hash than the word's index. */
  private static long mask(int h) {
    int g = Integer.rotateLeft(h, 16) * 0x85EBCA6B;
    return (1L << (g >>> 26)) | (1L << ((g >>> 20) & 63));
  }
}
