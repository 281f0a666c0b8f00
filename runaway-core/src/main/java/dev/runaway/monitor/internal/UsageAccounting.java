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
 * <p>A report that starts at or after the span asked for ({@code since}) covers a span of its
 * own and counts in full. A report that starts before {@code since} is cumulative for a bucket
 * that began at {@code from} (for example the current UTC day): only the growth since the last
 * report of the same bucket counts, and that growth happened between the previous poll and now.
 * A report of a later bucket (a new day) starts afresh and counts in full, spread from the
 * bucket's start to now; so does the first cumulative report ever seen. Every report is
 * remembered as the level of the bucket starting at its {@code from}, so a new day's first report
 * (which starts after {@code since} when the last poll was yesterday) and its later cumulative
 * reports are not counted twice. A report of an earlier bucket than the last one is stale and
 * counts nothing. Figures that shrink within a bucket (a
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
    Instant from = report.from();
    if (bucket != null && from.isBefore(bucket)) {
      return new UsageDelta(since, now, 0, Map.of(), true);
    }
    long cost = Math.max(0, report.cost().nanos());
    if (!from.isBefore(since) || bucket == null || from.isAfter(bucket)) {
      // A span of its own, a new bucket, or the first cumulative figure: all of it is new. It is
      // remembered as the bucket's level, so a later cumulative report of it counts only growth.
      boolean cumulative = from.isBefore(since);
      Instant to = cumulative || report.to().isAfter(now) && !from.isAfter(now) ? now : report.to();
      bucket = from;
      bucketCost = cost;
      bucketUnits.clear();
      Map<String, Double> units = positive(report.units());
      bucketUnits.putAll(units);
      return new UsageDelta(from, to.isBefore(from) ? from : to, cost, units, cumulative);
    }
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
