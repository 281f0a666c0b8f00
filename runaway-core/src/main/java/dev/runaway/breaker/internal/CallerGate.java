package dev.runaway.breaker.internal;

/**
 * What a guard tells its breaker about the caller while a spend trip is open: whether the caller
 * has calmed down. A breaker with a gate closes a spend trip ({@code BURN_RATE}, {@code CALL_RATE},
 * {@code BUDGET}, {@code MONITOR}) only when {@link #quiet(long)} says so, never because trial
 * calls succeeded: a healthy API proves nothing about a looping caller.
 *
 * <p>Implementations are thread-safe, cheap (called on refused calls) and never throw.
 */
public interface CallerGate {

  /**
   * Whether the caller's attempt rate has stayed under the breaker threshold for the
   * confirmation period.
   *
   * @param nowNanos the ticker's reading
   * @return {@code true} when a spend trip may close
   */
  boolean quiet(long nowNanos);

  /**
   * Describes the rate the trip resolved at, for the closing transition (and its alert).
   *
   * @param nowNanos the ticker's reading
   * @return words such as "attempts 0/min, under the 50/min threshold for 10m"
   */
  String describe(long nowNanos);
}
