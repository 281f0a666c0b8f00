package dev.runaway.internal;

import dev.runaway.CallStats;
import dev.runaway.Cost;
import java.util.concurrent.atomic.LongAdder;

/**
 * The outcome counters of one service. {@link LongAdder}s: no lock on the hot path, and threads
 * on different cores add to different cells instead of fighting over one cache line.
 */
final class CallCounters {

  final LongAdder admitted = new LongAdder();
  final LongAdder refusedBudget = new LongAdder();
  final LongAdder refusedBreaker = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder spentNanos = new LongAdder();

  CallStats snapshot() {
    return new CallStats(admitted.sum(), refusedBudget.sum(), refusedBreaker.sum(), failed.sum(),
        Cost.ofNanos(spentNanos.sum()));
  }
}
