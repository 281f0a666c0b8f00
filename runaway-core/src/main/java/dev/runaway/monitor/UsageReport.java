package dev.runaway.monitor;

import dev.runaway.Cost;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link Detector} saw of a service's usage between {@code from} and {@code to}.
 *
 * <p>A report normally covers exactly the span the monitor asked for
 * ({@link PollContext#since()} to {@link PollContext#now()}). A source that only has coarser
 * buckets reports the whole bucket that contains the span, for example the current UTC day from
 * midnight; the monitor then treats the figures as cumulative for that bucket and counts only
 * what grew since the last poll, so nothing is counted twice.
 *
 * @param service the service's name
 * @param from the start of the span covered (inclusive)
 * @param to the end of the span covered (exclusive)
 * @param cost the total cost in the span
 * @param units quantities by unit name: {@code requests}, {@code tokens.input},
 *     {@code tokens.output}, {@code minutes}, {@code operations.class_a}, ...
 * @param items the breakdown, possibly empty
 */
public record UsageReport(String service, Instant from, Instant to, Cost cost, Map<String, Double> units,
    List<UsageItem> items) {

  /**
   * The unit under which a detector reports, in US dollars, the value of the usage that the
   * monitor's burn-rate meter should judge when the billed {@code cost} understates it: GitHub's
   * gross amount while usage is inside the included minutes (billed $0), Vercel's
   * {@code EffectiveCost} under a commitment (billed about $0). Budgets still count {@code cost};
   * the meter judges the larger of the two, so a loop shows before the allowance is gone.
   */
  public static final String DETECTION_COST_UNIT = "cost.detection_usd";

  /** Validates and copies the collections. */
  public UsageReport {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(cost, "cost");
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("to " + to + " is before from " + from);
    }
    units = units == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(units));
    items = items == null ? List.of() : List.copyOf(items);
  }

  /**
   * Returns a report of no usage over a span.
   *
   * @param service the service
   * @param from the start
   * @param to the end
   * @return an empty report
   */
  public static UsageReport empty(String service, Instant from, Instant to) {
    return new UsageReport(service, from, to, Cost.ZERO, Map.of(), List.of());
  }

  /**
   * Returns a unit's quantity.
   *
   * @param unit the unit name
   * @return the quantity, 0 if absent
   */
  public double unit(String unit) {
    return units.getOrDefault(unit, 0.0);
  }
}
