package dev.runaway.internal;

import dev.runaway.CallStats;
import dev.runaway.Cost;
import dev.runaway.stats.BurnRateMeter;
import java.util.concurrent.atomic.LongAdder;

/**
 * The outcome counters of one service. The common outcome (admitted, and the spend of admitted
 * calls) is not counted here at all: the service's burn-rate meter counts every call and every
 * cost on the hot path anyway, so {@link #snapshot} derives them from its running totals, and an
 * admitted call writes no counter of its own (issue 19: fewer shared writes per call). What is
 * left are the rare outcomes, in {@link LongAdder}s: no lock, and threads on different cores add
 * to different cells.
 */
final class CallCounters {

  final LongAdder refusedBudget = new LongAdder();
  final LongAdder refusedBreaker = new LongAdder();
  final LongAdder failed = new LongAdder();
  /** Calls the service meter counted that were then refused (attempts while judged, this-call trips). */
  final LongAdder meteredNotAdmitted = new LongAdder();

  CallStats snapshot(BurnRateMeter meter) {
    // Like LongAdder.sum(), not an atomic snapshot: a refusal in flight while this reads may be
    // off by one for that one read.
    long notAdmitted = meteredNotAdmitted.sum();
    long admitted = meter.totalCalls() - notAdmitted;
    return new CallStats(Math.max(0, admitted), refusedBudget.sum(), refusedBreaker.sum(), failed.sum(),
        Cost.ofNanos(meter.totalCostNanos()));
  }
}
