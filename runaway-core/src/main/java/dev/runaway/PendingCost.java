package dev.runaway;

/**
 * The charge of one call that is still to be settled: its budget is held, and the call's real
 * cost is committed once it is known. A {@link Reservation} is one; the guard also hands one to
 * {@link CostExtractor#settleLater} for a result whose cost becomes known only after the call has
 * returned (an LLM SDK's stream, whose usage comes with its last chunk).
 *
 * <p>It settles exactly once: the first of {@link #commit} and {@link #commitResult} charges the
 * call, every later call of either has no effect. Until then the amount reserved stays held in
 * every budget the call was admitted to. Settling feeds the budgets (the service's and the key's),
 * the burn-rate meters, the budget thresholds, the circuit breaker and the service's running
 * estimate exactly as a call that returned would, its spend dated at the call's start.
 *
 * <p>Thread-safe: it may be settled from any thread (the one that reads a stream, a stream's
 * async completion, a cleaner), and concurrent settlements are harmless, the first one wins.
 */
public interface PendingCost {

  /**
   * Returns the amount charged when the real cost never becomes known ({@code commit(null)}): the
   * call's reservation, or, for a call that reserved nothing because the service's cost per call
   * was not known yet, the cost extractor's {@linkplain CostExtractor#upperBoundOf upper bound} of
   * its result. To charge it for a cost that is not known, call {@code commit(null)}: this amount
   * committed as a real cost would become the service's running estimate.
   *
   * @return the amount, never negative
   */
  Cost estimate();

  /**
   * Charges the call's real cost and ends it.
   *
   * @param actual the real cost; {@code null} when it cannot be known (a stream closed before its
   *     usage arrived, failed or dropped): then {@link #estimate()} is charged, and not taken for
   *     the service's cost per call (zero only for a call that reserved nothing and whose extractor
   *     gives no {@linkplain CostExtractor#upperBoundOf upper bound})
   * @throws IllegalArgumentException if {@code actual} is negative
   */
  void commit(Cost actual);

  /**
   * Charges the cost that the service's {@link CostExtractor} reads from {@code result} (such as a
   * stream's final usage) and ends the call; when the extractor cannot tell, {@link #estimate()}
   * is charged (see {@link #commit}).
   *
   * @param result what the call's cost is read from, possibly {@code null}
   */
  void commitResult(Object result);
}
