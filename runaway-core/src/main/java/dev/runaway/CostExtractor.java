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
   * An extractor that never knows the cost, so each call is charged its estimate.
   *
   * @return the extractor
   */
  static CostExtractor none() {
    return result -> null;
  }
}
