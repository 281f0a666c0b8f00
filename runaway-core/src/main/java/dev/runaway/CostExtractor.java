package dev.runaway;

/**
 * Reads the real cost of a finished call from its result, for example from an LLM response's
 * token usage and a price table.
 *
 * <p>Called by the guard on the caller's thread after each successful call of the service it is
 * configured for; it must be thread-safe and fast. An extractor that throws is reported once and
 * treated as returning {@code null}.
 */
@FunctionalInterface
public interface CostExtractor {

  /**
   * Returns the cost of a call, or {@code null} when it cannot be known from this result; the
   * guard then commits the reservation's estimate.
   *
   * @param result the call's result, possibly {@code null}
   * @return the cost, or {@code null} if unknown
   */
  Cost costOf(Object result);

  /**
   * Returns a cost the call cannot have exceeded, for a result whose {@linkplain #costOf cost} is
   * not known, or {@code null} when there is none. The guard asks for it only for a call that
   * reserved nothing (the service has no estimate and no call of it has been priced yet), which it
   * would otherwise charge $0: so a result the price table cannot price (a model missing from it)
   * still fills the budget, and the service then reserves that much per call. The LLM extractors
   * of {@code runaway-providers} return the result's usage priced at the dearest model of their
   * table. An extractor that throws here is reported once and treated as returning {@code null}.
   *
   * @param result the call's result, possibly {@code null}
   * @return the upper bound, or {@code null} if there is none; default {@code null}
   */
  default Cost upperBoundOf(Object result) {
    return null;
  }

  /**
   * Takes over a result whose cost is known only after the call has returned, such as an LLM
   * SDK's stream, whose usage arrives with its last chunk: returns a replacement of the result
   * that settles {@code cost} once the cost is known, or {@code null} to leave the result as it is.
   *
   * <p>Called by the guard on the caller's thread, once per call made with {@code guard.call} (or
   * a {@code ServiceGuard}'s {@code call}), only for a result whose {@link #costOf} returned
   * {@code null}, right after it; never for a priced result, so a call whose result is priced pays
   * nothing for it. The default returns {@code null}.
   *
   * <p>When this returns {@code null}, the guard settles the call at once as it always did (the
   * estimate, or the {@linkplain #upperBoundOf upper bound} for a call that reserved nothing) and
   * {@code cost} is dead: settling it has no effect. When this returns a replacement:
   * <ul>
   *   <li>the guard returns the replacement to the caller instead of {@code result}: it must be
   *       usable wherever {@code result} was, so of {@code result}'s class or implementing the
   *       interfaces the caller declares it as (a {@code StreamResponse} wrapping the SDK's);
   *   <li>the call's reservation stays held until {@code cost} is settled, which the replacement
   *       must do exactly once: {@link PendingCost#commitResult} with what the usage is read from
   *       when it arrives, {@link PendingCost#commit commit(null)} when it never will (the stream
   *       was closed early or failed); {@code cost} ignores every settlement after the first;
   *   <li>if {@code cost} becomes unreachable unsettled (the replacement was dropped without being
   *       read or closed, and nothing else holds {@code cost}), the guard charges its
   *       {@link PendingCost#estimate()} once the garbage collector has noticed, so keep
   *       {@code cost} reachable from whatever can still settle it and from nothing else;
   *   <li>a call that reserved nothing because the service's cost per call was not known yet
   *       reserves the {@linkplain #upperBoundOf upper bound} of {@code result} now, if the budget
   *       holds it (if not, the service's calls without an estimate wait for this one, one at a
   *       time, until it is settled); its real cost, once committed, becomes the service's running
   *       estimate, the upper bound does not.
   * </ul>
   *
   * <p>Must not block. An extractor that throws here is reported once and treated as returning
   * {@code null}.
   *
   * @param result the call's result, which {@link #costOf} could not price
   * @param cost the call's pending charge, to settle once the cost is known
   * @return the replacement of {@code result}, or {@code null} to settle the call now
   */
  default Object settleLater(Object result, PendingCost cost) {
    return null;
  }

  /**
   * An extractor that never knows the cost, so each call is charged its estimate.
   *
   * @return the extractor
   */
  static CostExtractor none() {
    return result -> null;
  }
}
