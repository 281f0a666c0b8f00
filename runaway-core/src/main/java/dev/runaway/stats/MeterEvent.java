package dev.runaway.stats;

import dev.runaway.breaker.TripReason;

/**
 * What a {@link BurnRateMeter} tells its owner to do after an observation. Each event other than
 * {@link #NONE} is returned once per episode transition, to exactly one caller, however many
 * threads observe at once.
 */
public enum MeterEvent {
  /** Nothing to do: the common case. */
  NONE,
  /** Spend rose above the spike multiplier of its baseline: raise a {@code USAGE_SPIKE} alert. */
  COST_SPIKE,
  /** Calls rose above the spike multiplier of their baseline: raise a {@code USAGE_SPIKE} alert. */
  CALL_SPIKE,
  /** Spend rose above the breaker multiplier, confirmed: trip the breaker ({@link TripReason#BURN_RATE}). */
  COST_RUNAWAY,
  /** Calls rose above the breaker multiplier, confirmed: trip the breaker ({@link TripReason#CALL_RATE}). */
  CALL_RUNAWAY,
  /** The episode is over: rates have been back to normal for the quiet period; send one resolution. */
  RESOLVED;

  /**
   * Whether this event asks for a usage-spike alert.
   *
   * @return {@code true} for the spike events
   */
  public boolean isSpike() {
    return this == COST_SPIKE || this == CALL_SPIKE;
  }

  /**
   * Whether this event asks to trip the breaker.
   *
   * @return {@code true} for the runaway events
   */
  public boolean isRunaway() {
    return this == COST_RUNAWAY || this == CALL_RUNAWAY;
  }

  /**
   * Returns the trip reason of a runaway event.
   *
   * @return the reason, or {@code null} if this is not a runaway event
   */
  public TripReason tripReason() {
    return this == COST_RUNAWAY ? TripReason.BURN_RATE : this == CALL_RUNAWAY ? TripReason.CALL_RATE : null;
  }
}
