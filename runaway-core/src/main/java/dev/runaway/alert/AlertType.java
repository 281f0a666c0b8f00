package dev.runaway.alert;

/** What an {@link Alert} is about. */
public enum AlertType {
  /**
   * A budget passed 80% or 100% of its limit, or refused a call whose own estimate is larger than
   * its whole limit (once per budget; its {@code percent} fact is the share really used).
   */
  COST_THRESHOLD,
  /** Spend or calls far above the learned baseline. */
  USAGE_SPIKE,
  /** A circuit breaker changed state. */
  CIRCUIT_BREAKER,
  /** A monitored service's usage API failed or recovered. */
  SERVICE_STATUS
}
