package dev.runaway.benchmarks.detection;

/**
 * Reference (i) of DETECTION.md section 5b: the oracle CUSUM. It knows the true normal rate of
 * every minute and the noise model (Poisson, or negative binomial with size 10 in the
 * overdispersed variant), tests for a k-fold increase with the exact log-likelihood ratio, and
 * alarms at {@code h = ln(10080)} (about one false alarm a week), resetting after each alarm. It
 * judges whole minutes, so its delays are whole minutes (the minute's end).
 *
 * <p>Not thread-safe.
 */
final class OracleCusum {

  static final double H = Math.log(10_080);

  private final double k;
  private final double size;
  private final Episodes episodes = new Episodes();
  private double s;
  private double firstAlarm = Double.NaN;

  /**
   * @param k the increase tested for
   * @param size the negative binomial size, or infinity for Poisson
   */
  OracleCusum(double k, double size) {
    this.k = k;
    this.size = size;
  }

  OracleCusum copy() {
    OracleCusum c = new OracleCusum(k, size);
    c.s = s;
    return c;
  }

  /** Judges one minute; returns whether it alarmed. */
  void step(long minute, long count, double normal, double countFrom, double onset) {
    double llr;
    if (Double.isInfinite(size)) {
      llr = count * Math.log(k) - (k - 1) * normal;
    } else {
      double r = size;
      llr = count * Math.log(k * (normal + r) / (k * normal + r)) - r * Math.log((k * normal + r) / (normal + r));
    }
    s = Math.max(0, s + llr);
    if (s >= H) {
      s = 0;
      double end = minute + 1;
      episodes.alarm(end, countFrom);
      if (end > onset && Double.isNaN(firstAlarm)) {
        firstAlarm = end - onset;
      }
    }
  }

  Episodes episodes() {
    return episodes;
  }

  double firstAlarm() {
    return firstAlarm;
  }
}
