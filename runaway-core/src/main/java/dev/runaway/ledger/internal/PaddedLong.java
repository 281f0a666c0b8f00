package dev.runaway.ledger.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An atomic long in a small array shared with its group: the admission counters of one account's
 * windows sit side by side, with 128 bytes of padding around the group (the adjacent-line
 * prefetcher fetches lines in pairs). Every call charges every window of its account: with the
 * counters on one cache line, a call takes that line from another core once, not once per
 * window, and its writes no longer take away the lines of the read-mostly fields around them
 * (a window's limit and roll-over time). A service's account is padded; a key's is not (there
 * may be 100,000 keys, each called by about one thread at a time).
 *
 * <p>Thread-safe; the same memory semantics as {@link java.util.concurrent.atomic.AtomicLong}'s
 * methods of the same names.
 */
final class PaddedLong {

  private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
  /** Longs on each side of a padded value. */
  private static final int PAD = 16;

  private final long[] cells;
  private final int at;

  private PaddedLong(long[] cells, int at) {
    this.cells = cells;
    this.at = at;
  }

  /** A counter of its own, unpadded. */
  static PaddedLong single() {
    return new PaddedLong(new long[1], 0);
  }

  /**
   * Counters side by side in one array.
   *
   * @param count how many
   * @param padded whether to pad the group on both sides
   * @return the counters
   */
  static PaddedLong[] group(int count, boolean padded) {
    int pad = padded ? PAD : 0;
    long[] cells = new long[count + 2 * pad];
    PaddedLong[] out = new PaddedLong[count];
    for (int i = 0; i < count; i++) {
      out[i] = new PaddedLong(cells, pad + i);
    }
    return out;
  }

  long get() {
    return (long) CELL.getVolatile(cells, at);
  }

  boolean compareAndSet(long expected, long value) {
    return CELL.compareAndSet(cells, at, expected, value);
  }

  long getAndAdd(long delta) {
    return (long) CELL.getAndAdd(cells, at, delta);
  }

  @Override
  public String toString() {
    return Long.toString(get());
  }
}
