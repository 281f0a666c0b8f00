package dev.runaway.breaker;

import dev.runaway.internal.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * Immutable configuration of a {@link CircuitBreaker}.
 *
 * <p>Build one with {@link #builder()}. {@link #defaults()}:
 * <ul>
 *   <li>waits 60 seconds in open state ({@link Builder#waitInOpenState}), then lets 3 trial calls
 *       through automatically ({@link Builder#permittedCallsInHalfOpenState}); this error-based
 *       half-open (a standalone breaker, or a guard's breaker opened by
 *       {@link TripReason#FAILURES}) closes once the trial calls succeed;
 *   <li>for a guard's <b>spend trips</b> ({@link TripReason#BURN_RATE}, {@link TripReason#CALL_RATE},
 *       {@link TripReason#BUDGET}, {@link TripReason#MONITOR}) judges the caller, not the API: a
 *       successful trial call proves only that the API is healthy, which it usually is. The breaker
 *       closes only once the caller's attempt rate (refused calls counted) has stayed under the
 *       breaker threshold for {@link Builder#confirmationPeriod} (default 10 minutes); while it
 *       waits, one trial call per {@link Builder#trialInterval} (default 20 seconds) goes through;
 *       and each re-trip within {@link Builder#maxWaitInOpenState} (default 30 minutes) of the last
 *       close doubles the wait in open state, up to that cap.
 * </ul>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class CircuitBreakerConfig {

  private static final CircuitBreakerConfig DEFAULTS = builder().build();

  private final Duration waitInOpenState;
  private final int permittedCallsInHalfOpenState;
  private final boolean automaticHalfOpen;
  private final int failureThreshold;
  private final Duration confirmationPeriod;
  private final Duration trialInterval;
  private final Duration maxWaitInOpenState;

  private CircuitBreakerConfig(Builder b) {
    if (b.maxWaitInOpenState.compareTo(b.waitInOpenState) < 0) {
      if (b.maxWaitSet) {
        throw new IllegalArgumentException("maxWaitInOpenState (" + b.maxWaitInOpenState
            + ") must not be below waitInOpenState (" + b.waitInOpenState + ")");
      }
    }
    this.confirmationPeriod = b.confirmationPeriod;
    this.trialInterval = b.trialInterval;
    // The default cap follows a longer wait: no backoff then, rather than an error for a setting
    // the user never gave.
    this.maxWaitInOpenState = b.maxWaitInOpenState.compareTo(b.waitInOpenState) < 0 ? b.waitInOpenState
        : b.maxWaitInOpenState;
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

  /**
   * Returns how long a guard's caller must stay under the breaker threshold before a spend trip
   * closes (default 10 minutes).
   *
   * @return the confirmation period
   */
  public Duration confirmationPeriod() {
    return confirmationPeriod;
  }

  /**
   * Returns the pacing of trial calls while a guard's spend trip waits for the caller to calm
   * down: one trial call per interval (default 20 seconds).
   *
   * @return the interval between trial calls
   */
  public Duration trialInterval() {
    return trialInterval;
  }

  /**
   * Returns the cap of the wait in open state after repeated spend trips (default 30 minutes):
   * a re-trip within this time of the last close doubles the wait, up to this cap.
   *
   * @return the longest wait in open state
   */
  public Duration maxWaitInOpenState() {
    return maxWaitInOpenState;
  }

  @Override
  public String toString() {
    return "CircuitBreakerConfig[waitInOpenState=" + waitInOpenState + ", permittedCallsInHalfOpenState="
        + permittedCallsInHalfOpenState + ", automaticHalfOpen=" + automaticHalfOpen + ", failureThreshold="
        + failureThreshold + ", confirmationPeriod=" + confirmationPeriod + ", trialInterval=" + trialInterval
        + ", maxWaitInOpenState=" + maxWaitInOpenState + "]";
  }

  /** Builds a {@link CircuitBreakerConfig}; {@link #build()} may be called more than once. */
  public static final class Builder {
    private Duration waitInOpenState = Duration.ofSeconds(60);
    private int permittedCallsInHalfOpenState = 3;
    private boolean automaticHalfOpen = true;
    private int failureThreshold = 0;
    private Duration confirmationPeriod = Duration.ofMinutes(10);
    private Duration trialInterval = Duration.ofSeconds(20);
    private Duration maxWaitInOpenState = Duration.ofMinutes(30);
    private boolean maxWaitSet;

    private Builder() {}

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      Checks.positive(d, name);
      return d;
    }

    /**
     * Sets how long a guard's caller must stay under the breaker threshold (attempts per minute,
     * refused calls counted) before a spend trip closes. Default 10 minutes.
     *
     * @param period a positive duration
     * @return this builder
     */
    public Builder confirmationPeriod(Duration period) {
      this.confirmationPeriod = positive(period, "confirmationPeriod");
      return this;
    }

    /**
     * Sets the pacing of trial calls while a guard's spend trip is half-open: one call per
     * interval reaches the service. Default 20 seconds.
     *
     * @param interval a positive duration
     * @return this builder
     */
    public Builder trialInterval(Duration interval) {
      this.trialInterval = positive(interval, "trialInterval");
      return this;
    }

    /**
     * Sets the cap of the backoff of repeated spend trips: a re-trip within this time of the last
     * close doubles the wait in open state, up to this cap. Default 30 minutes; set it equal to
     * {@link #waitInOpenState(Duration)} for no backoff.
     *
     * @param max a positive duration, not below the wait in open state (when it is not set, a
     *     wait in open state longer than 30 minutes is also the cap)
     * @return this builder
     */
    public Builder maxWaitInOpenState(Duration max) {
      this.maxWaitInOpenState = positive(max, "maxWaitInOpenState");
      this.maxWaitSet = true;
      return this;
    }

    /**
     * Sets how long the breaker stays open before trial calls.
     *
     * @param wait a positive duration
     * @return this builder
     */
    public Builder waitInOpenState(Duration wait) {
      Objects.requireNonNull(wait, "wait");
      Checks.positive(wait, "waitInOpenState");
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
      Checks.atLeast(calls, 1, "permittedCallsInHalfOpenState");
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
     * @throws IllegalArgumentException if the maximum wait in open state is below the wait
     */
    public CircuitBreakerConfig build() {
      return new CircuitBreakerConfig(this);
    }
  }
}
