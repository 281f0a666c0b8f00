package dev.runaway.stats.internal;

/**
 * The evidence accumulated by one channel of a meter across buckets: the one-sided CUSUM of the
 * log-likelihood ratio for a sustained rise, the two CUSUMs of the breaker, and the excess amount
 * (over the expected) since the sustained CUSUM last stood at zero.
 *
 * <p>Not thread-safe: owned by the meter's roll lock.
 */
public final class Evidence {
  /** Sustained-rise CUSUM, nats, clamped to [0, threshold]. */
  public double sustained;
  /** Excess over the expected amount since {@link #sustained} was last zero, effective units. */
  public double excess;
  /** Breaker CUSUM tuned to twice the breaker multiple, nats. */
  public double breakerFast;
  /** Breaker CUSUM tuned to 1.5 times the breaker multiple, nats. */
  public double breakerSlow;

  /** Clears everything. */
  public void clear() {
    sustained = 0;
    excess = 0;
    breakerFast = 0;
    breakerSlow = 0;
  }
}
