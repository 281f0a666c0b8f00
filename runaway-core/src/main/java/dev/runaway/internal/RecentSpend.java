package dev.runaway.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Spend and calls of about the last minute, for the baseline-free rule that protects a service
 * before its warm-up: totals only grow, and a mark taken once a minute lets the rate be read over
 * the last 60 to 120 seconds (never less than 60, so a fresh guard's first calls are not
 * extrapolated from a second). Thread-safe and lock-free; allocates one mark a minute.
 */
final class RecentSpend {

  static final long WINDOW = 60_000_000_000L;

  private final AtomicLong cost = new AtomicLong();
  private final AtomicLong calls = new AtomicLong();
  private final AtomicReference<Mark> mark;

  /** Totals when the current minute began, and when the one before it began. */
  private record Mark(long start, long cost, long calls, long prevStart, long prevCost, long prevCalls) {}

  RecentSpend(long now) {
    mark = new AtomicReference<>(new Mark(now, 0, 0, now, 0, 0));
  }

  /** Adds the cost of one call. */
  void add(long now, long amount) {
    long c = amount <= 0 ? cost.get() : saturatedAdd(amount);
    long n = calls.incrementAndGet();
    Mark m = mark.get();
    if (now - m.start >= WINDOW) {
      // After a quiet spell the minute before is empty, not the whole spell.
      Mark next = now - m.start >= 2 * WINDOW ? new Mark(now, c, n, now - WINDOW, c, n)
          : new Mark(now, c, n, m.start, m.cost, m.calls);
      mark.compareAndSet(m, next);
    }
  }

  private long saturatedAdd(long amount) {
    while (true) {
      long c = cost.get();
      long next = c + amount < c ? Long.MAX_VALUE : c + amount;
      if (cost.compareAndSet(c, next)) {
        return next;
      }
    }
  }

  /** Calls in the window. */
  long calls() {
    return calls.get() - mark.get().prevCalls;
  }

  /** Calls per minute over the window. */
  double callsPerMinute(long now) {
    Mark m = mark.get();
    return (calls.get() - m.prevCalls) * (double) WINDOW / Math.max(WINDOW, now - m.prevStart);
  }

  /**
   * Spend over the window extrapolated to {@code horizon}, in nano-dollars.
   *
   * @param now the ticker's reading
   * @param horizon nanoseconds ahead
   * @return the projected spend
   */
  double projected(long now, long horizon) {
    Mark m = mark.get();
    return (cost.get() - m.prevCost) * (double) horizon / Math.max(WINDOW, now - m.prevStart);
  }
}
