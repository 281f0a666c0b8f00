package dev.runaway.telegram;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The figures behind the picture a spike or trip alert carries: a service's burn rate and baseline
 * over the last hours, and the multiplier whose line the rate crossed. Supplied per alert by
 * {@link TelegramNotifier.Builder#charts(java.util.function.Function)}.
 *
 * @param service the service, for the chart's title
 * @param points samples, oldest first; at least two to draw a chart
 * @param thresholdMultiplier the threshold line is this multiple of the baseline (the spike or
 *     breaker multiplier)
 */
public record RateChart(String service, List<Point> points, double thresholdMultiplier) {

  /**
   * One sample.
   *
   * @param time when it was taken
   * @param costPerHour the burn rate in dollars per hour
   * @param baselineCostPerHour the baseline in dollars per hour, {@code NaN} while unknown
   */
  public record Point(Instant time, double costPerHour, double baselineCostPerHour) {

    /** Validates the time. */
    public Point {
      Objects.requireNonNull(time, "time");
    }
  }

  /** Validates and copies the points. */
  public RateChart {
    Objects.requireNonNull(service, "service");
    points = List.copyOf(points);
    if (!(thresholdMultiplier > 0) || Double.isInfinite(thresholdMultiplier)) {
      throw new IllegalArgumentException("thresholdMultiplier must be positive and finite, got " + thresholdMultiplier);
    }
  }
}
