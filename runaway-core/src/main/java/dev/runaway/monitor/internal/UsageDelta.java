package dev.runaway.monitor.internal;

import java.time.Instant;
import java.util.Map;

/**
 * What a poll added to a service's account-wide usage: the spend and quantities that are new
 * since the previous poll, and the span over which they happened.
 *
 * @param from start of the span in which the new usage happened
 * @param to end of that span
 * @param costNanos new spend, nano-dollars, never negative
 * @param units new quantities by unit name, never negative
 * @param cumulative whether the report was cumulative for a bucket (such as the current UTC day)
 */
public record UsageDelta(Instant from, Instant to, long costNanos, Map<String, Double> units, boolean cumulative) {

  /** Copies the units. */
  public UsageDelta {
    units = Map.copyOf(units);
  }

  /**
   * Returns a unit's new quantity.
   *
   * @param unit the unit name
   * @return the quantity, 0 if absent
   */
  public double unit(String unit) {
    return units.getOrDefault(unit, 0.0);
  }
}
