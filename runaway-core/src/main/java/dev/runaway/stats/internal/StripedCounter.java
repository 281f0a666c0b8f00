package dev.runaway.stats.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A counter split into cache-line-padded stripes, one per thread (by thread id), so that threads
 * on different cores add without taking each other's cache line: the burn-rate meter's per-call
 * counts. With one stripe it is a plain {@code AtomicLong} in an array (for per-key meters, where
 * memory matters more than contention).
 *
 * <p>{@link #add} returns the new value of the caller's stripe, not the sum: a caller that compares
 * the sum with a threshold {@code t} only needs the sum once its own stripe reaches
 * {@code t / stripes} (if the sum is at least {@code t}, some stripe is at least {@code t / stripes};
 * see {@link #mayReach}). With one stripe the stripe is the sum and the check is exact at no cost.
 *
 * <p>Thread-safe and lock-free; no allocation after construction.
 */
public final class StripedCounter {

  /** Longs between two stripes: 128 bytes, two cache lines (the adjacent-line prefetcher pairs lines). */
  private static final int STRIDE = 16;

  private final AtomicLongArray cells;
  private final int mask;
  private final int shift;
  private final int stride;
  private final int offset;

  /**
   * Creates a counter.
   *
   * @param stripes the number of stripes, rounded up to a power of two (at least 1, at most 64)
   */
  public StripedCounter(int stripes) {
    int n = Integer.highestOneBit(Math.max(1, Math.min(64, stripes)) * 2 - 1);
    this.mask = n - 1;
    this.shift = Integer.numberOfTrailingZeros(n);
    this.stride = n == 1 ? 0 : STRIDE;
    this.offset = n == 1 ? 0 : STRIDE;
    this.cells = new AtomicLongArray(n == 1 ? 1 : STRIDE * (n + 1));
  }

  /**
   * Returns the stripe count suited to this machine: its processor count (the constructor rounds
   * it up to a power of two).
   *
   * @return the count
   */
  public static int forThisMachine() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * Returns the number of stripes.
   *
   * @return a power of two
   */
  public int stripes() {
    return mask + 1;
  }

  private int index() {
    // Thread ids are handed out in sequence, so the threads of a pool fall on different stripes.
    return offset + ((int) Thread.currentThread().getId() & mask) * stride;
  }

  /**
   * Adds to the caller's stripe.
   *
   * @param delta the amount
   * @return the caller's stripe after the add (the sum when there is one stripe)
   */
  public long add(long delta) {
    return mask == 0 ? cells.addAndGet(0, delta) : cells.addAndGet(index(), delta);
  }

  /**
   * Whether the caller should compare the sum with {@code threshold}, judged from the value
   * {@link #add} returned: when the sum reaches the threshold, at least one stripe holds
   * {@code threshold / stripes} of it, and every add to such a stripe answers {@code true}. A
   * crossing made by adds to small stripes is therefore seen at the latest when one of them grows
   * to that share (a delay of at most {@code threshold / stripes} per other thread, and none with
   * one thread). With one stripe this is the exact comparison.
   *
   * @param stripeValue what {@link #add} returned
   * @param threshold the threshold
   * @return whether the caller should compare the sum
   */
  public boolean mayReach(long stripeValue, long threshold) {
    return stripeValue >= (threshold >> shift);
  }

  /**
   * Returns the sum of the stripes (not a snapshot: adds made while it reads may or may not count).
   *
   * @return the sum
   */
  public long get() {
    if (mask == 0) {
      return cells.get(0);
    }
    long sum = 0;
    for (int i = 0, at = offset; i <= mask; i++, at += stride) {
      sum += cells.get(at);
    }
    return sum;
  }

  /**
   * Takes the sum out of the counter and leaves {@code newValue} in it, stripe by stripe: an add
   * that races with it lands either in the sum returned or in the new value, never in both or
   * neither.
   *
   * @param newValue the value to leave
   * @return the sum taken out
   */
  public long getAndSet(long newValue) {
    if (mask == 0) {
      return cells.getAndSet(0, newValue);
    }
    long sum = 0;
    for (int i = 0, at = offset; i <= mask; i++, at += stride) {
      sum += cells.getAndSet(at, i == 0 ? newValue : 0);
    }
    return sum;
  }

  @Override
  public String toString() {
    return Long.toString(get());
  }
}
