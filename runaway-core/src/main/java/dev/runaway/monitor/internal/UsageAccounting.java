package dev.runaway.monitor.internal;

import dev.runaway.monitor.UsageReport;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns one service's successive {@link UsageReport}s into what is new, so that nothing is
 * counted twice.
 *
 * <p>A report that starts at or after the span asked for ({@code since}) covers only that span
 * and counts in full. A report that starts before {@code since} is cumulative for a bucket that
 * began at {@code from} (for example the current UTC day): only the growth since the last report
 * of the same bucket counts, and that growth happened between the previous poll and now. A report
 * of a later bucket (a new day) starts afresh and counts in full, its usage spread from the
 * bucket's start to now; so does the first cumulative report ever seen. A report of an earlier
 * bucket than the last one is stale and counts nothing. Figures that shrink within a bucket (a
 * source that revised itself down) count nothing and are not re-counted when they grow back.
 *
 * <p>Negative costs (refunds, credits) count as zero: the monitor watches for runaways, not for
 * the net bill.
 *
 * <p>Not thread-safe: the monitor calls it from one poll at a time per service.
 */
public final class UsageAccounting {

  private Instant bucket;
  private long bucketCost;
  private final Map<String, Double> bucketUnits = new HashMap<>();

  /**
   * Accounts for one report.
   *
   * @param report the report
   * @param since the start of the span the monitor asked for
   * @param now the end of that span
   * @return what is new
   */
  public UsageDelta accept(UsageReport report, Instant since, Instant now) {
    if (!report.from().isBefore(since)) {
      Instant to = report.to().isAfter(now) && !report.from().isAfter(now) ? now : report.to();
      return new UsageDelta(report.from(), to, Math.max(0, report.cost().nanos()), positive(report.units()), false);
    }
    Instant from = report.from();
    if (bucket == null || from.isAfter(bucket)) {
      bucket = from;
      bucketCost = Math.max(0, report.cost().nanos());
      bucketUnits.clear();
      Map<String, Double> units = positive(report.units());
      bucketUnits.putAll(units);
      return new UsageDelta(from, now.isBefore(from) ? from : now, bucketCost, units, true);
    }
    if (from.isBefore(bucket)) {
      return new UsageDelta(since, now, 0, Map.of(), true);
    }
    long cost = Math.max(0, report.cost().nanos());
    long grown = Math.max(0, cost - bucketCost);
    bucketCost = Math.max(bucketCost, cost);
    Map<String, Double> units = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : report.units().entrySet()) {
      double v = e.getValue() == null || !Double.isFinite(e.getValue()) ? 0 : e.getValue();
      double before = bucketUnits.getOrDefault(e.getKey(), 0.0);
      if (v > before) {
        units.put(e.getKey(), v - before);
        bucketUnits.put(e.getKey(), v);
      }
    }
    return new UsageDelta(since, now, grown, units, true);
  }

  private static Map<String, Double> positive(Map<String, Double> units) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : units.entrySet()) {
      Double v = e.getValue();
      if (v != null && Double.isFinite(v) && v > 0) {
        out.put(e.getKey(), v);
      }
    }
    return out;
  }
}
