package dev.runaway.benchmarks.detection;

/**
 * Reference (ii) of DETECTION.md section 5b: the naive ratio rule. Alerts when a minute's count
 * exceeds 3 times the mean of the trailing hour, and trips the breaker above 5 times.
 *
 * <p>Not thread-safe.
 */
final class NaiveRule {

  private final long[] ring = new long[60];
  private int filled;
  private int next;
  private long sum;
  private final Episodes alerts = new Episodes();
  private final Episodes trips = new Episodes();
  private double firstAlert = Double.NaN;
  private double firstTrip = Double.NaN;

  NaiveRule copy() {
    NaiveRule c = new NaiveRule();
    System.arraycopy(ring, 0, c.ring, 0, ring.length);
    c.filled = filled;
    c.next = next;
    c.sum = sum;
    return c;
  }

  void step(long minute, long count, double countFrom, double onset) {
    if (filled == ring.length) {
      double mean = sum / 60.0;
      double end = minute + 1;
      if (count > 3 * mean) {
        alerts.alarm(end, countFrom);
        if (end > onset && Double.isNaN(firstAlert)) {
          firstAlert = end - onset;
        }
      }
      if (count > 5 * mean) {
        trips.alarm(end, countFrom);
        if (end > onset && Double.isNaN(firstTrip)) {
          firstTrip = end - onset;
        }
      }
    }
    sum += count - ring[next];
    ring[next] = count;
    next = (next + 1) % ring.length;
    filled = Math.min(ring.length, filled + 1);
  }

  Episodes alerts() {
    return alerts;
  }

  Episodes trips() {
    return trips;
  }

  double firstAlert() {
    return firstAlert;
  }

  double firstTrip() {
    return firstTrip;
  }
}
