package dev.runaway.alert;

/** What an {@link Alert} is about. */
public enum AlertType {
  /** A budget passed 80% or 100% of its limit. */
  COST_THRESHOLD,
  /** Spend or calls far above the learned baseline. */
  USAGE_SPIKE,
  /** A circuit breaker changed state. */
  CIRCUIT_BREAKER,
  /** A monitored service's usage API failed or recovered. */
  SERVICE_STATUS
}
