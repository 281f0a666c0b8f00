package dev.runaway.ledger.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An atomic long that, when padded, has its cache lines to itself: 128 bytes on either side in a
 * small array (the adjacent-line prefetcher fetches lines in pairs). A window's admission counter
 * is written by every call of every thread; padded, those writes no longer take away from the
 * other cores the lines of the read-mostly fields around it (the window's limit and roll-over
 * time, the neighbouring window's counter). A service's windows are padded; a key's are not
 * (there may be 100,000 keys, each called by about one thread at a time).
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

  PaddedLong(boolean padded) {
    this.cells = new long[padded ? 2 * PAD + 1 : 1];
    this.at = padded ? PAD : 0;
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
