package dev.runaway;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.internal.SnapshotJson;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A point-in-time view of one service (or one key of it): spend per budget window, the current
 * burn rate against its learned baseline, projections, and the breaker's state. Obtained from
 * {@link RunawayGuard#snapshot(String)} for this process's calls, and from the monitor for the
 * account-wide figures.
 *
 * @param service the service
 * @param key the key, or {@code null} for the whole service
 * @param time when the snapshot was taken
 * @param windows spend per budget
 * @param costPerHour the current burn rate in dollars per hour
 * @param baselineCostPerHour the learned normal burn rate for this time, in dollars per hour;
 *     {@code NaN} while the baseline is warming up
 * @param callsPerMinute the current rate of attempted calls: admitted calls, plus the refused
 *     attempts of a caller that keeps calling while its breaker is open (they are how the guard
 *     sees that the loop still runs, so this rate stays high until the caller stops)
 * @param baselineCallsPerMinute the learned normal call rate; {@code NaN} while warming up
 * @param projectedHour spend in the sliding hour ending one hour from now at the current rate
 *     (what is in the window now, minus what will roll off, plus the current rate for an hour)
 * @param projectedDay the same for a day
 * @param timeToExhaustion how long until the first budget is gone at the current rate, or
 *     {@code null} when no budget runs out at this rate
 * @param breakerState the breaker's state
 *
 * <p><b>As data.</b> {@link #toMap()} and {@link #toJson()} give a stable JSON form (Jackson
 * serialises the record through {@code toMap()} too): money as decimal strings of dollars, never
 * a floating-point number, and no {@code NaN}: a figure that is not known yet (a baseline while
 * warming up) is {@code null}. The field names and their meaning are listed on {@link #toMap()}.
 */
public record ServiceSnapshot(String service, String key, Instant time, List<WindowSnapshot> windows,
    double costPerHour, double baselineCostPerHour, double callsPerMinute, double baselineCallsPerMinute,
    Cost projectedHour, Cost projectedDay, Duration timeToExhaustion, CircuitBreaker.State breakerState) {

  /** Validates and copies the windows. */
  public ServiceSnapshot {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(time, "time");
    windows = List.copyOf(windows);
    Objects.requireNonNull(projectedHour, "projectedHour");
    Objects.requireNonNull(projectedDay, "projectedDay");
    Objects.requireNonNull(breakerState, "breakerState");
  }

  /**
   * Returns the stable JSON form as an ordered map of plain values (strings, numbers, booleans,
   * lists, maps, {@code null}); Jackson serialises the record as this map. Fields, in order:
   * <ul>
   *   <li>{@code service}, {@code key} (string, {@code null} for the whole service),
   *       {@code time} (ISO-8601 instant), {@code breakerState} (a {@link CircuitBreaker.State} name);
   *   <li>{@code costPerHour} (decimal string of dollars per hour, rounded to the nano-dollar),
   *       {@code baselineCostPerHour} (the same, {@code null} while warming up),
   *       {@code callsPerMinute} (number), {@code baselineCallsPerMinute} (number or {@code null}),
   *       {@code rateRatio} (number, {@code null} while warming up or when the baseline is zero
   *       and the rate is not), {@code baselineReady} (boolean);
   *   <li>{@code projectedHour}, {@code projectedDay} (decimal strings of dollars),
   *       {@code timeToExhaustion} (ISO-8601 duration or {@code null}),
   *       {@code timeToExhaustionSeconds} (number or {@code null});
   *   <li>{@code windows}: one object per budget with {@code budget} (its {@link Budget#label()}),
   *       {@code window} (ISO-8601 duration), {@code zone} (calendar-day budgets, else {@code null}),
   *       {@code limit}, {@code spent}, {@code reserved}, {@code remaining} (decimal strings of
   *       dollars), {@code fraction} (number, 1.0 = exhausted) and {@code retryAfter} (ISO-8601
   *       duration or {@code null}).
   * </ul>
   * New fields may be added; existing ones keep their names, types and meaning.
   *
   * @return a new mutable map in the order above
   */
  @JsonValue
  public Map<String, Object> toMap() {
    return SnapshotJson.toMap(this);
  }

  /**
   * Returns {@link #toMap()} as compact JSON text.
   *
   * @return the JSON
   */
  public String toJson() {
    return SnapshotJson.toJson(toMap());
  }

  /**
   * Returns a one-line summary for logs: rates rounded (dollars per hour to the cent, calls per
   * minute to a tenth), "warming up" for a baseline not known yet, and the windows' spend. The
   * exact figures are the components and {@link #toMap()}.
   *
   * @return the summary
   */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("ServiceSnapshot[service=").append(service);
    if (key != null) {
      b.append(", key=").append(key);
    }
    b.append(", time=").append(time).append(", breaker=").append(breakerState)
        .append(", cost=").append(rate(costPerHour, "$%.2f/h"))
        .append(" (baseline ").append(rate(baselineCostPerHour, "$%.2f/h"))
        .append("), calls=").append(rate(callsPerMinute, "%.1f/min"))
        .append(" (baseline ").append(rate(baselineCallsPerMinute, "%.1f/min"))
        .append("), projectedHour=").append(projectedHour).append(", projectedDay=").append(projectedDay)
        .append(", timeToExhaustion=").append(timeToExhaustion == null ? "none" : timeToExhaustion)
        .append(", windows=").append(windows).append(']');
    return b.toString();
  }

  private static String rate(double v, String format) {
    return Double.isNaN(v) ? "warming up" : String.format(Locale.ROOT, format, v);
  }

  /**
   * Whether the baseline has seen enough history to judge the current rate.
   *
   * @return {@code true} once warmed up
   */
  public boolean baselineReady() {
    return !Double.isNaN(baselineCostPerHour);
  }

  /**
   * Returns the current burn rate as a multiple of the baseline.
   *
   * @return the ratio, {@code NaN} while warming up
   */
  public double rateRatio() {
    if (!baselineReady()) {
      return Double.NaN;
    }
    return baselineCostPerHour <= 0 ? (costPerHour > 0 ? Double.POSITIVE_INFINITY : 0) : costPerHour / baselineCostPerHour;
  }

  /**
   * Spend in one budget's window.
   *
   * @param budget the budget
   * @param spent committed spend in the window
   * @param reserved budget held by calls in flight
   * @param retryAfter for an exhausted budget, when enough rolls off to admit a call again;
   *     {@code null} otherwise
   */
  public record WindowSnapshot(Budget budget, Cost spent, Cost reserved, Duration retryAfter) {

    /**
     * Returns what is left of the limit, never below zero.
     *
     * @return the remaining budget
     */
    public Cost remaining() {
      long left = budget.limit().nanos() - spent.nanos() - reserved.nanos();
      return Cost.ofNanos(Math.max(0, left));
    }

    /**
     * Returns the share of the limit used, spent and reserved together (1.0 = exhausted).
     *
     * @return the fraction
     */
    public double fraction() {
      return (spent.nanos() + reserved.nanos()) / (double) budget.limit().nanos();
    }
  }
}
