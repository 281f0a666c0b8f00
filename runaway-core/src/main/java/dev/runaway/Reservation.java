package dev.runaway;

/**
 * Budget held for one call in flight, obtained from {@link RunawayGuard#reserve(String, Cost)}.
 *
 * <p>Use it in try-with-resources: {@link #commit(Cost)} charges the real cost; closing without a
 * commit releases the reservation, as if the call had never been made. Committing or closing
 * twice has no further effect.
 *
 * <pre>{@code
 * try (Reservation r = guard.reserve("openai", Cost.usd("0.02"))) {
 *   Stream s = client.stream(params);
 *   ... consume the stream ...
 *   r.commit(costOf(s.usage()));
 * }
 * }</pre>
 *
 * <p>A reservation belongs to one flow of control; its methods are safe to call from another
 * thread than the one that reserved it, but not concurrently. As a {@link PendingCost} it can be
 * handed to code that settles it later (a stream's last chunk commits its usage).
 */
public interface Reservation extends AutoCloseable, PendingCost {

  /**
   * Returns the service the budget was reserved against.
   *
   * @return the service name
   */
  String service();

  /**
   * Returns the key the budget was reserved against, or {@code null} for the whole service.
   *
   * @return the key or {@code null}
   */
  String key();

  /**
   * Returns the amount reserved.
   *
   * @return the estimate
   */
  Cost estimate();

  /**
   * Charges the real cost of the call and ends the reservation.
   *
   * @param actual the real cost; {@code null} charges the estimate
   * @throws IllegalArgumentException if {@code actual} is negative
   */
  void commit(Cost actual);

  /**
   * Charges the cost that the service's {@link CostExtractor} reads from the call's result (an
   * SDK response, a stream's final usage) and ends the reservation. When the extractor cannot
   * tell ({@code null} result, unknown type or model, no extractor configured, or the extractor
   * fails) the reservation's estimate is charged, never zero.
   *
   * <p>The default implementation, for reservations not made by a {@link RunawayGuard}, charges
   * the estimate.
   *
   * @param result the call's result, possibly {@code null}
   */
  default void commitResult(Object result) {
    commit(null);
  }

  /**
   * Records that the call failed: releases the reservation and counts the failure against the
   * service's circuit breaker.
   *
   * @param failure the failure
   */
  void fail(Throwable failure);

  /** Releases the reservation unless it was committed or failed. */
  @Override
  void close();
}
