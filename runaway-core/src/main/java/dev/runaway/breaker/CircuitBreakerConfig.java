package dev.runaway.breaker;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable configuration of a {@link CircuitBreaker}.
 *
 * <p>Build one with {@link #builder()}; {@link #defaults()} waits 60 seconds in open state, then
 * lets 3 trial calls through automatically.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class CircuitBreakerConfig {

  private static final CircuitBreakerConfig DEFAULTS = builder().build();

  private final Duration waitInOpenState;
  private final int permittedCallsInHalfOpenState;
  private final boolean automaticHalfOpen;
  private final int failureThreshold;

  private CircuitBreakerConfig(Builder b) {
    this.waitInOpenState = b.waitInOpenState;
    this.permittedCallsInHalfOpenState = b.permittedCallsInHalfOpenState;
    this.automaticHalfOpen = b.automaticHalfOpen;
    this.failureThreshold = b.failureThreshold;
  }

  /**
   * Returns the default configuration.
   *
   * @return the defaults
   */
  public static CircuitBreakerConfig defaults() {
    return DEFAULTS;
  }

  /**
   * Returns a new builder, starting from the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns how long the breaker stays open before trial calls.
   *
   * @return the wait
   */
  public Duration waitInOpenState() {
    return waitInOpenState;
  }

  /**
   * Returns how many trial calls the half-open state permits.
   *
   * @return the number of trial calls
   */
  public int permittedCallsInHalfOpenState() {
    return permittedCallsInHalfOpenState;
  }

  /**
   * Whether an open breaker moves to half-open by itself once the wait has passed; when
   * {@code false} it stays open until {@link CircuitBreaker#reset()}.
   *
   * @return whether half-open is automatic
   */
  public boolean automaticHalfOpen() {
    return automaticHalfOpen;
  }

  /**
   * Returns how many consecutive failures of guarded calls open the breaker; 0 means failures
   * never open it (only runaways and budgets do).
   *
   * @return the threshold
   */
  public int failureThreshold() {
    return failureThreshold;
  }

  @Override
  public String toString() {
    return "CircuitBreakerConfig[waitInOpenState=" + waitInOpenState + ", permittedCallsInHalfOpenState="
        + permittedCallsInHalfOpenState + ", automaticHalfOpen=" + automaticHalfOpen + ", failureThreshold="
        + failureThreshold + "]";
  }

  /** Builds a {@link CircuitBreakerConfig}; {@link #build()} may be called more than once. */
  public static final class Builder {
    private Duration waitInOpenState = Duration.ofSeconds(60);
    private int permittedCallsInHalfOpenState = 3;
    private boolean automaticHalfOpen = true;
    private int failureThreshold = 0;

    private Builder() {}

    /**
     * Sets how long the breaker stays open before trial calls.
     *
     * @param wait a positive duration
     * @return this builder
     */
    public Builder waitInOpenState(Duration wait) {
      Objects.requireNonNull(wait, "wait");
      if (wait.isNegative() || wait.isZero()) {
        throw new IllegalArgumentException("waitInOpenState must be positive, got " + wait);
      }
      this.waitInOpenState = wait;
      return this;
    }

    /**
     * Sets how many trial calls the half-open state permits.
     *
     * @param calls at least 1
     * @return this builder
     */
    public Builder permittedCallsInHalfOpenState(int calls) {
      if (calls < 1) {
        throw new IllegalArgumentException("permittedCallsInHalfOpenState must be at least 1, got " + calls);
      }
      this.permittedCallsInHalfOpenState = calls;
      return this;
    }

    /**
     * Sets whether an open breaker moves to half-open by itself after the wait.
     *
     * @param automatic {@code false} to require a manual {@link CircuitBreaker#reset()}
     * @return this builder
     */
    public Builder automaticHalfOpen(boolean automatic) {
      this.automaticHalfOpen = automatic;
      return this;
    }

    /**
     * Sets how many consecutive failures of guarded calls open the breaker.
     *
     * @param failures 0 (never) or more
     * @return this builder
     */
    public Builder failureThreshold(int failures) {
      if (failures < 0) {
        throw new IllegalArgumentException("failureThreshold must be 0 or more, got " + failures);
      }
      this.failureThreshold = failures;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return a new immutable configuration
     */
    public CircuitBreakerConfig build() {
      return new CircuitBreakerConfig(this);
    }
  }
}
