package dev.runaway.breaker;

/** Why a circuit breaker opened. */
public enum TripReason {
  /** Spend per unit of time far above the learned baseline. */
  BURN_RATE,
  /** Calls per unit of time far above the learned baseline. */
  CALL_RATE,
  /** A budget was exhausted. */
  BUDGET,
  /** The polling monitor saw the service run away or pass its budget account-wide. */
  MONITOR,
  /** A person or program opened it by hand. */
  MANUAL,
  /** Too many of the guarded calls failed. */
  FAILURES,
  /**
   * The same request (model, messages and tools, fingerprinted) was sent too often within a
   * window: an agent or retry loop repeating itself. See {@link dev.runaway.loop.RepeatedRequests}.
   */
  REPEATED_REQUEST
}
