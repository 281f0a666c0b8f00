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
   * An extractor that never knows the cost, so each call is charged its estimate.
   *
   * @return the extractor
   */
  static CostExtractor none() {
    return result -> null;
  }
}
